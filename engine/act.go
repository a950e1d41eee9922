package engine

import (
	"fmt"
	"math"
)

// Act is an elementwise activation function. Its derivative is computed
// from the activation's output, so layers keep only their outputs.
type Act int

// The activations.
const (
	Identity Act = iota
	ReLU
	Sigmoid
	Tanh
)

var actNames = [...]string{"identity", "relu", "sigmoid", "tanh"}

// String returns the activation's name as used in configs.
func (a Act) String() string {
	if a < 0 || int(a) >= len(actNames) {
		return fmt.Sprintf("Act(%d)", int(a))
	}
	return actNames[a]
}

// ParseAct returns the activation named s ("identity", "relu", "sigmoid"
// or "tanh"; "" means identity).
func ParseAct(s string) (Act, error) {
	if s == "" || s == "none" || s == "linear" {
		return Identity, nil
	}
	for i, n := range actNames {
		if n == s {
			return Act(i), nil
		}
	}
	return 0, fmt.Errorf("unknown activation %q (want relu, sigmoid, tanh or identity)", s)
}

// ActForward applies a to x in place.
func ActForward(a Act, x []float32) {
	switch a {
	case ReLU:
		for i, v := range x {
			x[i] = relu(v)
		}
	case Sigmoid:
		for i, v := range x {
			x[i] = sigmoid(v)
		}
	case Tanh:
		for i, v := range x {
			x[i] = tanh(v)
		}
	}
}

// ActBackward turns dy, the gradient with respect to y = a(x), into the
// gradient with respect to x, in place.
func ActBackward(a Act, dy, y []float32) {
	y = y[:len(dy)]
	switch a {
	case ReLU:
		for i, v := range y {
			dy[i] = reluGrad(dy[i], v)
		}
	case Sigmoid:
		for i, v := range y {
			dy[i] *= v * (1 - v)
		}
	case Tanh:
		for i, v := range y {
			dy[i] *= 1 - v*v
		}
	}
}

// BiasActForward sets x = a(x + b) for the rows×cols matrix x, adding b[j]
// to column j (b nil: no bias), in one pass split over c's threads.
func BiasActForward(c *Context, x, b []float32, rows, cols int, a Act) {
	x = x[:rows*cols]
	if b == nil && a == Identity {
		return
	}
	if t, parts := c.split(rows*cols, minElems); t != nil {
		t.biasAct = biasActLoop{x, b, cols, a}
		t.run(&t.biasAct, rows, parts)
		return
	}
	biasAct(x, b, cols, a)
}

type biasActLoop struct {
	x, b []float32
	cols int
	a    Act
}

func (l *biasActLoop) run(lo, hi int) { biasAct(l.x[lo*l.cols:hi*l.cols], l.b, l.cols, l.a) }

// biasAct sets x = a(x + b) for the rows of x, each of cols values.
func biasAct(x, b []float32, cols int, a Act) {
	if b == nil {
		ActForward(a, x)
		return
	}
	b = b[:cols]
	for i := 0; i+cols <= len(x); i += cols {
		row := x[i : i+cols]
		switch a {
		case Identity:
			for j, v := range row {
				row[j] = v + b[j]
			}
		case ReLU:
			for j, v := range row {
				row[j] = relu(v + b[j])
			}
		default:
			for j, v := range row {
				row[j] = v + b[j]
			}
			ActForward(a, row)
		}
	}
}

// ActBiasBackward turns dz, the gradient with respect to y = a(z) for the
// rows×cols matrix y, into the gradient with respect to z, in place, and
// adds its column sums (the gradient of a bias added to z) into db, in one
// pass split over c's threads.
//
// The rows are summed in blocks fixed by rows and cols alone, and the
// blocks' sums are added into db in order, so db does not depend on the
// thread count.
func ActBiasBackward(c *Context, dz, y, db []float32, rows, cols int, a Act) {
	actBiasBackward(c, dz, y, db, rows, cols, a, false)
}

// actBiasBackward is ActBiasBackward; with set, it overwrites db instead
// of adding into it.
func actBiasBackward(c *Context, dz, y, db []float32, rows, cols int, a Act, set bool) {
	dz, y, db = dz[:rows*cols], y[:rows*cols], db[:cols]
	if set {
		clear(db)
	}
	blocks, blockRows := biasBlocks(rows, cols)
	if t, parts := c.split(rows*cols, minElems); t != nil {
		sums := c.scratch(blocks * cols)
		t.actBiasBack = actBiasBackLoop{dz, y, sums, rows, cols, blockRows, a}
		t.run(&t.actBiasBack, blocks, parts)
		for b := 0; b < blocks; b++ {
			addTo(db, sums[b*cols:(b+1)*cols])
		}
		return
	}
	sums := c.scratch(cols)
	for r := 0; r < rows; r += blockRows {
		r1 := min(r+blockRows, rows)
		actBackwardSums(dz[r*cols:r1*cols], y[r*cols:r1*cols], sums, cols, a)
		addTo(db, sums)
	}
}

