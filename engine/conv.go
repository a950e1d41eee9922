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
//
// The K taps of one window row are K neighbouring pixels, so each window
// row is one run of K·C contiguous floats, clipped at the image's edges.
func Im2Col(col, in []float32, n int, g ConvGeom) {
	if g.Stride == 1 && g.Pad == 0 {
		im2colValid(col, in, n, g)
		return
	}
	C, K, taps := g.In.C, g.K, g.Taps()
	span := K * C // floats in one window row
	for img := 0; img < n; img++ {
		src := in[img*g.In.Size() : (img+1)*g.In.Size()]
		for oy := 0; oy < g.OutH; oy++ {
			for ox := 0; ox < g.OutW; ox++ {
				row := col[:taps]
				col = col[taps:]
				x0 := ox*g.Stride - g.Pad
				k0, k1 := max(0, -x0), min(K, g.In.W-x0) // taps inside the image
				for ky := 0; ky < K; ky++ {
					dst := row[ky*span : (ky+1)*span]
					y := oy*g.Stride - g.Pad + ky
					if y < 0 || y >= g.In.H {
						clear(dst)
						continue
					}
					clear(dst[:k0*C])
					at := (y*g.In.W + x0 + k0) * C
					copyFloats(dst[k0*C:k1*C], src[at:at+(k1-k0)*C])
					clear(dst[k1*C:])
				}
			}
		}
	}
}

// im2colValid is Im2Col for stride 1 without padding. Window row ky of
// output pixel (oy, ox) is then the run of K pixels of input row oy + ky
// that starts at column ox: consecutive output pixels read overlapping
// runs of the same input row.
func im2colValid(col, in []float32, n int, g ConvGeom) {
	C, K, W, taps := g.In.C, g.K, g.In.W, g.Taps()
	span := K * C
	outRow := g.OutW * taps // floats of patches per output row
	for img := 0; img < n; img++ {
		src := in[img*g.In.Size() : (img+1)*g.In.Size()]
		for oy := 0; oy < g.OutH; oy++ {
			rows := col[(img*g.OutH+oy)*outRow : (img*g.OutH+oy+1)*outRow]
			for ky := 0; ky < K; ky++ {
				line := src[(oy+ky)*W*C : (oy+ky+1)*W*C]
				to, from := ky*span, 0
				if span >= 16 {
					for range g.OutW {
						copy(rows[to:to+span], line[from:from+span])
						to, from = to+taps, from+C
					}
					continue
				}
				// Runs this short are faster in a loop than through memmove.
				for range g.OutW {
					dst := rows[to : to+span]
					for i, v := range line[from : from+span] {
						dst[i] = v
					}
					to, from = to+taps, from+C
				}
			}
		}
	}
}

// Col2Im is the adjoint of Im2Col: it sets dIn to zero, then adds every
// patch row of dCol back into the pixels it was read from.
func Col2Im(dIn, dCol []float32, n int, g ConvGeom) {
	C, K, taps := g.In.C, g.K, g.Taps()
	span := K * C
	clear(dIn[:n*g.In.Size()])
	for img := 0; img < n; img++ {
		dst := dIn[img*g.In.Size() : (img+1)*g.In.Size()]
		for oy := 0; oy < g.OutH; oy++ {
			for ox := 0; ox < g.OutW; ox++ {
				row := dCol[:taps]
				dCol = dCol[taps:]
				x0 := ox*g.Stride - g.Pad
				k0, k1 := max(0, -x0), min(K, g.In.W-x0)
				for ky := 0; ky < K; ky++ {
					y := oy*g.Stride - g.Pad + ky
					if y < 0 || y >= g.In.H {
						continue
					}
					at := (y*g.In.W + x0 + k0) * C
					addTo(dst[at:at+(k1-k0)*C], row[ky*span+k0*C:ky*span+k1*C])
				}
			}
		}
	}
}

// copyFloats copies src into dst. A run as short as a window row of a
// one-channel image is faster in a loop than through memmove.
func copyFloats(dst, src []float32) {
	if len(src) >= 16 {
		copy(dst, src)
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = v
	}
}

// im2col is Im2Col split over images on c's threads.
func im2col(c *Context, col, in []float32, n int, g ConvGeom) {
	if t, parts := c.split(n*g.OutH*g.OutW*g.Taps(), minElems); t != nil {
		t.im2col = im2colLoop{convLoop{col, in, g}}
		t.run(&t.im2col, n, parts)
		return
	}
	Im2Col(col, in, n, g)
}

// col2im is Col2Im split over images on c's threads.
func col2im(c *Context, dIn, dCol []float32, n int, g ConvGeom) {
	if t, parts := c.split(n*g.OutH*g.OutW*g.Taps(), minElems); t != nil {
		t.col2im = col2imLoop{convLoop{dCol, dIn, g}}
		t.run(&t.col2im, n, parts)
		return
	}
	Col2Im(dIn, dCol, n, g)
}

// convLoop runs Im2Col (as im2col) or Col2Im (as col2im) over a range of
// images.
type convLoop struct {
	col, img []float32
	g        ConvGeom
}

