// Package rica implements reconstruction ICA (Le, Karpenko, Ngiam and Ng, NIPS
// 2011), the feature learner of the paper's Fig. 6, with filters learned
// directly or predicted through a dictionary. It is apart from kernels so
// that the page's wasm build does not link gonum's optimizers.
package rica

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// RICA is the objective of reconstruction ICA over m examples of n inputs
// (X, n×m, one example per column, whitened by the caller):
//
//	J(W) = (λ/m)·Σ_ij √(ε + (W·X)_ij²) + (1/2m)·‖WᵀW·X − X‖²_F
//
// with W (k×n) holding one feature's filter per row. With a dictionary U
// (n×a) the filters are predicted, Wᵀ = U·V, and the parameter is V (a×k)
// instead of W: the paper's "RICA with predicted filters".
type RICA struct {
	X       *mat.Dense // n×m
	K       int        // features
	Lambda  float64    // sparsity weight λ
	Epsilon float64    // smoothing ε of the absolute value
	// U, if not nil, is the n×a dictionary through which the filters are
	// predicted.
	U *mat.Dense
}

// Params returns the number of learned parameters: k·n, or a·k with U.
func (r *RICA) Params() int {
	n, _ := r.X.Dims()
	if r.U != nil {
		_, a := r.U.Dims()
		return a * r.K
	}
	return r.K * n
}

// Filters returns W (k×n) from the parameters p (W row-major, or V
// row-major, a×k, with U).
func (r *RICA) Filters(p []float64) *mat.Dense {
	n, _ := r.X.Dims()
	if r.U == nil {
		return mat.NewDense(r.K, n, p)
	}
	_, a := r.U.Dims()
	var w mat.Dense
	w.Mul(mat.NewDense(a, r.K, p).T(), r.U.T()) // Vᵀ·Uᵀ = (U·V)ᵀ
	return &w
}

// Func returns J at the parameters p, and writes ∂J/∂p into grad when it
// is not nil. With Z = W·X and R = Wᵀ·Z − X,
//
//	∂J/∂W = (λ/m)·(Z/√(ε + Z²))·Xᵀ + (1/m)·(Z·Rᵀ + W·R·Xᵀ),
//
// and ∂J/∂V = Uᵀ·(∂J/∂W)ᵀ.
func (r *RICA) Func(p, grad []float64) float64 {
	_, m := r.X.Dims()
	w := r.Filters(p)
	var z, rec, res mat.Dense
	z.Mul(w, r.X)      // k×m
	rec.Mul(w.T(), &z) // n×m
	res.Sub(&rec, r.X)
	var sparse, recon float64
	dz := mat.NewDense(r.K, m, nil)
	for i := 0; i < r.K; i++ {
		for j := 0; j < m; j++ {
			v := z.At(i, j)
			s := math.Sqrt(r.Epsilon + v*v)
			sparse += s
			dz.Set(i, j, r.Lambda*v/s)
		}
	}
	rd := res.RawMatrix()
	for _, v := range rd.Data {
		recon += v * v
	}
	f := (r.Lambda*sparse + recon/2) / float64(m)
	if grad == nil {
		return f
	}
	// ∂J/∂W·m = dz·Xᵀ + Z·Rᵀ + W·R·Xᵀ = (dz + W·R)·Xᵀ + Z·Rᵀ.
	var wr, g, zr mat.Dense
	wr.Mul(w, &res) // k×m
	wr.Add(&wr, dz)
	g.Mul(&wr, r.X.T()) // k×n
	zr.Mul(&z, res.T())
	g.Add(&g, &zr)
	g.Scale(1/float64(m), &g)
	if r.U == nil {
		copy(grad, g.RawMatrix().Data)
		return f
	}
	_, a := r.U.Dims()
	gv := mat.NewDense(a, r.K, grad[:a*r.K])
	gv.Mul(r.U.T(), g.T())
	return f
}

// RICAConfig sets up TrainRICA.
type RICAConfig struct {
	Features   int     // k, ≥ 1
	Lambda     float64 // sparsity weight, > 0
	Epsilon    float64 // smoothing of |·|, > 0 (0 means 1e-2)
	Iterations int     // L-BFGS major iterations, ≥ 1
	Seed       uint64  // fixes the initial parameters
}

// TrainRICA minimises the RICA objective r (whose K it sets from cfg)
// with gonum's L-BFGS from parameters drawn from N(0, 0.01²) and returns
// the filters W (k×n) and the final objective.
func TrainRICA(x *mat.Dense, u *mat.Dense, cfg RICAConfig) (*mat.Dense, float64, error) {
	if cfg.Features < 1 || !(cfg.Lambda > 0) || cfg.Iterations < 1 || cfg.Epsilon < 0 {
		return nil, 0, fmt.Errorf("rica: with %d features, λ = %g, %d iterations: want ≥ 1, > 0, ≥ 1", cfg.Features, cfg.Lambda, cfg.Iterations)
	}
	if x == nil {
		return nil, 0, errors.New("rica: without data")
	}
	n, _ := x.Dims()
	if u != nil {
		if un, _ := u.Dims(); un != n {
			return nil, 0, fmt.Errorf("rica: dictionary of %d rows for %d inputs", un, n)
		}
	}
	eps := cfg.Epsilon
	if eps == 0 {
		eps = 1e-2
	}
	r := &RICA{X: x, K: cfg.Features, Lambda: cfg.Lambda, Epsilon: eps, U: u}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7269)) // "ri"
	p0 := make([]float64, r.Params())
	for i := range p0 {
		p0[i] = 0.01 * rng.NormFloat64()
	}
	prob := optimize.Problem{Func: func(p []float64) float64 { return r.Func(p, nil) },
		Grad: func(g, p []float64) { r.Func(p, g) }}
	res, err := optimize.Minimize(prob, p0, &optimize.Settings{MajorIterations: cfg.Iterations}, &optimize.LBFGS{})
	if res == nil {
		return nil, 0, fmt.Errorf("rica:: %v", err)
	}
	// Running out of iterations is the expected end of a budgeted run.
	if err != nil && res.Status != optimize.IterationLimit {
		return nil, 0, fmt.Errorf("rica:: %v", err)
	}
	return r.Filters(res.X), res.F, nil
}
