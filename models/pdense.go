package models

import (
	"fmt"

	"github.com/predparams/predparams/engine"
)

// PredictedDenseForward computes out = act(in·W + b) for n examples with
// W = [U_1V_1 | … | U_JV_J] and b in w (shape f = w.F): in is n×f.Rows,
// out is n×f.Units. With w.UC the factored form computes in·[U_1 | … |
// U_J] as one product instead of J thin ones.
//
// work is scratch that PredictedDenseBackward reads again: for Factored
// it receives T = in·[U_1 | … | U_J] (n × J·n_α, column block j =
// in·U_j); for Materialised it receives W (f.Rows×f.Units). See
// WorkSize. form must be Factored or Materialised.
func PredictedDenseForward(c *engine.Context, out, in []float32, w Weights, work []float32, n int, act engine.Act, form Form) {
	f, u, uc, v := w.F, w.U, w.UC, w.V
	units := f.Units
	switch form {
	case Materialised:
		f.Materialise(c, work, u, v)
		c.Gemm.Sgemm(false, false, n, units, f.Rows, 1, in, f.Rows, work, units, 0, out, units)
	case Factored:
		per, a, ja := f.group(), f.NAlpha, f.Columns*f.NAlpha
		t := work[:n*ja]
		if uc != nil {
			c.Gemm.Sgemm(false, false, n, ja, f.Rows, 1, in, f.Rows, uc, ja, 0, t, ja)
		} else {
			for j := 0; j < f.Columns; j++ {
				c.Gemm.Sgemm(false, false, n, a, f.Rows, 1, in, f.Rows, f.uj(u, j), a, 0, t[j*a:], ja)
			}
		}
		for j := 0; j < f.Columns; j++ {
			c.Gemm.Sgemm(false, false, n, per, a, 1, t[j*a:], ja, v[j*per:], units, 0, out[j*per:], units)
		}
	default:
		panic(fmt.Sprintf("models: PredictedDenseForward with form %v", form))
	}
	engine.BiasActForward(c, out, w.B, n, units, act)
}

// PredictedDenseBackward back-propagates through PredictedDenseForward,
// whose in, out, w and work it receives unchanged. dOut (n×f.Units) is
// overwritten with the gradient with respect to the pre-activation. It
// adds ∂L/∂V into dw.V, ∂L/∂b into dw.B, ∂L/∂U into dw.U when that is not
// nil (a learned dictionary), and writes ∂L/∂in into dIn when dIn is not
// nil.
// dwork is scratch of WorkSize floats: dW for Materialised, ∂L/∂T for
// Factored (computed only when du or dIn asks for it).
func PredictedDenseBackward(c *engine.Context, dIn, dOut, in, out []float32, w, dw Weights, work, dwork []float32, n int, act engine.Act, form Form) {
	f, u, uc, v := w.F, w.U, w.UC, w.V
	du, dv := dw.U, dw.V
	units := f.Units
	dz := dOut[:n*units]
	engine.ActBiasBackward(c, dz, out, dw.B, n, units, act)
	switch form {
	case Materialised:
		// dW = inᵀ·dZ, then dV_j = U_jᵀ·dW_j (and dU_j = dW_j·V_jᵀ).
		wm, dwm := work, dwork[:f.Rows*units]
		c.Gemm.Sgemm(true, false, f.Rows, units, n, 1, in, f.Rows, dz, units, 0, dwm, units)
		f.BackpropW(c, du, dv, dwm, u, v)
		if dIn != nil {
			c.Gemm.Sgemm(false, true, n, f.Rows, units, 1, dz, units, wm, units, 0, dIn, f.Rows)
		}
	case Factored:
		per, a, ja := f.group(), f.NAlpha, f.Columns*f.NAlpha
		t := work[:n*ja]
		for j := 0; j < f.Columns; j++ {
			// dV_j = T_jᵀ·dZ_j.
			c.Gemm.Sgemm(true, false, a, per, n, 1, t[j*a:], ja, dz[j*per:], units, 1, dv[j*per:], units)
		}
		if du == nil && dIn == nil {
			return // a first layer with a fixed dictionary: ∂L/∂T is not needed
		}
		// dT_j = dZ_j·V_jᵀ, then dU_j = inᵀ·dT_j and ∂L/∂in = dT·[U_1 | … | U_J]ᵀ.
		dt := dwork[:n*ja]
		for j := 0; j < f.Columns; j++ {
			c.Gemm.Sgemm(false, true, n, a, per, 1, dz[j*per:], units, v[j*per:], units, 0, dt[j*a:], ja)
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
	// PredictedParams holds the factor shape (F.Rows must equal the
	// input size), the dictionary and the parameters.
	PredictedParams
	// Act is the activation applied to in·W + b.
	Act engine.Act
	// Form is the evaluation; FormAuto is resolved by Setup with
	// ChooseForm, using NoInputGrad.
	Form Form
	// NoInputGrad tells Setup that the input gradient is never needed
	// (the first layer), which changes the cost of each form.
	NoInputGrad bool

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
	if err := l.setupParams("predicted dense", l.Act); err != nil {
		return engine.Shape{}, err
	}
	if l.Form == FormAuto {
		l.Form = chooseForm(l.F, maxBatch, !l.NoInputGrad, l.LearnU)
	}
	l.uc = nil
	if !l.LearnU && l.Form == Factored {
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

// Forward implements engine.Layer.
func (l *PredictedDense) Forward(c *engine.Context, out, in []float32, n int) {
	w, _ := l.weights(l.uc)
	PredictedDenseForward(c, out, in, w, l.work, n, l.Act, l.Form)
}

// Backward implements engine.Layer.
func (l *PredictedDense) Backward(c *engine.Context, dIn, dOut, in, out []float32, n int) {
	w, dw := l.weights(l.uc)
	PredictedDenseBackward(c, dIn, dOut, in, out, w, dw, l.work, l.dwork, n, l.Act, l.Form)
}