// biasBlock is about the number of elements whose column sums
// ActBiasBackward computes before adding them into the bias gradient.
const biasBlock = 16384

// biasBlocks splits rows into blocks of blockRows rows (the last may be
// shorter) of about biasBlock elements each.
func biasBlocks(rows, cols int) (blocks, blockRows int) {
	blocks = max(1, (rows*cols+biasBlock-1)/biasBlock)
	blockRows = max(1, (rows+blocks-1)/blocks)
	blocks = (rows + blockRows - 1) / blockRows
	return blocks, blockRows
}

type actBiasBackLoop struct {
	dz, y, sums           []float32
	rows, cols, blockRows int
	a                     Act
}

// run does blocks [lo, hi), writing the sums of block b into row b of
// l.sums.
func (l *actBiasBackLoop) run(lo, hi int) {
	for b := lo; b < hi; b++ {
		r0, r1 := b*l.blockRows, min((b+1)*l.blockRows, l.rows)
		actBackwardSums(l.dz[r0*l.cols:r1*l.cols], l.y[r0*l.cols:r1*l.cols], l.sums[b*l.cols:(b+1)*l.cols], l.cols, l.a)
	}
}

// actBackwardSums applies ActBackward to the rows of dz (cols values
// each) and writes the column sums of the result into sums.
func actBackwardSums(dz, y, sums []float32, cols int, a Act) {
	sums = sums[:cols]
	clear(sums)
	y = y[:len(dz)]
	for i := 0; i+cols <= len(dz); i += cols {
		d, yr := dz[i:i+cols], y[i:i+cols]
		switch a {
		case ReLU:
			for j, v := range yr {
				g := reluGrad(d[j], v)
				d[j] = g
				sums[j] += g
			}
		default:
			ActBackward(a, d, yr)
			addTo(sums, d)
		}
	}
}

// addTo adds src into dst.
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// relu returns max(v, 0) without a branch (a branch mispredicts on about
// half the values): a negative v has its sign bit set, which the
// arithmetic shift spreads into a mask that clears every bit. −0 gives +0.
func relu(v float32) float32 {
	b := math.Float32bits(v)
	return math.Float32frombits(b &^ uint32(int32(b)>>31))
}

// reluGrad returns d where y > 0 and 0 where y ≤ 0, without a branch: the
// sign bit of −b &^ b is set exactly when b, the bits of y as an int32, is
// positive.
func reluGrad(d, y float32) float32 {
	b := int32(math.Float32bits(y))
	mask := uint32((-b &^ b) >> 31)
	return math.Float32frombits(math.Float32bits(d) & mask)
}

func sigmoid(v float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(v))))
}

func tanh(v float32) float32 { return float32(math.Tanh(float64(v))) }

// Activation is a layer that applies an activation to its input.
type Activation struct {
	Act   Act
	shape Shape
}

// Setup implements Layer.
func (l *Activation) Setup(in Shape, maxBatch int) (Shape, error) {
	l.shape = in
	return in, nil
}

// Params implements Layer; an activation has none.
func (l *Activation) Params() []*Param { return nil }

// Forward implements Layer.
func (l *Activation) Forward(c *Context, out, in []float32, n int) {
	m := n * l.shape.Size()
	copy(out[:m], in[:m])
	BiasActForward(c, out, nil, n, l.shape.Size(), l.Act)
}

// Backward implements Layer.
func (l *Activation) Backward(c *Context, dIn, dOut, in, out []float32, n int) {
	if dIn == nil {
		return
	}
	m := n * l.shape.Size()
	actBackward(c, dOut[:m], out[:m], l.Act)
	copy(dIn[:m], dOut[:m])
}

// actBackward is ActBackward split over c's threads.
func actBackward(c *Context, dy, y []float32, a Act) {
	if t, parts := c.split(len(dy), minElems); t != nil {
		t.actBack = actBackLoop{dy, y[:len(dy)], a}
		t.run(&t.actBack, len(dy), parts)
		return
	}
	ActBackward(a, dy, y)
}

// actBackLoop applies ActBackward to a range of elements.
type actBackLoop struct {
	dy, y []float32
	a     Act
}

func (l *actBackLoop) run(lo, hi int) { ActBackward(l.a, l.dy[lo:hi], l.y[lo:hi]) }
