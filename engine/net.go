package engine

import (
	"fmt"
	"math/rand/v2"

	"github.com/predparams/predparams/engine/gemm"
)

// Net is a feed-forward chain of layers over one contiguous parameter
// buffer Data and its twin gradient buffer Grad: every Param is a view
// into both at the same offset. Activations and their gradients are
// allocated once, for MaxBatch examples.
type Net struct {
	In       Shape
	Layers   []Layer
	Shapes   []Shape // Shapes[i] is the output shape of Layers[i]
	Params   []*Param
	Data     []float32
	Grad     []float32
	MaxBatch int
	Ctx      Context

	acts  [][]float32 // acts[i]: output of layer i
	dacts [][]float32 // dacts[i]: gradient with respect to acts[i]
	dIn   []float32   // gradient with respect to the input, when asked for
	sets  []bool      // sets[i]: layer i overwrites its gradients; see Backward
	spans [][2]int    // spans[i]: layer i's parameters in Data and Grad
}

// gradSetter is a layer of this package whose backward can overwrite the
// gradients of its parameters instead of adding into them: the first
// write is then a product with β = 0, which saves zeroing them.
type gradSetter interface {
	backward(c *Context, dIn, dOut, in, out []float32, n int, set bool)
}

// setsGrads reports whether Net.Backward may let layer i of layers
// overwrite its gradients: it must be a Dense or a Conv2D itself (not a
// type of another package that embeds one, which may share its
// parameters, as a tied autoencoder does), and appear once in layers.
func setsGrads(layers []Layer, i int) bool {
	switch layers[i].(type) {
	case *Dense, *Conv2D:
	default:
		return false
	}
	for j, l := range layers {
		if j != i && l == layers[i] {
			return false
		}
	}
	return true
}

// maxFloats bounds the values of one buffer NewNet allocates (4 TiB of
// float32): its sizes are checked against it in float64, so that a size
// too large is an error rather than an int overflow or a panic of make.
// (models.Footprint refuses what does not fit in memory, long before.)
const maxFloats = 1 << 40

// NewNet sets up layers on input shape in for batches of up to maxBatch
// examples, allocates every buffer, and lays the parameters out in one
// buffer. Parameter names are prefixed with their layer index ("0.w").
// The parameters are zero until Init is called.
func NewNet(in Shape, layers []Layer, maxBatch int, g gemm.Impl, threads int) (*Net, error) {
	if !in.Valid() {
		return nil, fmt.Errorf("input shape %v must be positive", in)
	}
	if maxBatch <= 0 {
		return nil, fmt.Errorf("batch size %d, want > 0", maxBatch)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("a net needs at least one layer")
	}
	net := &Net{In: in, Layers: layers, MaxBatch: maxBatch, Ctx: Context{Gemm: g, Threads: max(threads, 1)}}
	shape := in
	total := 0
	for i, l := range layers {
		out, err := l.Setup(shape, maxBatch)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		if !out.Valid() {
			return nil, fmt.Errorf("layer %d: output shape %v is empty", i, out)
		}
		if n := float64(maxBatch) * float64(out.H) * float64(out.W) * float64(out.C); n > maxFloats {
			return nil, fmt.Errorf("layer %d: output %v for batches of %d is %.3g values, too many", i, out, maxBatch, n)
		}
		shape = out
		net.Shapes = append(net.Shapes, out)
		first := total
		for _, p := range l.Params() {
			if p.Rows <= 0 || p.Cols <= 0 {
				return nil, fmt.Errorf("layer %d: parameter %s has shape %d×%d", i, p.Name, p.Rows, p.Cols)
			}
			if n := float64(total) + float64(p.Rows)*float64(p.Cols); n > maxFloats {
				return nil, fmt.Errorf("layer %d: parameter %s of %d×%d brings the net to %.3g parameters, too many", i, p.Name, p.Rows, p.Cols, n)
			}
			p.Name = fmt.Sprintf("%d.%s", i, p.Name)
			p.Off = total
			total += p.Size()
			net.Params = append(net.Params, p)
		}
		net.spans = append(net.spans, [2]int{first, total})
		net.sets = append(net.sets, setsGrads(layers, i))
		net.acts = append(net.acts, make([]float32, maxBatch*out.Size()))
		net.dacts = append(net.dacts, make([]float32, maxBatch*out.Size()))
	}
	net.Data = make([]float32, total)
	net.Grad = make([]float32, total)
	for _, p := range net.Params {
		p.Data = net.Data[p.Off : p.Off+p.Size() : p.Off+p.Size()]
		p.Grad = net.Grad[p.Off : p.Off+p.Size() : p.Off+p.Size()]
	}
	return net, nil
}

