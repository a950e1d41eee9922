package engine

import (
	"fmt"
	"math/rand/v2"
)

// DenseForward computes out = act(in·w + b) for n examples: in is n×inDim,
// w is inDim×outDim, b has outDim entries (nil for none) and out is
// n×outDim.
func DenseForward(c *Context, out, in, w, b []float32, n, inDim, outDim int, act Act) {
	c.Gemm.Sgemm(false, false, n, outDim, inDim, 1, in, inDim, w, outDim, 0, out, outDim)
	BiasActForward(c, out, b, n, outDim, act)
}

// DenseBackward back-propagates through DenseForward. dOut (n×outDim) is
// the gradient with respect to out; it is overwritten with the gradient
// with respect to the pre-activation. It adds inᵀ·dZ into dw, the column
// sums of dZ into db (if db is not nil), and writes dZ·wᵀ into dIn (if dIn
// is not nil).
func DenseBackward(c *Context, dIn, dw, db, dOut, in, out, w []float32, n, inDim, outDim int, act Act) {
	denseBackward(c, dIn, dw, db, dOut, in, out, w, n, inDim, outDim, act, false)
}

// denseBackward is DenseBackward; with set, it overwrites dw and db
// instead of adding into them, which saves zeroing them first.
func denseBackward(c *Context, dIn, dw, db, dOut, in, out, w []float32, n, inDim, outDim int, act Act, set bool) {
	dz := dOut[:n*outDim]
	if db != nil {
		actBiasBackward(c, dz, out, db, n, outDim, act, set)
	} else if act != Identity {
		actBackward(c, dz, out, act)
	}
	beta := float32(1)
	if set {
		beta = 0
	}
	c.Gemm.Sgemm(true, false, inDim, outDim, n, 1, in, inDim, dz, outDim, beta, dw, outDim)
	if dIn != nil {
		c.Gemm.Sgemm(false, true, n, inDim, outDim, 1, dz, outDim, w, outDim, 0, dIn, inDim)
	}
}

// AddColumnSums adds the column sums of the rows×cols matrix m into dst.
func AddColumnSums(dst, m []float32, rows, cols int) {
	dst = dst[:cols]
	for i := 0; i < rows; i++ {
		row := m[i*cols : i*cols+cols]
		for j, v := range row {
			dst[j] += v
		}
	}
}

// Dense is a fully connected layer out = act(in·W + b), with W of
// in×Out (column j holds unit j's incoming weights).
type Dense struct {
	Out int
	Act Act
	// Init initialises W; nil means DefaultInit for the fan-in and Act.
	Init func(r *rand.Rand, w []float32)
	// NoBias drops b.
	NoBias bool
	// MaxNorm marks W for the optimizer's per-unit max-norm constraint.
	MaxNorm bool

	in   int
	W, B *Param
}

// Setup implements Layer.
func (l *Dense) Setup(in Shape, maxBatch int) (Shape, error) {
	if l.Out <= 0 {
		return Shape{}, fmt.Errorf("dense: %d output units, want > 0", l.Out)
	}
	l.in = in.Size()
	init := l.Init
	if init == nil {
		init = DefaultInit(l.in, l.Out, l.Act)
	}
	l.W = &Param{Name: "w", Rows: l.in, Cols: l.Out, Role: Weight, MaxNorm: l.MaxNorm, Init: init}
	if !l.NoBias {
		l.B = &Param{Name: "b", Rows: 1, Cols: l.Out, Role: Bias}
	}
	return Flat(l.Out), nil
}

// Params implements Layer.
func (l *Dense) Params() []*Param {
	if l.B == nil {
		return []*Param{l.W}
	}
	return []*Param{l.W, l.B}
}

// Forward implements Layer.
func (l *Dense) Forward(c *Context, out, in []float32, n int) {
	DenseForward(c, out, in, l.W.Data, biasData(l.B), n, l.in, l.Out, l.Act)
}

// Backward implements Layer.
func (l *Dense) Backward(c *Context, dIn, dOut, in, out []float32, n int) {
	l.backward(c, dIn, dOut, in, out, n, false)
}

// backward is Backward; with set, it overwrites the gradients of the
// layer's parameters instead of adding into them (see Net.Backward).
func (l *Dense) backward(c *Context, dIn, dOut, in, out []float32, n int, set bool) {
	denseBackward(c, dIn, l.W.Grad, biasGrad(l.B), dOut, in, out, l.W.Data, n, l.in, l.Out, l.Act, set)
}

func biasData(b *Param) []float32 {
	if b == nil {
		return nil
	}
	return b.Data
}

func biasGrad(b *Param) []float32 {
	if b == nil {
		return nil
	}
	return b.Grad
}
