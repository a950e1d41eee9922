package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/predparams/predparams/engine"
)

// PredictedDenseForward computes out = act(in·W + b) for n examples with
// W = [U_1V_1 | … | U_JV_J] of shape f (see Factors for the layouts of u
// and v): in is n×f.Rows, b has f.Units entries, out is n×f.Units.
//
// uc, when not nil, holds the same dictionaries side by side, [U_1 | … |
// U_J] (f.Rows × J·n_α, see Factors.Concat; u itself when J = 1): the
// factored form then computes in·[U_1 | … | U_J] as one product instead
// of J thin ones. uc must be nil when u changes between calls without uc
// following it (a learned dictionary).
//
// work is scratch that PredictedDenseBackward reads again: for Factored
// it receives T = in·[U_1 | … | U_J] (n × J·n_α, column block j =
// in·U_j); for Materialised it receives W (f.Rows×f.Units). See
// WorkSize. form must be Factored or Materialised.
func PredictedDenseForward(c *engine.Context, out, in, u, uc, v, b, work []float32, n int, f Factors, act engine.Act, form Form) {
	units := f.Units
	switch form {
	case Materialised:
		f.Materialise(c, work, u, v)
		c.Gemm.Sgemm(false, false, n, units, f.Rows, 1, in, f.Rows, work, units, 0, out, units)
	case Factored:
		g, a, ja := f.group(), f.NAlpha, f.Columns*f.NAlpha
		t := work[:n*ja]
		if uc != nil {
			c.Gemm.Sgemm(false, false, n, ja, f.Rows, 1, in, f.Rows, uc, ja, 0, t, ja)
		} else {
			for j := 0; j < f.Columns; j++ {
				c.Gemm.Sgemm(false, false, n, a, f.Rows, 1, in, f.Rows, f.uj(u, j), a, 0, t[j*a:], ja)
			}
		}
		for j := 0; j < f.Columns; j++ {
			c.Gemm.Sgemm(false, false, n, g, a, 1, t[j*a:], ja, v[j*g:], units, 0, out[j*g:], units)
		}
	default:
		panic(fmt.Sprintf("models: PredictedDenseForward with form %v", form))
	}
	engine.BiasActForward(c, out, b, n, units, act)
}

// PredictedDenseBackward back-propagates through PredictedDenseForward,
// whose in, out, u, uc and work it receives unchanged. dOut (n×f.Units)
// is overwritten with the gradient with respect to the pre-activation.
// It adds ∂L/∂V into dv, ∂L/∂b into db, ∂L/∂U into du when du is not nil
// (a learned dictionary), and writes ∂L/∂in into dIn when dIn is not nil.
// dwork is scratch of WorkSize floats: dW for Materialised, ∂L/∂T for
// Factored (computed only when du or dIn asks for it).
func PredictedDenseBackward(c *engine.Context, dIn, du, dv, db, dOut, in, out, u, uc, v, work, dwork []float32, n int, f Factors, act engine.Act, form Form) {
	units := f.Units
	dz := dOut[:n*units]
	engine.ActBiasBackward(c, dz, out, db, n, units, act)
	switch form {
	case Materialised:
		// dW = inᵀ·dZ, then dV_j = U_jᵀ·dW_j (and dU_j = dW_j·V_jᵀ).
		w, dw := work, dwork[:f.Rows*units]
		c.Gemm.Sgemm(true, false, f.Rows, units, n, 1, in, f.Rows, dz, units, 0, dw, units)
		f.BackpropW(c, du, dv, dw, u, v)
		if dIn != nil {
			c.Gemm.Sgemm(false, true, n, f.Rows, units, 1, dz, units, w, units, 0, dIn, f.Rows)
		}
	case Factored:
		g, a, ja := f.group(), f.NAlpha, f.Columns*f.NAlpha
		t := work[:n*ja]
		for j := 0; j < f.Columns; j++ {
			// dV_j = T_jᵀ·dZ_j.
			c.Gemm.Sgemm(true, false, a, g, n, 1, t[j*a:], ja, dz[j*g:], units, 1, dv[j*g:], units)
		}
		if du == nil && dIn == nil {
			return // a first layer with a fixed dictionary: ∂L/∂T is not needed
		}
		// dT_j = dZ_j·V_jᵀ, then dU_j = inᵀ·dT_j and ∂L/∂in = dT·[U_1 | … | U_J]ᵀ.
		dt := dwork[:n*ja]
		for j := 0; j < f.Columns; j++ {
			c.Gemm.Sgemm(false, true, n, a, g, 1, dz[j*g:], units, v[j*g:], units, 0, dt[j*a:], ja)
		}
		if du != nil {
			for j := 0; j < f.Columns; j++ {
				c.Gemm.Sgemm(true, false, f.Rows, a, n, 1, in, f.Rows, dt[j*a:], ja, 1, f.uj(du, j), a)
			}
		}
		if dIn == nil {
			return
		}
		if uc != nil {
			c.Gemm.Sgemm(false, true, n, f.Rows, ja, 1, dt, ja, uc, ja, 0, dIn, f.Rows)
			return
		}
		for j := 0; j < f.Columns; j++ {
			beta := float32(1)
			if j == 0 {
				beta = 0
			}
			c.Gemm.Sgemm(false, true, n, f.Rows, a, 1, dt[j*a:], ja, f.uj(u, j), a, beta, dIn, f.Rows)
		}
	default:
		panic(fmt.Sprintf("models: PredictedDenseBackward with form %v", form))
	}
}