// SetMaxBatch sets the net up again for batches of up to n examples,
// keeping its parameters: every layer's Setup runs again on the same
// input shape, the activation buffers are allocated for n examples, and
// the parameters the layers declare anew are views into the same Data
// and Grad at the same offsets (their Frozen marks carried over). A layer
// must declare the same parameters whatever the batch; SetMaxBatch
// returns an error if one does not, and the net must not be used after
// an error. Optimizer state keyed by offset (Optimizer.M, V) stays valid.
func (net *Net) SetMaxBatch(n int) error {
	if n <= 0 {
		return fmt.Errorf("batch size %d, want > 0", n)
	}
	for i, out := range net.Shapes {
		if v := float64(n) * float64(out.Size()); v > maxFloats {
			return fmt.Errorf("layer %d: output %v for batches of %d is %.3g values, too many", i, out, n, v)
		}
	}
	old := net.Params
	var params []*Param
	shape := net.In
	for i, l := range net.Layers {
		out, err := l.Setup(shape, n)
		if err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
		if out != net.Shapes[i] {
			return fmt.Errorf("layer %d: output %v for batches of %d, was %v", i, out, n, net.Shapes[i])
		}
		for _, p := range l.Params() {
			p.Name = fmt.Sprintf("%d.%s", i, p.Name)
			params = append(params, p)
		}
		shape = out
	}
	if len(params) != len(old) {
		return fmt.Errorf("the layers declare %d parameters for batches of %d, %d before", len(params), n, len(old))
	}
	for i, p := range params {
		o := old[i]
		if p.Name != o.Name || p.Rows != o.Rows || p.Cols != o.Cols {
			return fmt.Errorf("parameter %d is %s (%d×%d) for batches of %d, was %s (%d×%d)", i, p.Name, p.Rows, p.Cols, n, o.Name, o.Rows, o.Cols)
		}
		p.Off, p.Data, p.Grad, p.Frozen = o.Off, o.Data, o.Grad, o.Frozen
	}
	net.Params = params
	for i, out := range net.Shapes {
		net.acts[i] = make([]float32, n*out.Size())
		net.dacts[i] = make([]float32, n*out.Size())
	}
	net.dIn = nil
	net.MaxBatch = n
	return nil
}

// Init draws every parameter from its Init function, with a random
// stream fixed by seed: the same seed gives the same parameters.
func (net *Net) Init(seed uint64) {
	r := rand.New(rand.NewPCG(seed, streamInit))
	for _, p := range net.Params {
		clear(p.Data)
		if p.Init != nil {
			p.Init(r, p.Data)
		}
	}
}

// Random streams: each use of randomness draws from its own PCG stream
// of the run seed, so adding one use never shifts another.
const (
	streamInit    = 0x1417
	streamShuffle = 0x5a4f
)

// Out returns the output shape of the net.
func (net *Net) Out() Shape { return net.Shapes[len(net.Shapes)-1] }

// Forward runs the net on n examples in x (n·In.Size() floats) and returns
// the output activations, a view valid until the next Forward.
func (net *Net) Forward(x []float32, n int) []float32 {
	if n > net.MaxBatch {
		panic(fmt.Sprintf("engine: batch %d larger than MaxBatch %d", n, net.MaxBatch))
	}
	in := x[:n*net.In.Size()]
	for i, l := range net.Layers {
		out := net.acts[i][:n*net.Shapes[i].Size()]
		l.Forward(&net.Ctx, out, in, n)
		in = out
	}
	return in
}

// Activation returns the output of layer i from the last Forward, for n
// examples.
func (net *Net) Activation(i, n int) []float32 {
	return net.acts[i][:n*net.Shapes[i].Size()]
}

// OutputGrad returns the buffer that Backward reads the gradient with
// respect to the net's output from; write it before calling Backward.
func (net *Net) OutputGrad(n int) []float32 {
	last := len(net.Layers) - 1
	return net.dacts[last][:n*net.Shapes[last].Size()]
}

// Backward sets Grad to the gradient of the loss whose gradient with
// respect to the output is in OutputGrad(n), through the activations of
// the last Forward on x. If wantInput, the gradient with respect to x is
// computed too and returned; otherwise Backward returns nil.
//
// The gradients of the net's Dense and Conv2D layers are overwritten by
// their backward; every other layer's are zeroed first and added into. So
// a layer must not add into the gradients of a Dense or Conv2D of the same
// net: a layer that shares a Dense's parameters must hold it wrapped in a
// type of its own.
func (net *Net) Backward(x []float32, n int, wantInput bool) []float32 {
	for i, span := range net.spans {
		if !net.sets[i] {
			clear(net.Grad[span[0]:span[1]])
		}
	}
	var dx []float32
	if wantInput {
		if len(net.dIn) < net.MaxBatch*net.In.Size() {
			net.dIn = make([]float32, net.MaxBatch*net.In.Size())
		}
		dx = net.dIn[:n*net.In.Size()]
	}
	for i := len(net.Layers) - 1; i >= 0; i-- {
		in, dIn := x[:n*net.In.Size()], dx
		if i > 0 {
			in = net.acts[i-1][:n*net.Shapes[i-1].Size()]
			dIn = net.dacts[i-1][:n*net.Shapes[i-1].Size()]
		}
		dOut, out := net.dacts[i][:n*net.Shapes[i].Size()], net.acts[i][:n*net.Shapes[i].Size()]
		if net.sets[i] {
			net.Layers[i].(gradSetter).backward(&net.Ctx, dIn, dOut, in, out, n, true)
		} else {
			net.Layers[i].Backward(&net.Ctx, dIn, dOut, in, out, n)
		}
	}
	return dx
}

// Param returns the parameter with the given full name ("0.w"), or nil.
func (net *Net) Param(name string) *Param {
	for _, p := range net.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}
