package kernels

import (
	"fmt"
	"math"

	"github.com/predparams/predparams/engine/gemm"
)

// Emp is the empirical covariance kernel over a layer's d input units (method.md §3):
// k(i, j) = cov(x_i, x_j) over the data, divided by n−1. Cov is the d×d row-major symmetric
// matrix, computed once and frozen; it is shared, not copied, by At.
//
// An Emp may also be built from a covariance computed elsewhere: Emp{D: d, Cov: c}.
type Emp struct {
	D   int
	Cov []float64
}

// Emp2 is the covariance kernel of the squared inputs, C = cov(X∘X), as the paper code
// computes it (method.md §3: "the code squares the inputs", not C∘C). The fields are as in Emp.
type Emp2 struct {
	D   int
	Cov []float64
}

// NewEmp returns the covariance of the rows of x, an n×d row-major matrix (n examples of d
// inputs each), divided by n − 1. It needs n ≥ 2 and finite inputs.
//
// The products run on g in float32 and accumulate in float64 (see covariance), so the cost is
// about n·d² multiply-adds: for MNIST's 60000×784 that is one pass of a 784×60000×784 product.
// Because the products are float32, entries carry relative errors of order 1e-7 of the
// covariance's scale: a rank-deficient covariance (n ≤ d, or exactly collinear inputs) may
// show eigenvalues slightly below zero, about 1e-8 of the trace. The ridge λ of KRR (at least
// PaperEmpRidge) absorbs this; constant inputs give exact zero rows and columns.
//
// To estimate from fewer examples, pass fewer rows: x[:rows*d] with n = rows (the first rows),
// or a random subset gathered by the caller. The paper code uses the whole training set.
func NewEmp(g gemm.Impl, x []float32, n, d int) (*Emp, error) {
	c, err := covariance(g, x, n, d, false)
	if err != nil {
		return nil, err
	}
	return &Emp{D: d, Cov: c}, nil
}

// NewEmp2 is NewEmp on the squared inputs: it returns cov(X∘X), without forming X∘X.
func NewEmp2(g gemm.Impl, x []float32, n, d int) (*Emp2, error) {
	c, err := covariance(g, x, n, d, true)
	if err != nil {
		return nil, err
	}
	return &Emp2{D: d, Cov: c}, nil
}

// Len returns D.
func (e *Emp) Len() int { return e.D }

// At returns Cov[i·D + j].
func (e *Emp) At(i, j int) float64 { return e.Cov[i*e.D+j] }

// Len returns D.
func (e *Emp2) Len() int { return e.D }

// At returns Cov[i·D + j].
func (e *Emp2) At(i, j int) float64 { return e.Cov[i*e.D+j] }

// covChunk is the number of rows centred and multiplied at a time by covariance: large enough
// for an efficient product, small enough that float32 sums over one chunk stay accurate.
const covChunk = 512

// covariance returns the d×d sample covariance (divided by n−1) of the rows of x (n×d), or of
// their elementwise squares when square is true, as a row-major float64 matrix that is exactly
// symmetric.
//
// It makes two passes: column means in float64; then chunks of covChunk rows, centred in
// float64 and cast to float32, multiplied on g as chunkᵀ·chunk, each chunk's product added
// into a float64 accumulator.
func covariance(g gemm.Impl, x []float32, n, d int, square bool) ([]float64, error) {
	if n < 2 || d < 1 {
		return nil, fmt.Errorf("kernels: covariance of %d×%d data: need at least 2 rows and 1 column", n, d)
	}
	if n > len(x)/d || len(x) != n*d {
		return nil, fmt.Errorf("kernels: covariance: data has %d values, want %d×%d", len(x), n, d)
	}
	val := func(v float32) float64 {
		if square {
			return float64(v) * float64(v)
		}
		return float64(v)
	}

	mean := make([]float64, d)
	for r := 0; r < n; r++ {
		for j, v := range x[r*d : (r+1)*d] {
			mean[j] += val(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
		if math.IsNaN(mean[j]) || math.IsInf(mean[j], 0) {
			return nil, fmt.Errorf("kernels: covariance: column %d has non-finite values", j)
		}
	}

	buf := make([]float32, min(n, covChunk)*d)
	prod := make([]float32, d*d)
	acc := make([]float64, d*d)
	for r0 := 0; r0 < n; r0 += covChunk {
		rows := min(covChunk, n-r0)
		for r := 0; r < rows; r++ {
			dst := buf[r*d : (r+1)*d]
			for j, v := range x[(r0+r)*d : (r0+r+1)*d] {
				dst[j] = float32(val(v) - mean[j])
			}
		}
		g.Sgemm(true, false, d, d, rows, 1, buf, d, buf, d, 0, prod, d)
		for i, p := range prod {
			acc[i] += float64(p)
		}
	}

	scale := 1 / float64(n-1)
	for i := 0; i < d; i++ {
		acc[i*d+i] *= scale
		for j := i + 1; j < d; j++ {
			s := (acc[i*d+j] + acc[j*d+i]) / 2 * scale
			acc[i*d+j], acc[j*d+i] = s, s
		}
	}
	return acc, nil
}

// Validate reports whether D is positive and Cov holds D×D values.
func (e *Emp) Validate() error { return checkCov(e.D, e.Cov) }

// Validate reports whether D is positive and Cov holds D×D values.
func (e *Emp2) Validate() error { return checkCov(e.D, e.Cov) }

func checkCov(d int, c []float64) error {
	if d < 1 || d > len(c)/d || len(c) != d*d {
		return fmt.Errorf("kernels: covariance of %d values for %d inputs: want %d×%d", len(c), d, d, d)
	}
	return nil
}
