package engine

import "github.com/predparams/predparams/engine/gemm"

// Layer is one stage of a feed-forward Net.
//
// Setup is called once, with the input shape and the largest batch the
// layer will see; it validates the configuration, allocates every buffer
// the layer needs and declares its parameters. Forward and Backward then
// never allocate.
//
// Forward computes out from in for n examples. Backward receives dOut, the
// gradient of the loss with respect to out (which it may overwrite), adds
// the parameter gradients into each Param's Grad, and writes the gradient
// with respect to in into dIn unless dIn is nil. in and out are the same
// buffers the matching Forward saw.
type Layer interface {
	Setup(in Shape, maxBatch int) (Shape, error)
	Params() []*Param
	Forward(c *Context, out, in []float32, n int)
	Backward(c *Context, dIn, dOut, in, out []float32, n int)
}

// Context carries what every layer call needs: the matrix product and the
// number of goroutines a layer may use for its own loops (activations,
// bias sums, im2col, pooling, optimizer updates). Those loops are split
// over disjoint ranges of their outputs, so results are bit-identical for
// any Threads.
//
// The helper goroutines are started on the first loop worth splitting and
// exit when the Context is garbage collected. Like a gemm.Impl, a Context
// must be used by one goroutine at a time; a copy shares the original's
// helpers and scratch space.
type Context struct {
	Gemm    gemm.Impl
	Threads int

	team    *team     // helpers for Threads > 1; see split
	buf     []float32 // scratch; see scratch
	minPart int       // if > 0, the smallest part worth splitting off (tests)
}

// scratch returns n floats of scratch space, valid until the next call.
// It grows once to the largest n, so a training step allocates nothing.
func (c *Context) scratch(n int) []float32 {
	if c == nil {
		return make([]float32, n)
	}
	if len(c.buf) < n {
		c.buf = make([]float32, n)
	}
	return c.buf[:n]
}
