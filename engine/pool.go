package engine

import "fmt"

// MaxPoolForward takes the maximum over K×K windows moved by stride, for n
// NHWC images of shape in, without padding. out has shape
// ((H−K)/stride+1)×((W−K)/stride+1)×C; arg receives, for each output, the
// index into in of the maximum, for MaxPoolBackward.
func MaxPoolForward(out []float32, arg []int32, in []float32, n int, in3 Shape, k, stride int) {
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

// MaxPoolBackward routes each output gradient to the input that won the
// window: dIn (n·inSize floats) is set to zero first.
func MaxPoolBackward(dIn, dOut []float32, arg []int32, n, inSize, outSize int) {
	clear(dIn[:n*inSize])
	for o, i := range arg[:n*outSize] {
		dIn[i] += dOut[o]
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
	MaxPoolForward(out, l.arg, in, n, l.in, l.K, l.Stride)
}

// Backward implements Layer.
func (l *MaxPool) Backward(c *Context, dIn, dOut, in, out []float32, n int) {
	if dIn != nil {
		MaxPoolBackward(dIn, dOut, l.arg, n, l.in.Size(), l.out.Size())
	}
}
