package kernels

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// A KRRSolver holds the Cholesky factorisation of K(α,α) + λI, so that
// single columns of the KRR dictionary U = k(all, α)·(K(α,α) + λI)⁻¹ and
// predictions U·w_α cost one solve each instead of KRR's solve for all n
// rows at once: a view that needs a few atoms and one prediction (the
// page's dictionary explorer) pays O(|α|³/3 + n·|α|) instead of
// O(n·|α|²). Column j of U and U·w equal KRR's to rounding.
type KRRSolver struct {
	k     Kernel
	alpha []int
	chol  mat.Cholesky
	kna   []float64 // k(all, α), n×|α| row-major
}

// NewKRRSolver factorises K(α,α) + λI under the same checks as KRR; a
// failed factorisation is a *NotPDError.
func NewKRRSolver(k Kernel, alpha []int, lambda float64) (*KRRSolver, error) {
	s := &KRRSolver{k: k, alpha: alpha}
	if err := factorizeKAA(&s.chol, k, alpha, lambda); err != nil {
		return nil, err
	}
	m := len(alpha)
	if c := s.chol.Cond(); c > mat.ConditionTolerance {
		return nil, &NotPDError{Size: m, Lambda: lambda, Cond: c}
	}
	n := k.Len()
	s.kna = make([]float64, n*m)
	for i := 0; i < n; i++ {
		for a, p := range alpha {
			s.kna[i*m+a] = k.At(i, p)
		}
	}
	return s, nil
}

// Predict returns U·w for w holding one weight per position of α: the
// n values k(all, α)·(K(α,α) + λI)⁻¹·w.
func (s *KRRSolver) Predict(w []float64) ([]float64, error) {
	m := len(s.alpha)
	if len(w) != m {
		return nil, fmt.Errorf("kernels: %d weights for |α|=%d", len(w), m)
	}
	var c mat.VecDense
	if err := s.chol.SolveVecTo(&c, mat.NewVecDense(m, append([]float64(nil), w...))); err != nil {
		var cond mat.Condition
		if errors.As(err, &cond) {
			return nil, &NotPDError{Size: m, Lambda: math.NaN(), Cond: float64(cond)}
		}
		return nil, err
	}
	raw := c.RawVector()
	n := s.k.Len()
	out := make([]float64, n)
	for i := 0; i < n; i++ {
		var v float64
		for a, ka := range s.kna[i*m : (i+1)*m] {
			v += ka * raw.Data[a*raw.Inc]
		}
		out[i] = v
	}
	return out, nil
}

// Column returns column j of U (n values): the prediction from the unit
// vector e_j, the atom that α_j's weight spreads into.
func (s *KRRSolver) Column(j int) ([]float64, error) {
	if j < 0 || j >= len(s.alpha) {
		return nil, fmt.Errorf("kernels: column %d of U with |α|=%d", j, len(s.alpha))
	}
	e := make([]float64, len(s.alpha))
	e[j] = 1
	return s.Predict(e)
}
