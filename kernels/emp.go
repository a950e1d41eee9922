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
	c, err := covariance(g, x, n, d, false, nil)
	if err != nil {
		return nil, err
	}
	return &Emp{D: d, Cov: c}, nil
}

// NewEmp2 is NewEmp on the squared inputs: it returns cov(X∘X), without forming X∘X.
func NewEmp2(g gemm.Impl, x []float32, n, d int) (*Emp2, error) {
	c, err := covariance(g, x, n, d, true, nil)
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

// EmpColumns is the empirical covariance kernel of Emp (or of Emp2, when built by
// NewEmp2Columns) known only on some columns: the covariances of every input with the inputs
// Cols, the part of the matrix that a KRR or raw dictionary over positions α ⊆ Cols reads
// (k(all, α) and K(α, α)). Computing it costs n·d·len(Cols) multiply-adds instead of n·d².
//
// At(i, j) answers every pair of which i or j is in Cols, and panics for the other pairs
// (a programmer error): KRR and Raw at α ⊆ Cols never ask for them. An EmpColumns comes from
// NewEmpColumns or NewEmp2Columns.
type EmpColumns struct {
	D int
	// Cols lists distinct positions in [0, D).
	Cols []int
	// Cov is D×len(Cols) row-major: Cov[i·len(Cols) + c] = cov(x_i, x_Cols[c]), divided by
	// n − 1. Its rows at Cols form an exactly symmetric matrix.
	Cov []float64

	index []int32 // index[i]: i's place in Cols, or −1
}

// NewEmpColumns returns the columns cols of NewEmp's covariance of the rows of x (n×d): the
// same values up to float rounding, for len(cols)/d of the cost. cols must hold distinct
// positions in [0, d) (see CheckAlpha).
func NewEmpColumns(g gemm.Impl, x []float32, n, d int, cols []int) (*EmpColumns, error) {
	return newEmpColumns(g, x, n, d, cols, false)
}

// NewEmp2Columns is NewEmpColumns on the squared inputs: columns of NewEmp2's cov(X∘X).
func NewEmp2Columns(g gemm.Impl, x []float32, n, d int, cols []int) (*EmpColumns, error) {
	return newEmpColumns(g, x, n, d, cols, true)
}

func newEmpColumns(g gemm.Impl, x []float32, n, d int, cols []int, square bool) (*EmpColumns, error) {
	if d < 1 {
		return nil, fmt.Errorf("kernels: covariance of %d×%d data: need at least 1 column", n, d)
	}
	if err := CheckAlpha(d, cols); err != nil {
		return nil, err
	}
	c, err := covariance(g, x, n, d, square, cols)
	if err != nil {
		return nil, err
	}
	index := make([]int32, d)
	for i := range index {
		index[i] = -1
	}
	for k, p := range cols {
		index[p] = int32(k)
	}
	return &EmpColumns{D: d, Cols: append([]int(nil), cols...), Cov: c, index: index}, nil
}

// Len returns D.
func (e *EmpColumns) Len() int { return e.D }

// Has reports whether position i is among the columns.
func (e *EmpColumns) Has(i int) bool { return e.index[i] >= 0 }

// At returns the covariance of inputs i and j; one of them must be in Cols.
func (e *EmpColumns) At(i, j int) float64 {
	m := len(e.Cols)
	if k := e.index[j]; k >= 0 {
		return e.Cov[i*m+int(k)]
	}
	if k := e.index[i]; k >= 0 {
		return e.Cov[j*m+int(k)]
	}
	panic(fmt.Sprintf("kernels: EmpColumns.At(%d, %d): neither position is among the computed columns", i, j))
}

// covChunk is the number of rows centred and multiplied at a time by covariance: large enough
// for an efficient product, small enough that float32 sums over one chunk stay accurate.
const covChunk = 512

// covariance returns the sample covariance (divided by n−1) of the rows of x (n×d), or of
// their elementwise squares when square is true, as a row-major float64 matrix: d×d and
// exactly symmetric when cols is nil, otherwise its columns cols, d×len(cols), with the
// rows at cols exactly symmetric.
//
// It makes one pass over x, in chunks of covChunk rows: each row minus a shift s (the mean of
// the first chunk, close to the mean) is cast to float32, Y, and the chunk's Yᵀ·[Y_cols | 1]
// is computed on g and added into a float64 accumulator. That gives Σ y_i·y_j and the column
// sums Σ y_i, and cov(x_i, x_j) = (Σ y_i·y_j − Σ y_i·Σ y_j / n) / (n − 1), where the second
// term is small because s is close to the mean.
func covariance(g gemm.Impl, x []float32, n, d int, square bool, cols []int) ([]float64, error) {
	if n < 2 || d < 1 {
		return nil, fmt.Errorf("kernels: covariance of %d×%d data: need at least 2 rows and 1 column", n, d)
	}
	if n > len(x)/d || len(x) != n*d {
		return nil, fmt.Errorf("kernels: covariance: data has %d values, want %d×%d", len(x), n, d)
	}
	if cols == nil {
		cols = make([]int, d)
		for i := range cols {
			cols[i] = i
		}
	}

	// The shift, in float64 and in float32 for the rows.
	first := min(n, covChunk)
	shift := make([]float64, d)
	for r := 0; r < first; r++ {
		sum := shift[:d]
		for j, v := range x[r*d : (r+1)*d] {
			if square {
				sum[j] += float64(v) * float64(v)
			} else {
				sum[j] += float64(v)
			}
		}
	}
	shift32 := make([]float32, d)
	for j := range shift {
		shift[j] /= float64(first)
		shift32[j] = float32(shift[j])
	}

	m := len(cols) + 1 // the columns cols and a column of ones
	buf := make([]float32, first*d)
	sub := make([]float32, first*m)
	prod := make([]float32, d*m)
	acc := make([]float64, d*m)
	for r0 := 0; r0 < n; r0 += covChunk {
		rows := min(covChunk, n-r0)
		for r := 0; r < rows; r++ {
			src := x[(r0+r)*d : (r0+r+1)*d]
			dst := buf[r*d : (r+1)*d]
			dst = dst[:len(src)]
			if square {
				mu := shift[:len(src)]
				for j, v := range src {
					dst[j] = float32(float64(v)*float64(v) - mu[j])
				}
			} else {
				mu := shift32[:len(src)]
				for j, v := range src {
					dst[j] = v - mu[j]
				}
			}
			s := sub[r*m : (r+1)*m]
			for k, p := range cols {
				s[k] = dst[p]
			}
			s[m-1] = 1
		}
		g.Sgemm(true, false, d, m, rows, 1, buf, d, sub, m, 0, prod, m)
		for i, p := range prod {
			acc[i] += float64(p)
		}
	}

	// acc[i·m + k] = Σ y_i·y_cols[k] and acc[i·m + m−1] = Σ y_i. Make the
	// square part exactly symmetric (entries (p, q) and (q, p) for p and q
	// both among the columns take their mean), then centre and scale.
	sums := make([]float64, d)
	for i := range sums {
		sums[i] = acc[i*m+m-1]
		if math.IsNaN(sums[i]) || math.IsInf(sums[i], 0) {
			return nil, fmt.Errorf("kernels: covariance: column %d has non-finite values", i)
		}
	}
	for k := range cols {
		for l := k + 1; l < len(cols); l++ {
			a, b := &acc[cols[k]*m+l], &acc[cols[l]*m+k]
			s := (*a + *b) / 2
			*a, *b = s, s
		}
	}
	c := make([]float64, d*len(cols))
	nf, scale := float64(n), 1/float64(n-1)
	for i := 0; i < d; i++ {
		for k, p := range cols {
			c[i*len(cols)+k] = (acc[i*m+k] - sums[i]*sums[p]/nf) * scale
		}
	}
	return c, nil
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
