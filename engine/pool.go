package engine

import (
	"fmt"
	"math"
)

// MaxPoolForward takes the maximum over K×K windows moved by stride, for n
// NHWC images of shape in, without padding. out has shape
// ((H−K)/stride+1)×((W−K)/stride+1)×C; arg receives, for each output, the
// index into in of the maximum (the first one on ties), for
// MaxPoolBackward.
func MaxPoolForward(out []float32, arg []int32, in []float32, n int, in3 Shape, k, stride int) {
	if k == 2 && stride == 2 {
		maxPool2(out, arg, in, n, in3)
		return
	}
	oh, ow, C := (in3.H-k)/stride+1, (in3.W-k)/stride+1, in3.C
	o := 0
	for img := 0; img < n; img++ {
		base := img * in3.Size()
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for c := 0; c < C; c++ {
					best := base + ((oy*stride)*in3.W+ox*stride)*C + c
					for ky := 0; ky < k; ky++ {
						row := base + ((oy*stride+ky)*in3.W+ox*stride)*C + c
						for kx := 0; kx < k; kx++ {
							if i := row + kx*C; in[i] > in[best] {
								best = i
							}
						}
					}
					out[o] = in[best]
					arg[o] = int32(best)
					o++
				}
			}
		}
	}
}

// maxPool2 is MaxPoolForward for 2×2 windows with stride 2.
func maxPool2(out []float32, arg []int32, in []float32, n int, in3 Shape) {
	oh, ow, C := in3.H/2, in3.W/2, in3.C
	// The offsets of a window's four pixels from its first, in scan order.
	offsets := [4]int{0, C, in3.W * C, (in3.W + 1) * C}
	o := 0
	for img := 0; img < n; img++ {
		base := img * in3.Size()
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				p := base + (2*oy*in3.W+2*ox)*C // the window's first pixel
				w0, w1 := in[p:p+C], in[p+offsets[1]:p+offsets[1]+C]
				w2, w3 := in[p+offsets[2]:p+offsets[2]+C], in[p+offsets[3]:p+offsets[3]+C]
				outs, args := out[o:o+C], arg[o:o+C]
				for c := range outs {
					best := maxKey(maxKey(windowKey(w0[c], 0), windowKey(w1[c], 1)), maxKey(windowKey(w2[c], 2), windowKey(w3[c], 3)))
					i := p + offsets[3-best&3] + c
					outs[c] = in[i]
					args[c] = int32(i)
				}
				o += C
			}
		}
	}
}

// windowKey packs v and its position pos (0 to 3) in a window into an
// int64 that orders like v, and on ties puts the first position highest.
// The maximum of four keys is then found without a branch (see maxKey).
func windowKey(v float32, pos int) int64 {
	return int64(orderKey(v))<<2 | int64(3-pos)
}

// maxKey returns the larger of two keys without a branch (a branch would
// mispredict on the ties and near-ties of ReLU outputs): d>>63 is all
// ones when a < b. Keys are far below 2⁶², so a−b cannot overflow.
func maxKey(a, b int64) int64 {
	d := a - b
	return a - d&(d>>63)
}

// orderKey maps v to an int32 that orders like v (−0 and +0 both map
// to 0): the magnitude's bits, negated for a negative v.
func orderKey(v float32) int32 {
	b := math.Float32bits(v)
	m, sign := int32(b&0x7fffffff), int32(b)>>31 // sign: 0 or −1
	return m ^ sign - sign
}

// MaxPoolBackward routes each output gradient to the input that won the
// window: dIn (n·inSize floats) is set to zero first.
func MaxPoolBackward(dIn, dOut []float32, arg []int32, n, inSize, outSize int) {
	clear(dIn[:n*inSize])
	for o, i := range arg[:n*outSize] {
		dIn[i] += dOut[o]
	}
}

// maxPoolLoop runs MaxPoolForward over a range of images.
type maxPoolLoop struct {
	out, in         []float32
	arg             []int32
	in3             Shape
	k, stride       int
	inSize, outSize int
}

func (l *maxPoolLoop) run(lo, hi int) {
	arg := l.arg[lo*l.outSize : hi*l.outSize]
	MaxPoolForward(l.out[lo*l.outSize:hi*l.outSize], arg, l.in[lo*l.inSize:hi*l.inSize], hi-lo, l.in3, l.k, l.stride)
	// arg indexes the images from lo on; make it index the batch.
	for o := range arg {
		arg[o] += int32(lo * l.inSize)
	}
}

// maxPoolBackLoop runs MaxPoolBackward over a range of images.
type maxPoolBackLoop struct {
	dIn, dOut       []float32
	arg             []int32
	inSize, outSize int
}

func (l *maxPoolBackLoop) run(lo, hi int) {
	// The images' arg entries point into their own inputs only.
	dIn := l.dIn[lo*l.inSize : hi*l.inSize]
	clear(dIn)
	for o, i := range l.arg[lo*l.outSize : hi*l.outSize] {
		dIn[int(i)-lo*l.inSize] += l.dOut[lo*l.outSize+o]
	}
}

// MaxPool is a max-pooling layer with K×K windows moved by Stride (0
// means K), without padding.
type MaxPool struct {
	K, Stride int

	in, out Shape
	arg     []int32
}

// Setup implements Layer.
func (l *MaxPool) Setup(in Shape, maxBatch int) (Shape, error) {
	if l.K <= 0 {
		return Shape{}, fmt.Errorf("maxpool: window %d, want > 0", l.K)
	}
	if l.Stride == 0 {
		l.Stride = l.K
	}
	if l.Stride < 0 {
		return Shape{}, fmt.Errorf("maxpool: stride %d, want > 0", l.Stride)
	}
	if in.H < l.K || in.W < l.K {
		return Shape{}, fmt.Errorf("maxpool: window %d larger than input %v", l.K, in)
	}
	l.in = in
	l.out = Shape{(in.H-l.K)/l.Stride + 1, (in.W-l.K)/l.Stride + 1, in.C}
	l.arg = make([]int32, maxBatch*l.out.Size())
	return l.out, nil
}

// Params implements Layer; pooling has none.
func (l *MaxPool) Params() []*Param { return nil }

// Forward implements Layer.
func (l *MaxPool) Forward(c *Context, out, in []float32, n int) {
	if t, parts := c.split(n*l.in.Size(), minElems); t != nil {
		t.maxPool = maxPoolLoop{out, in, l.arg, l.in, l.K, l.Stride, l.in.Size(), l.out.Size()}
		t.run(&t.maxPool, n, parts)
		return
	}
	MaxPoolForward(out, l.arg, in, n, l.in, l.K, l.Stride)
}

// Backward implements Layer.
func (l *MaxPool) Backward(c *Context, dIn, dOut, in, out []float32, n int) {
	if dIn == nil {
		return
	}
	if t, parts := c.split(n*l.in.Size(), minElems); t != nil {
		t.maxPoolBack = maxPoolBackLoop{dIn, dOut, l.arg, l.in.Size(), l.out.Size()}
		t.run(&t.maxPoolBack, n, parts)
		return
	}
	MaxPoolBackward(dIn, dOut, l.arg, n, l.in.Size(), l.out.Size())
}