func (l *convLoop) images(lo, hi int) (col, img []float32) {
	rows, size := l.g.OutH*l.g.OutW*l.g.Taps(), l.g.In.Size()
	return l.col[lo*rows : hi*rows], l.img[lo*size : hi*size]
}

type im2colLoop struct{ convLoop }

func (l *im2colLoop) run(lo, hi int) {
	col, img := l.images(lo, hi)
	Im2Col(col, img, hi-lo, l.g)
}

type col2imLoop struct{ convLoop }

func (l *col2imLoop) run(lo, hi int) {
	col, img := l.images(lo, hi)
	Col2Im(img, col, hi-lo, l.g)
}

// ConvForward computes out = act(im2col(in)·w + b) for n images: w is
// Taps()×cOut, out is n·OutH·OutW×cOut (NHWC). col is scratch of
// n·OutH·OutW·Taps() floats and keeps the patches for ConvBackward.
func ConvForward(c *Context, out, col, in, w, b []float32, n, cOut int, g ConvGeom, act Act) {
	rows := n * g.OutH * g.OutW
	im2col(c, col, in, n, g)
	DenseForward(c, out, col, w, b, rows, g.Taps(), cOut, act)
}

// ConvBackward back-propagates through ConvForward. col must hold the
// patches ConvForward left there; it is overwritten. dOut is overwritten
// with the gradient with respect to the pre-activation.
func ConvBackward(c *Context, dIn, dw, db, dOut, col, out, w []float32, n, cOut int, g ConvGeom, act Act) {
	convBackward(c, dIn, dw, db, dOut, col, out, w, n, cOut, g, act, false)
}

// convBackward is ConvBackward; with set, it overwrites dw and db instead
// of adding into them.
func convBackward(c *Context, dIn, dw, db, dOut, col, out, w []float32, n, cOut int, g ConvGeom, act Act, set bool) {
	rows := n * g.OutH * g.OutW
	// The patches are read by the weight gradient before the input
	// gradient overwrites them, so one buffer serves both.
	denseBackward(c, nil, dw, db, dOut, col, out, w, rows, g.Taps(), cOut, act, set)
	if dIn != nil {
		c.Gemm.Sgemm(false, true, rows, g.Taps(), cOut, 1, dOut, cOut, w, cOut, 0, col, g.Taps())
		col2im(c, dIn, col, n, g)
	}
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
	// col holds the patches of chunk images at a time (see Forward).
	col   []float32
	chunk int
}

// colBudget is about the number of floats of patches that Conv2D builds
// at a time: 1 MB, which stays in a core's L2 cache from Im2Col to the
// product that reads it.
const colBudget = 256 << 10

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
	l.chunk = min(maxBatch, max(1, colBudget/(g.OutH*g.OutW*g.Taps())))
	l.col = make([]float32, l.chunk*g.OutH*g.OutW*g.Taps())
	return Shape{g.OutH, g.OutW, l.Out}, nil
}

// Params implements Layer.
func (l *Conv2D) Params() []*Param { return []*Param{l.W, l.B} }

// Forward implements Layer. Unlike ConvForward, it works through the
// batch a few images at a time (l.chunk), so that the patches stay in
// cache between Im2Col and the product; Backward builds them again.
func (l *Conv2D) Forward(c *Context, out, in []float32, n int) {
	g := l.Geom
	pix, size := g.OutH*g.OutW, g.In.Size()
	for i := 0; i < n; i += l.chunk {
		m := min(l.chunk, n-i)
		ConvForward(c, out[i*pix*l.Out:(i+m)*pix*l.Out], l.col, in[i*size:(i+m)*size], l.W.Data, l.B.Data, m, l.Out, g, l.Act)
	}
}

// Backward implements Layer.
func (l *Conv2D) Backward(c *Context, dIn, dOut, in, out []float32, n int) {
	l.backward(c, dIn, dOut, in, out, n, false)
}

// backward is Backward; with set, it overwrites the gradients of the
// layer's parameters instead of adding into them (see Net.Backward).
func (l *Conv2D) backward(c *Context, dIn, dOut, in, out []float32, n int, set bool) {
	g := l.Geom
	pix, size, taps := g.OutH*g.OutW, g.In.Size(), g.Taps()
	if set && n == 0 {
		clear(l.W.Grad)
		clear(l.B.Grad)
	}
	for i := 0; i < n; i += l.chunk {
		m := min(l.chunk, n-i)
		rows := m * pix
		col := l.col[:rows*taps]
		dz := dOut[i*pix*l.Out : (i+m)*pix*l.Out]
		first := set && i == 0 // overwrite the gradients
		actBiasBackward(c, dz, out[i*pix*l.Out:], l.B.Grad, rows, l.Out, l.Act, first)
		im2col(c, col, in[i*size:(i+m)*size], m, g)
		beta := float32(1)
		if first {
			beta = 0
		}
		c.Gemm.Sgemm(true, false, taps, l.Out, rows, 1, col, taps, dz, l.Out, beta, l.W.Grad, l.Out)
		if dIn != nil {
			c.Gemm.Sgemm(false, true, rows, taps, l.Out, 1, dz, l.Out, l.W.Data, l.Out, 0, col, taps)
			col2im(c, dIn[i*size:(i+m)*size], col, m, g)
		}
	}
}
