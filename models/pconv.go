package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/predparams/predparams/engine"
)

// PredictedConvForward computes a convolution whose filter bank is
// predicted: W = [U_1V_1 | … | U_JV_J] (Taps×Out, the row order of
// engine.ConvGeom) is materialised into w, then out = act(im2col(in)·W +
// b) by conv, an engine.Conv2D without parameters of its own whose W is
// w (see PredictedConv). This is the paper code's evaluation (method.md
// §7 (b)): it costs one Taps×n_α×Out product per step on top of an
// ordinary convolution, which is small next to the convolution itself,
// so no factored form is offered for conv layers. conv works through the
// batch a few images at a time, so that the patches stay in cache.
func PredictedConvForward(c *engine.Context, conv *engine.Conv2D, out, in, u, v []float32, n int, f Factors) {
	f.Materialise(c, conv.W.Data, u, v)
	conv.Forward(c, out, in, n)
}

// PredictedConvBackward back-propagates through PredictedConvForward,
// whose conv, in and out it receives unchanged. It adds ∂L/∂V into dv,
// ∂L/∂b into conv's bias gradient, ∂L/∂U into du when du is not nil, and
// writes ∂L/∂in into dIn when dIn is not nil. conv's weight gradient
// (Taps×Out) is scratch for ∂L/∂W.
func PredictedConvBackward(c *engine.Context, conv *engine.Conv2D, dIn, du, dv, dOut, in, out, u, v []float32, n int, f Factors) {
	dw := conv.W.Grad
	clear(dw)
	conv.Backward(c, dIn, dOut, in, out, n)
	f.BackpropW(c, du, dv, dw, u, v)
}

// PredictedConv is a convolution layer over NHWC images whose filter
// bank is predicted, W = [U_1V_1 | … | U_JV_J] with F.Rows = K·K·C_in
// and F.Units = the number of filters. As for PredictedDense, only V, b
// (and U when LearnU) are parameters of the Net.
type PredictedConv struct {
	// F is the factor shape; F.Rows must equal K·K·C_in.
	F Factors
	// K, Stride (0 means 1) and Pad are the convolution's geometry.
	K, Stride, Pad int
	// Act is the activation.
	Act engine.Act
	// U is the fixed dictionary (see Factors); nil when LearnU, which
	// makes U the learned parameter "u", initialised by UInit.
	U      []float32
	LearnU bool
	// UInit initialises a learned U; VInit initialises V (nil means the
	// conv layer's default init).
	UInit, VInit func(r *rand.Rand, w []float32)
	// MaxNorm marks V for the optimizer's max-norm constraint on units.
	MaxNorm bool

	// Geom is the convolution's geometry, set by Setup.
	Geom engine.ConvGeom
	// V, B and, when LearnU, UP are the layer's parameters, set by Setup.
	V, B, UP *engine.Param
	// conv runs the convolution: its W holds the materialised filter
	// bank and ∂L/∂W, its B is the layer's bias B.
	conv engine.Conv2D
}

// Setup implements engine.Layer.
func (l *PredictedConv) Setup(in engine.Shape, maxBatch int) (engine.Shape, error) {
	if err := l.F.Validate(); err != nil {
		return engine.Shape{}, err
	}
	l.conv = engine.Conv2D{Out: l.F.Units, K: l.K, Stride: l.Stride, Pad: l.Pad, Act: l.Act}
	out, err := l.conv.Setup(in, maxBatch)
	if err != nil {
		return engine.Shape{}, fmt.Errorf("predicted %v", err)
	}
	g := l.conv.Geom
	if g.Taps() != l.F.Rows {
		return engine.Shape{}, fmt.Errorf("predicted conv: %d taps, the dictionary has %d rows", g.Taps(), l.F.Rows)
	}
	if !l.LearnU && len(l.U) != l.F.USize() {
		return engine.Shape{}, fmt.Errorf("predicted conv: dictionary of %d values, want %d", len(l.U), l.F.USize())
	}
	l.Geom = g
	init := l.VInit
	if init == nil {
		init = engine.DefaultInit(g.Taps(), l.F.Units, l.Act)
	}
	l.V = &engine.Param{Name: "v", Rows: l.F.NAlpha, Cols: l.F.Units, Role: engine.Weight, MaxNorm: l.MaxNorm, Init: init}
	l.B = &engine.Param{Name: "b", Rows: 1, Cols: l.F.Units, Role: engine.Bias}
	l.UP = nil
	if l.LearnU {
		l.UP = &engine.Param{Name: "u", Rows: l.F.Columns * l.F.Rows, Cols: l.F.NAlpha, Role: engine.Weight, Init: l.UInit}
	}
	size := l.F.Rows * l.F.Units
	l.conv.W = &engine.Param{Name: "w", Rows: l.F.Rows, Cols: l.F.Units, Data: make([]float32, size), Grad: make([]float32, size)}
	l.conv.B = l.B // the Net sets B's Data and Grad
	return out, nil
}

// Params implements engine.Layer: v, b, and u when LearnU.
func (l *PredictedConv) Params() []*engine.Param {
	if l.UP != nil {
		return []*engine.Param{l.V, l.B, l.UP}
	}
	return []*engine.Param{l.V, l.B}
}

// Dict returns the current dictionary: U, or the learned parameter's data.
func (l *PredictedConv) Dict() []float32 {
	if l.UP != nil {
		return l.UP.Data
	}
	return l.U
}

func (l *PredictedConv) dictGrad() []float32 {
	if l.UP != nil {
		return l.UP.Grad
	}
	return nil
}

// Forward implements engine.Layer.
func (l *PredictedConv) Forward(c *engine.Context, out, in []float32, n int) {
	PredictedConvForward(c, &l.conv, out, in, l.Dict(), l.V.Data, n, l.F)
}

// Backward implements engine.Layer.
func (l *PredictedConv) Backward(c *engine.Context, dIn, dOut, in, out []float32, n int) {
	PredictedConvBackward(c, &l.conv, dIn, l.dictGrad(), l.V.Grad, dOut, in, out, l.Dict(), l.V.Data, n, l.F)
}
