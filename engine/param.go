package engine

import (
	"math"
	"math/rand/v2"
)

// Role says how an optimizer and the parameter accounting treat a Param.
type Role int

const (
	// Weight multiplies inputs: it takes weight decay and counts as a
	// learned weight.
	Weight Role = iota
	// Bias is added to a layer's output: no weight decay, not counted as a
	// learned weight.
	Bias
)

// Param is one trainable block of a Net, a Rows×Cols row-major matrix (a
// bias is 1×n). Data and Grad are views into the Net's contiguous buffers
// at offset Off; they are set by NewNet.
type Param struct {
	Name       string
	Rows, Cols int
	Role       Role
	// MaxNorm asks the optimizer to cap the L2 norm of each column (one
	// column is one unit's incoming weights or coefficients).
	MaxNorm bool
	// Init fills Data when the Net is initialised; nil leaves zeros.
	Init func(r *rand.Rand, w []float32)
	// Frozen excludes the parameter from the optimizer's steps: its data
	// and optimizer state stay as they are (its gradient is still
	// computed). For schedules that train some parameters at a time.
	Frozen bool

	Off        int
	Data, Grad []float32
}

// Size returns Rows·Cols.
func (p *Param) Size() int { return p.Rows * p.Cols }

// Uniform returns an Init that draws from U(−scale, scale).
func Uniform(scale float64) func(r *rand.Rand, w []float32) {
	return func(r *rand.Rand, w []float32) {
		for i := range w {
			w[i] = float32((2*r.Float64() - 1) * scale)
		}
	}
}

// Normal returns an Init that draws from N(0, std²).
func Normal(std float64) func(r *rand.Rand, w []float32) {
	return func(r *rand.Rand, w []float32) {
		for i := range w {
			w[i] = float32(r.NormFloat64() * std)
		}
	}
}

// Const returns an Init that sets every element to v.
func Const(v float32) func(r *rand.Rand, w []float32) {
	return func(_ *rand.Rand, w []float32) {
		for i := range w {
			w[i] = v
		}
	}
}

// DefaultInit returns the usual initialisation of a fanIn×fanOut weight
// matrix followed by act: He-uniform for ReLU, Glorot-uniform otherwise.
func DefaultInit(fanIn, fanOut int, act Act) func(r *rand.Rand, w []float32) {
	if act == ReLU {
		return Uniform(math.Sqrt(6 / float64(fanIn)))
	}
	return Uniform(math.Sqrt(6 / float64(fanIn+fanOut)))
}
