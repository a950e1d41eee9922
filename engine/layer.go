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
// number of goroutines a layer may use for its own loops.
type Context struct {
	Gemm    gemm.Impl
	Threads int
}