// WorkSize returns the scratch PredictedDenseForward and
// PredictedDenseBackward need, each, for batches of up to n examples.
func WorkSize(f Factors, n int, form Form) int {
	if form == Materialised {
		return f.Rows * f.Units
	}
	return n * f.Columns * f.NAlpha
}

// PredictedDense is a fully connected layer whose weight matrix is
// predicted, W = [U_1V_1 | … | U_JV_J], out = act(in·W + b). Only V (and
// b) are parameters of the Net; the dictionary U is static and belongs to
// the layer, unless LearnU is set ("lowrank"), in which case U is a
// parameter too.
type PredictedDense struct {
	// F is the factor shape; F.Rows must equal the input size.
	F Factors
	// Act is the activation applied to in·W + b.
	Act engine.Act
	// U is the fixed dictionary (J blocks of F.Rows×F.NAlpha, see
	// Factors); nil when LearnU.
	U []float32
	// LearnU makes U the learned parameter "u", initialised by UInit.
	LearnU bool
	UInit  func(r *rand.Rand, w []float32)
	// VInit initialises V; nil means the dense layer's default init.
	VInit func(r *rand.Rand, w []float32)
	// MaxNorm marks V for the optimizer's max-norm constraint on units.
	MaxNorm bool
	// Form is the evaluation; FormAuto is resolved by Setup with
	// ChooseForm, using NoInputGrad.
	Form Form
	// NoInputGrad tells Setup that the input gradient is never needed
	// (the first layer), which changes the cost of each form.
	NoInputGrad bool

	// V (n_α×n_h), B and, when LearnU, UP (the learned U, J·n_v×n_α) are
	// the layer's parameters, set by Setup.
	V, B, UP *engine.Param
	// uc is the fixed U with its columns' dictionaries side by side (U
	// itself when J = 1), nil when LearnU.
	uc          []float32
	work, dwork []float32
}

// Setup implements engine.Layer.
func (l *PredictedDense) Setup(in engine.Shape, maxBatch int) (engine.Shape, error) {
	if err := l.F.Validate(); err != nil {
		return engine.Shape{}, err
	}
	if in.Size() != l.F.Rows {
		return engine.Shape{}, fmt.Errorf("predicted dense: input of %d values, the dictionary has %d rows", in.Size(), l.F.Rows)
	}
	if !l.LearnU && len(l.U) != l.F.USize() {
		return engine.Shape{}, fmt.Errorf("predicted dense: dictionary of %d values, want %d", len(l.U), l.F.USize())
	}
	if l.Form == FormAuto {
		l.Form = chooseForm(l.F, maxBatch, !l.NoInputGrad, l.LearnU)
	}
	init := l.VInit
	if init == nil {
		init = engine.DefaultInit(l.F.Rows, l.F.Units, l.Act)
	}
	l.V = &engine.Param{Name: "v", Rows: l.F.NAlpha, Cols: l.F.Units, Role: engine.Weight, MaxNorm: l.MaxNorm, Init: init}
	l.B = &engine.Param{Name: "b", Rows: 1, Cols: l.F.Units, Role: engine.Bias}
	l.UP, l.uc = nil, nil
	if l.LearnU {
		l.UP = &engine.Param{Name: "u", Rows: l.F.Columns * l.F.Rows, Cols: l.F.NAlpha, Role: engine.Weight, Init: l.UInit}
	} else if l.Form == Factored {
		l.uc = l.U
		if l.F.Columns > 1 {
			l.uc = make([]float32, l.F.USize())
			l.F.Concat(l.uc, l.U)
		}
	}
	l.work = make([]float32, WorkSize(l.F, maxBatch, l.Form))
	l.dwork = make([]float32, len(l.work))
	return engine.Flat(l.F.Units), nil
}

// Params implements engine.Layer: v, b, and u when LearnU.
func (l *PredictedDense) Params() []*engine.Param {
	if l.UP != nil {
		return []*engine.Param{l.V, l.B, l.UP}
	}
	return []*engine.Param{l.V, l.B}
}

// Dict returns the current dictionary: U, or the learned parameter's data.
func (l *PredictedDense) Dict() []float32 {
	if l.UP != nil {
		return l.UP.Data
	}
	return l.U
}

func (l *PredictedDense) dictGrad() []float32 {
	if l.UP != nil {
		return l.UP.Grad
	}
	return nil
}

// Forward implements engine.Layer.
func (l *PredictedDense) Forward(c *engine.Context, out, in []float32, n int) {
	PredictedDenseForward(c, out, in, l.Dict(), l.uc, l.V.Data, l.B.Data, l.work, n, l.F, l.Act, l.Form)
}

// Backward implements engine.Layer.
func (l *PredictedDense) Backward(c *engine.Context, dIn, dOut, in, out []float32, n int) {
	PredictedDenseBackward(c, dIn, l.dictGrad(), l.V.Grad, l.B.Grad, dOut, in, out, l.Dict(), l.uc, l.V.Data,
		l.work, l.dwork, n, l.F, l.Act, l.Form)
}

// effectiveW writes W = U·V into w.
func (l *PredictedDense) effectiveW(c *engine.Context, w []float32) {
	l.F.Materialise(c, w, l.Dict(), l.V.Data)
}

// addWGrad adds the gradient of a loss with respect to W, dw, into the
// parameters' gradients.
func (l *PredictedDense) addWGrad(c *engine.Context, dw []float32) {
	l.F.BackpropW(c, l.dictGrad(), l.V.Grad, dw, l.Dict(), l.V.Data)
}
