package models

import (
	"fmt"

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
func PredictedConvForward(c *engine.Context, conv *engine.Conv2D, out, in []float32, w Weights, n int) {
	w.F.Materialise(c, conv.W.Data, w.U, w.V)
	conv.Forward(c, out, in, n)
}

// PredictedConvBackward back-propagates through PredictedConvForward,
// whose conv, in, out and w it receives unchanged. It adds ∂L/∂V into
// dw.V, ∂L/∂b into conv's bias gradient, ∂L/∂U into dw.U when that is not
// nil, and writes ∂L/∂in into dIn when dIn is not nil. conv's weight
// gradient (Taps×Out) is scratch for ∂L/∂W.
func PredictedConvBackward(c *engine.Context, conv *engine.Conv2D, dIn, dOut, in, out []float32, w, dw Weights, n int) {
	dwm := conv.W.Grad
	clear(dwm)
	conv.Backward(c, dIn, dOut, in, out, n)
	w.F.BackpropW(c, dw.U, dw.V, dwm, w.U, w.V)
}

// PredictedConv is a convolution layer over NHWC images whose filter
// bank is predicted, W = [U_1V_1 | … | U_JV_J] with F.Rows = K·K·C_in
// and F.Units = the number of filters. As for PredictedDense, only V, b
// (and U when LearnU) are parameters of the Net.
type PredictedConv struct {
	// PredictedParams holds the factor shape (F.Rows must equal
	// K·K·C_in), the dictionary and the parameters.
	PredictedParams
	// K, Stride (0 means 1) and Pad are the convolution's geometry.
	K, Stride, Pad int
	// Act is the activation.
	Act engine.Act

	// Geom is the convolution's geometry, set by Setup.
	Geom engine.ConvGeom
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
	if err := l.setupParams("predicted conv", l.Act); err != nil {
		return engine.Shape{}, err
	}
	l.Geom = g
	size := l.F.Rows * l.F.Units
	l.conv.W = &engine.Param{Name: "w", Rows: l.F.Rows, Cols: l.F.Units, Data: make([]float32, size), Grad: make([]float32, size)}
	l.conv.B = l.B // the Net sets B's Data and Grad
	return out, nil
}

// Forward implements engine.Layer.
func (l *PredictedConv) Forward(c *engine.Context, out, in []float32, n int) {
	w, _ := l.weights(nil)
	PredictedConvForward(c, &l.conv, out, in, w, n)
}

// Backward implements engine.Layer.
func (l *PredictedConv) Backward(c *engine.Context, dIn, dOut, in, out []float32, n int) {
	w, dw := l.weights(nil)
	PredictedConvBackward(c, &l.conv, dIn, dOut, in, out, w, dw, n)
}
