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
			if v < 0 {
				x[i] = 0
			}
		}
	case Sigmoid:
		for i, v := range x {
			x[i] = sigmoid(v)
		}
	case Tanh:
		for i, v := range x {
			x[i] = float32(math.Tanh(float64(v)))
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
			if v <= 0 {
				dy[i] = 0
			}
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

func sigmoid(v float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(v))))
}

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
	ActForward(l.Act, out[:m])
}

// Backward implements Layer.
func (l *Activation) Backward(c *Context, dIn, dOut, in, out []float32, n int) {
	if dIn == nil {
		return
	}
	m := n * l.shape.Size()
	ActBackward(l.Act, dOut[:m], out[:m])
	copy(dIn[:m], dOut[:m])
}
