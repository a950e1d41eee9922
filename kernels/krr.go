package kernels

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// NotPDError reports that K(α,α) + λI could not be factorised: it is not positive definite,
// or so ill-conditioned that its solve is meaningless. This happens with λ = 0 whenever α
// touches inputs of zero variance, such as MNIST's blank border pixels or saturated hidden
// units (method.md §13); a larger ridge λ fixes it.
type NotPDError struct {
	Size   int     // |α|
	Lambda float64 // the ridge λ
	Cond   float64 // the estimated condition number, or 0 when the Cholesky factorisation failed
}

// Error implements error: one line with |α|, λ, the condition number when
// known, and the remedy.
func (e *NotPDError) Error() string {
	if e.Cond == 0 {
		return fmt.Sprintf("kernels: K(α,α)+λI is not positive definite (|α|=%d, λ=%g): increase the ridge",
			e.Size, e.Lambda)
	}
	return fmt.Sprintf("kernels: K(α,α)+λI is numerically singular (|α|=%d, λ=%g, condition number %.3g): increase the ridge",
		e.Size, e.Lambda, e.Cond)
}

// KRR returns the kernel ridge regression dictionary (method.md §2)
//
//	U = k(all, α) · (K(α,α) + λI)⁻¹
//
// as an n×|α| row-major float32 matrix, n = k.Len(): row i predicts position i's weight from
// the weights at α. Restricted to the rows in α, U tends to the identity as λ → 0.
//
// U is computed in float64 by a Cholesky factorisation of K(α,α) + λI and a solve, never an
// explicit inverse. α must hold distinct positions in [0, n) (see CheckAlpha); λ must be ≥ 0.
// When the factorisation fails, or the matrix is numerically singular (condition number above
// mat.ConditionTolerance), KRR returns a *NotPDError.
func KRR(k Kernel, alpha []int, lambda float64) ([]float32, error) {
	var chol mat.Cholesky
	if err := factorizeKAA(&chol, k, alpha, lambda); err != nil {
		return nil, err
	}
	n, m := k.Len(), len(alpha)

	// (K_αα + λI)·X = k(α, all) gives X = Uᵀ, an m×n matrix.
	rhs := mat.NewDense(m, n, nil)
	for a, p := range alpha {
		for i := 0; i < n; i++ {
			rhs.Set(a, i, k.At(p, i))
		}
	}
	var x mat.Dense
	if err := chol.SolveTo(&x, rhs); err != nil {
		var c mat.Condition
		if errors.As(err, &c) {
			return nil, &NotPDError{Size: m, Lambda: lambda, Cond: float64(c)}
		}
		return nil, err
	}

	u := make([]float32, n*m)
	for a := 0; a < m; a++ {
		for i := 0; i < n; i++ {
			u[i*m+a] = float32(x.At(a, i))
		}
	}
	return u, nil
}

// factorizeKAA checks k, α and λ as KRR documents and factorises
// K(α,α) + λI into chol; a failed factorisation is a *NotPDError.
func factorizeKAA(chol *mat.Cholesky, k Kernel, alpha []int, lambda float64) error {
	if err := checkKernel(k, alpha); err != nil {
		return err
	}
	if !(lambda >= 0) || math.IsInf(lambda, 0) {
		return fmt.Errorf("kernels: ridge λ=%g: must be non-negative and finite", lambda)
	}
	m := len(alpha)
	kaa := mat.NewSymDense(m, nil)
	for a, p := range alpha {
		for b := a; b < m; b++ {
			v := k.At(p, alpha[b])
			if a == b {
				v += lambda
			}
			kaa.SetSym(a, b, v)
		}
	}
	if !chol.Factorize(kaa) {
		return &NotPDError{Size: m, Lambda: lambda}
	}
	return nil
}

// Raw returns the raw-atom dictionary U = k(all, α) (method.md §2): n×|α| row-major float32,
// column j the kernel column of position α_j. α must hold distinct positions in [0, k.Len()).
//
// V then absorbs the factor (K(α,α) + λI)⁻¹ of KRR, so the two reach the same matrices W, but
// V's scale and SGD's behaviour differ (method.md §13).
func Raw(k Kernel, alpha []int) ([]float32, error) {
	if err := checkKernel(k, alpha); err != nil {
		return nil, err
	}
	n, m := k.Len(), len(alpha)
	u := make([]float32, n*m)
	for i := 0; i < n; i++ {
		for a, p := range alpha {
			u[i*m+a] = float32(k.At(i, p))
		}
	}
	return u, nil
}

// CheckAlpha reports whether alpha is a valid set of positions among n: non-empty, distinct,
// and each in [0, n). It does not require alpha to be sorted.
func CheckAlpha(n int, alpha []int) error {
	if len(alpha) == 0 {
		return errors.New("kernels: α is empty")
	}
	if len(alpha) > n {
		return fmt.Errorf("kernels: |α|=%d exceeds the %d positions", len(alpha), n)
	}
	seen := make(map[int]bool, len(alpha))
	for _, p := range alpha {
		if p < 0 || p >= n {
			return fmt.Errorf("kernels: position %d in α is outside [0, %d)", p, n)
		}
		if seen[p] {
			return fmt.Errorf("kernels: position %d appears twice in α", p)
		}
		seen[p] = true
	}
	return nil
}

// checkKernel validates k (when it can validate itself) and α against it.
func checkKernel(k Kernel, alpha []int) error {
	if k == nil {
		return errors.New("kernels: nil kernel")
	}
	if v, ok := k.(validator); ok {
		if err := v.Validate(); err != nil {
			return err
		}
	}
	if k.Len() < 1 {
		return fmt.Errorf("kernels: kernel over %d positions", k.Len())
	}
	return CheckAlpha(k.Len(), alpha)
}
