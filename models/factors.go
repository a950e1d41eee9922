package models

import (
	"fmt"

	"github.com/predparams/predparams/engine"
)

// Factors is the shape of a predicted weight matrix
//
//	W = [U_1·V_1 | … | U_J·V_J]   (Rows × Units)
//
// with J = Columns column groups of Units/J units each, a dictionary U_j
// of Rows × NAlpha and coefficients V_j of NAlpha × Units/J.
//
// Buffers follow one layout everywhere in this package:
//   - u holds the J dictionaries one after another, each Rows×NAlpha
//     row-major: (J·Rows)×NAlpha, U_j = u[j·Rows·NAlpha:].
//   - v is NAlpha×Units row-major; V_j is its column block j (columns
//     j·Units/J to (j+1)·Units/J), read in place with stride Units.
//   - w is Rows×Units row-major, as an ordinary dense layer's W.
type Factors struct {
	Rows, Units, Columns, NAlpha int
}

// Validate reports whether the sizes are positive and Columns divides
// Units.
func (f Factors) Validate() error {
	if f.Rows <= 0 || f.Units <= 0 || f.Columns <= 0 || f.NAlpha <= 0 {
		return fmt.Errorf("predicted layer %d×%d with %d columns of %d atoms: sizes must be positive",
			f.Rows, f.Units, f.Columns, f.NAlpha)
	}
	if f.Units%f.Columns != 0 {
		return fmt.Errorf("%d columns do not divide %d units", f.Columns, f.Units)
	}
	return nil
}

// group returns Units/Columns, the units of one column.
func (f Factors) group() int { return f.Units / f.Columns }

// USize returns the length of u: J·Rows·NAlpha.
func (f Factors) USize() int { return f.Columns * f.Rows * f.NAlpha }

// uj returns column j's dictionary U_j (Rows×NAlpha).
func (f Factors) uj(u []float32, j int) []float32 {
	s := f.Rows * f.NAlpha
	return u[j*s : (j+1)*s]
}

// Concat writes the J dictionaries of u side by side into uc: [U_1 | … |
// U_J], Rows × J·NAlpha row-major, so that x·[U_1 | … | U_J] is one
// product.
func (f Factors) Concat(uc, u []float32) {
	a, ja := f.NAlpha, f.Columns*f.NAlpha
	for j := 0; j < f.Columns; j++ {
		uj := f.uj(u, j)
		for i := 0; i < f.Rows; i++ {
			copy(uc[i*ja+j*a:i*ja+(j+1)*a], uj[i*a:(i+1)*a])
		}
	}
}

// Materialise writes W = [U_1V_1 | … | U_JV_J] into w (Rows×Units): J
// products of Rows×NAlpha by NAlpha×Units/J, reading V_j and writing W's
// column block j in place through their strides.
func (f Factors) Materialise(c *engine.Context, w, u, v []float32) {
	g := f.group()
	for j := 0; j < f.Columns; j++ {
		c.Gemm.Sgemm(false, false, f.Rows, g, f.NAlpha, 1, f.uj(u, j), f.NAlpha,
			v[j*g:], f.Units, 0, w[j*g:], f.Units)
	}
}

// BackpropW adds to dv the gradient with respect to V, dV_j = U_jᵀ·dW_j,
// given dw = ∂L/∂W (Rows×Units). If du is not nil (a learned dictionary,
// "lowrank"), it also adds dU_j = dW_j·V_jᵀ into du.
func (f Factors) BackpropW(c *engine.Context, du, dv, dw, u, v []float32) {
	g := f.group()
	for j := 0; j < f.Columns; j++ {
		c.Gemm.Sgemm(true, false, f.NAlpha, g, f.Rows, 1, f.uj(u, j), f.NAlpha,
			dw[j*g:], f.Units, 1, dv[j*g:], f.Units)
		if du != nil {
			c.Gemm.Sgemm(false, true, f.Rows, f.NAlpha, g, 1, dw[j*g:], f.Units,
				v[j*g:], f.Units, 1, f.uj(du, j), f.NAlpha)
		}
	}
}

// Form is how a predicted dense layer evaluates x·W.
type Form int

const (
	// FormAuto lets the layer choose with ChooseForm.
	FormAuto Form = iota
	// Factored computes (x·U_j)·V_j for every column: two thin products
	// per column and never forms W.
	Factored
	// Materialised forms W = U·V once per step and computes x·W.
	Materialised
)

// String returns "auto", "factored" or "materialised".
func (f Form) String() string {
	switch f {
	case FormAuto:
		return "auto"
	case Factored:
		return "factored"
	case Materialised:
		return "materialised"
	}
	return fmt.Sprintf("Form(%d)", int(f))
}

// ChooseForm returns the faster evaluation of a predicted dense layer of
// shape f with a fixed dictionary, trained in batches of batch examples
// (forward and backward; inputGrad says whether the gradient with
// respect to the layer's input is needed, false for the first layer).
// The rule depends on the shapes alone, never on a timing, so that a run
// is bit-reproducible.
//
// It compares multiply-adds per step, each product weighted by the cost
// of its thinnest dimension (see productCost), calibrated by
// BenchmarkPredictedDense on this project's gemm:
//
//	factored:     x·[U_1 … U_J] (n×Rows×J·n_α, one product), (x·U_j)·V_j and dV_j
//	              (n×n_α×Units/J each, per column); dT_j = dZ_j·V_jᵀ when inputGrad or learnU,
//	              then dT·[U_1 … U_J]ᵀ when inputGrad and dU_j = xᵀ·dT_j when learnU
//	materialised: U_j·V_j and U_jᵀ·dW_j (Rows×n_α×Units/J each, per column),
//	              x·W, xᵀ·dZ (n×Rows×Units), dZ·Wᵀ when inputGrad, dW_j·V_jᵀ when learnU
//
// (learnU: a learned dictionary, "lowrank"; see chooseForm.)
func ChooseForm(f Factors, batch int, inputGrad bool) Form {
	return chooseForm(f, batch, inputGrad, false)
}

// chooseForm is ChooseForm for a fixed (learnU false) or a learned
// dictionary.
func chooseForm(f Factors, batch int, inputGrad, learnU bool) Form {
	n, g, a := batch, f.group(), f.NAlpha
	J := float64(f.Columns)
	fact := productCost(n, f.Columns*a, f.Rows) + 2*J*productCost(n, g, a)
	mat := 2*J*productCost(f.Rows, g, a) + 2*productCost(n, f.Units, f.Rows)
	if inputGrad || learnU {
		fact += J * productCost(n, a, g)
	}
	if inputGrad {
		fact += productCost(n, f.Rows, f.Columns*a)
		mat += productCost(n, f.Rows, f.Units)
	}
	if learnU {
		fact += J * productCost(f.Rows, a, n)
		mat += J * productCost(f.Rows, a, g)
	}
	if mat < fact {
		return Materialised
	}
	return Factored
}

// productCost models the time of a product C = A·B with C m×n and A
// m×k as m·n·k multiply-adds, slowed down when a dimension is thin: the
// gemm kernels work on register tiles of a dozen or more rows and
// columns and pay a fixed cost per call, so a dimension d runs at about
// d/(d+12) of full speed. The constant was fitted by eye to
// BenchmarkPredictedDense; it matters only near the crossover.
func productCost(m, n, k int) float64 {
	const thin = 12
	eff := func(d int) float64 { return float64(d) / float64(d+thin) }
	return float64(m) * float64(n) * float64(k) / (eff(m) * eff(n) * eff(k))
}
