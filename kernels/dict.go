package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/predparams/predparams/engine/gemm"
	"gonum.org/v1/gonum/mat"
)

// The dictionaries below return U as an n×m row-major float32 matrix: n input positions,
// m atoms (columns). See method.md §3.

// RandFixU returns a fixed random dictionary with iid entries scale·N(0, 1) (RandFixU; the
// paper code uses scale 0.1, PaperRandFixScale).
func RandFixU(r *rand.Rand, n, m int, scale float32) ([]float32, error) {
	if err := checkDict(r, n, m); err != nil {
		return nil, err
	}
	u := make([]float32, n*m)
	for i := range u {
		u[i] = scale * float32(r.NormFloat64())
	}
	return u, nil
}

// RandCon returns the columns of the n×n identity at α (RandCon): U[α_j, j] = 1, all else 0,
// so unit j of a column sees only the inputs α. α must be valid (CheckAlpha).
func RandCon(n int, alpha []int) ([]float32, error) {
	if err := CheckAlpha(n, alpha); err != nil {
		return nil, err
	}
	m := len(alpha)
	u := make([]float32, n*m)
	for j, p := range alpha {
		u[p*m+j] = 1
	}
	return u, nil
}

// LowRankInit returns the initial value of a learned dictionary (LowRank): iid uniform in
// [−scale, scale). The model layer learns it along with V; a zero scale would never move
// (method.md §13).
func LowRankInit(r *rand.Rand, n, m int, scale float32) ([]float32, error) {
	if err := checkDict(r, n, m); err != nil {
		return nil, err
	}
	u := make([]float32, n*m)
	for i := range u {
		u[i] = scale * float32(2*r.Float64()-1)
	}
	return u, nil
}

// NormalizeColumns scales each column of the n×m row-major matrix u, in place, to unit L2
// norm, and returns the former norms. A zero column is left as it is.
//
// U's scale sets V's effective learning rate (method.md §13): ∂L/∂V = Uᵀ·∂L/∂W, so an SGD step
// on V moves W by −η·UUᵀ·G. KRR atoms have unit rows at α while raw SE atoms overlap and
// covariance atoms carry the input variance; unit columns put the dictionaries on one footing.
// It panics if len(u) != n·m (a programmer error).
func NormalizeColumns(u []float32, n, m int) []float64 {
	if n < 0 || m < 0 || len(u) != n*m {
		panic("kernels: NormalizeColumns: len(u) != n·m")
	}
	norms := make([]float64, m)
	for i := 0; i < n; i++ {
		for j, v := range u[i*m : (i+1)*m] {
			norms[j] += float64(v) * float64(v)
		}
	}
	for j := range norms {
		norms[j] = math.Sqrt(norms[j])
	}
	for i := 0; i < n; i++ {
		row := u[i*m : (i+1)*m]
		for j, nj := range norms {
			if nj > 0 {
				row[j] = float32(float64(row[j]) / nj)
			}
		}
	}
	return norms
}

// Pick chooses which m atoms of a full basis PCA and DCT return (method.md §3: record which).
type Pick int

const (
	// Leading takes the m leading atoms: the largest-variance principal directions, or the
	// lowest DCT frequencies. This is classical low-rank approximation.
	Leading Pick = iota
	// Random takes m atoms drawn uniformly without replacement from the full basis (with
	// SampleAlpha), mirroring α; they are returned in the basis order.
	Random
)

// String returns the pick's name as configs spell it ("leading" or "random").
func (p Pick) String() string {
	switch p {
	case Leading:
		return "leading"
	case Random:
		return "random"
	}
	return fmt.Sprintf("Pick(%d)", int(p))
}

// pick returns the indices of m of the full basis's nb atoms, in basis order.
func (p Pick) pick(r *rand.Rand, nb, m int) ([]int, error) {
	switch p {
	case Leading:
		if m < 1 || m > nb {
			return nil, fmt.Errorf("kernels: cannot take %d atoms of a basis of %d", m, nb)
		}
		idx := make([]int, m)
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	case Random:
		return SampleAlpha(r, nb, m)
	}
	return nil, fmt.Errorf("kernels: unknown %v", p)
}

// PCA returns m principal directions of the rows of x (n examples × d inputs) as a d×m
// dictionary with orthonormal columns, in decreasing order of variance: the leading m, or a
// random m of all d (pick; r is used only by Random). The covariance is computed as by NewEmp
// (see there for cost and subsampling) and decomposed in float64 by mat.EigenSym. Each
// direction's sign is fixed so that its largest-magnitude entry is positive.
func PCA(g gemm.Impl, x []float32, n, d, m int, pick Pick, r *rand.Rand) ([]float32, error) {
	if pick == Random && r == nil {
		return nil, errors.New("kernels: PCA: Random pick needs a random source")
	}
	if m < 1 || m > d {
		return nil, fmt.Errorf("kernels: PCA: cannot take %d directions of %d inputs", m, d)
	}
	c, err := covariance(g, x, n, d, false, nil)
	if err != nil {
		return nil, err
	}
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(d, c), true) {
		return nil, errors.New("kernels: PCA: the eigen-decomposition of the covariance failed")
	}
	var vec mat.Dense
	eig.VectorsTo(&vec) // columns in ascending order of eigenvalue
	idx, err := pick.pick(r, d, m)
	if err != nil {
		return nil, err
	}
	u := make([]float32, d*m)
	for j, k := range idx {
		col := d - 1 - k // k-th largest
		sign := 1.0
		big := 0.0
		for i := 0; i < d; i++ {
			if v := vec.At(i, col); math.Abs(v) > big {
				big, sign = math.Abs(v), math.Copysign(1, v)
			}
		}
		for i := 0; i < d; i++ {
			u[i*m+j] = float32(sign * vec.At(i, col))
		}
	}
	return u, nil
}

// DCT returns m atoms of the orthonormal 2-D DCT-II basis over an h×w grid of c channels, as
// an (h·w·c)×m dictionary in NHWC position order. Atom (u, v, ch) is
//
//	φ(y, x, ch') = a_h(u)·a_w(v)·cos(π(2y+1)u/(2h))·cos(π(2x+1)v/(2w)) when ch' = ch, else 0,
//
// with a_h(0) = √(1/h) and a_h(u) = √(2/h) otherwise: per-channel atoms, block-diagonal over
// channels. The full basis of h·w·c atoms is ordered by increasing frequency u+v, then u
// (the vertical frequency), then channel; Leading takes its first m, Random a random m (r is
// used only by Random). The full basis is orthonormal.
func DCT(h, w, c, m int, pick Pick, r *rand.Rand) ([]float32, error) {
	return separable("DCT", h, w, c, m, pick, r, func(n int) basis1D {
		return basis1D{phi: func(k, i int) float64 { return dct1(n, k, i) }, level: func(k int) int { return k }}
	})
}

// dct1 is the orthonormal 1-D DCT-II basis function of frequency k at sample i of n.
func dct1(n, k, i int) float64 {
	a := math.Sqrt(2 / float64(n))
	if k == 0 {
		a = math.Sqrt(1 / float64(n))
	}
	return a * math.Cos(math.Pi*float64((2*i+1)*k)/float64(2*n))
}

// checkDict validates the arguments shared by the random dictionaries.
func checkDict(r *rand.Rand, n, m int) error {
	if r == nil {
		return errors.New("kernels: nil random source")
	}
	if n < 1 || m < 1 || n > math.MaxInt32/m {
		return fmt.Errorf("kernels: dictionary %d×%d: sizes must be positive", n, m)
	}
	return nil
}
