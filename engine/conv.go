package engine

import (
	"fmt"
	"math/rand/v2"
)

// ConvGeom is the geometry of a 2-D convolution over NHWC images: a K×K
// window moved by Stride, with Pad zero pixels around the input.
type ConvGeom struct {
	In         Shape // H, W, C of the input
	K, Stride  int
	Pad        int
	OutH, OutW int
}

// NewConvGeom checks the geometry and computes the output size.
func NewConvGeom(in Shape, k, stride, pad int) (ConvGeom, error) {
	g := ConvGeom{In: in, K: k, Stride: stride, Pad: pad}
	switch {
	case !in.Valid():
		return g, fmt.Errorf("input shape %v must be positive", in)
	case k <= 0:
		return g, fmt.Errorf("kernel size %d, want > 0", k)
	case stride <= 0:
		return g, fmt.Errorf("stride %d, want > 0", stride)
	case pad < 0 || pad >= k:
		return g, fmt.Errorf("padding %d, want 0 ≤ pad < kernel size %d", pad, k)
	}
	g.OutH = (in.H+2*pad-k)/stride + 1
	g.OutW = (in.W+2*pad-k)/stride + 1
	if in.H+2*pad < k || in.W+2*pad < k {
		return g, fmt.Errorf("kernel %d×%d larger than padded input %d×%d", k, k, in.H+2*pad, in.W+2*pad)
	}
	return g, nil
}

// Taps returns the rows of a filter matrix: K·K·C.
func (g ConvGeom) Taps() int { return g.K * g.K * g.In.C }

// Im2Col writes the patches of n NHWC images into col, one row per output
// pixel (n·OutH·OutW rows of Taps() floats); row entry (ky·K + kx)·C + c
// holds input pixel (oy·Stride − Pad + ky, ox·Stride − Pad + kx), channel
// c, or 0 outside the image.
func Im2Col(col, in []float32, n int, g ConvGeom) {
	C, taps := g.In.C, g.Taps()
	r := 0
	for img := 0; img < n; img++ {
		base := img * g.In.Size()
		for oy := 0; oy < g.OutH; oy++ {
			for ox := 0; ox < g.OutW; ox++ {
				row := col[r*taps : (r+1)*taps]
				r++
				for ky := 0; ky < g.K; ky++ {
					y := oy*g.Stride - g.Pad + ky
					dst := row[ky*g.K*C : (ky+1)*g.K*C]
					if y < 0 || y >= g.In.H {
						clear(dst)
						continue
					}
					for kx := 0; kx < g.K; kx++ {
						x := ox*g.Stride - g.Pad + kx
						d := dst[kx*C : (kx+1)*C]
						if x < 0 || x >= g.In.W {
							clear(d)
							continue
						}
						src := base + (y*g.In.W+x)*C
						copy(d, in[src:src+C])
					}
				}
			}
		}
	}
}

// Col2Im is the adjoint of Im2Col: it sets dIn to zero, then adds every
// patch row of dCol back into the pixels it was read from.
func Col2Im(dIn, dCol []float32, n int, g ConvGeom) {
	C, taps := g.In.C, g.Taps()
	clear(dIn[:n*g.In.Size()])
	r := 0
	for img := 0; img < n; img++ {
		base := img * g.In.Size()
		for oy := 0; oy < g.OutH; oy++ {
			for ox := 0; ox < g.OutW; ox++ {
				row := dCol[r*taps : (r+1)*taps]
				r++
				for ky := 0; ky < g.K; ky++ {
					y := oy*g.Stride - g.Pad + ky
					if y < 0 || y >= g.In.H {
						continue
					}
					for kx := 0; kx < g.K; kx++ {
						x := ox*g.Stride - g.Pad + kx
						if x < 0 || x >= g.In.W {
							continue
						}
						src := row[(ky*g.K+kx)*C : (ky*g.K+kx+1)*C]
						dst := dIn[base+(y*g.In.W+x)*C : base+(y*g.In.W+x+1)*C]
						for c, v := range src {
							dst[c] += v
						}
					}
				}
			}
		}
	}
}

// ConvForward computes out = act(im2col(in)·w + b) for n images: w is
// Taps()×cOut, out is n·OutH·OutW×cOut (NHWC). col is scratch of
// n·OutH·OutW·Taps() floats and keeps the patches for ConvBackward.
func ConvForward(c *Context, out, col, in, w, b []float32, n, cOut int, g ConvGeom, act Act) {
	rows := n * g.OutH * g.OutW
	Im2Col(col, in, n, g)
	DenseForward(c, out, col, w, b, rows, g.Taps(), cOut, act)
}

// ConvBackward back-propagates through ConvForward. col must hold the
// patches ConvForward left there; it is overwritten. dOut is overwritten
// with the gradient with respect to the pre-activation.
func ConvBackward(c *Context, dIn, dw, db, dOut, col, out, w []float32, n, cOut int, g ConvGeom, act Act) {
	rows := n * g.OutH * g.OutW
	if dIn == nil {
		DenseBackward(c, nil, dw, db, dOut, col, out, w, rows, g.Taps(), cOut, act)
		return
	}
	// The patches are read by the weight gradient before the input
	// gradient overwrites them, so one buffer serves both.
	DenseBackward(c, nil, dw, db, dOut, col, out, w, rows, g.Taps(), cOut, act)
	c.Gemm.Sgemm(false, true, rows, g.Taps(), cOut, 1, dOut, cOut, w, cOut, 0, col, g.Taps())
	Col2Im(dIn, col, n, g)
}

// Conv2D is a convolution layer over NHWC images with Out filters of
// K×K taps, stride Stride (0 means 1) and Pad zero pixels of padding.
// W is Taps()×Out, as in ConvGeom.
type Conv2D struct {
	Out, K, Stride, Pad int
	Act                 Act
	Init                func(r *rand.Rand, w []float32)
	MaxNorm             bool

	Geom ConvGeom
	W, B *Param
	col  []float32
}

// Setup implements Layer.
func (l *Conv2D) Setup(in Shape, maxBatch int) (Shape, error) {
	if l.Out <= 0 {
		return Shape{}, fmt.Errorf("conv: %d filters, want > 0", l.Out)
	}
	stride := l.Stride
	if stride == 0 {
		stride = 1
	}
	g, err := NewConvGeom(in, l.K, stride, l.Pad)
	if err != nil {
		return Shape{}, fmt.Errorf("conv: %v", err)
	}
	l.Geom = g
	init := l.Init
	if init == nil {
		init = DefaultInit(g.Taps(), l.Out, l.Act)
	}
	l.W = &Param{Name: "w", Rows: g.Taps(), Cols: l.Out, Role: Weight, MaxNorm: l.MaxNorm, Init: init}
	l.B = &Param{Name: "b", Rows: 1, Cols: l.Out, Role: Bias}
	l.col = make([]float32, maxBatch*g.OutH*g.OutW*g.Taps())
	return Shape{g.OutH, g.OutW, l.Out}, nil
}

// Params implements Layer.
func (l *Conv2D) Params() []*Param { return []*Param{l.W, l.B} }

// Forward implements Layer.
func (l *Conv2D) Forward(c *Context, out, in []float32, n int) {
	ConvForward(c, out, l.col, in, l.W.Data, l.B.Data, n, l.Out, l.Geom, l.Act)
}

// Backward implements Layer.
func (l *Conv2D) Backward(c *Context, dIn, dOut, in, out []float32, n int) {
	ConvBackward(c, dIn, l.W.Grad, l.B.Grad, dOut, l.col, out, l.W.Data, n, l.Out, l.Geom, l.Act)
}
