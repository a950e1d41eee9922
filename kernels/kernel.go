package kernels

import (
	"errors"
	"fmt"
	"math"
)

// Kernel is a covariance function over a layer's n input positions.
//
// Len returns n. At returns k(i, j) for positions i, j in [0, n); it must be symmetric,
// At(i, j) == At(j, i), and the n×n matrix it defines must be positive semi-definite.
// At may panic for positions out of range (a programmer error).
//
// Positions follow the NHWC order of the project: position (y·W + x)·C + c is row y,
// column x, channel c. This is an image's pixel order when C = 1, and the row order
// (ky·k + kx)·c_in + c of a conv filter bank.
type Kernel interface {
	Len() int
	At(i, j int) float64
}

// SE is the squared-exponential kernel over an H×W×C grid of positions:
//
//	k(p, q) = exp(−((y−y')² + (x−x')²) / (2·Length²))
//
// over integer pixel coordinates (y, x), with Length ℓ in pixels. When SharedChannels is
// false (the zero value, and the paper code's channel mask, method.md §7) positions in
// different channels have zero covariance, so K is block-diagonal over channels; when true
// the channel is ignored and all channels of a pixel are perfectly correlated.
//
// SE has value methods: both SE and *SE are Kernels. Call Validate before use on user input;
// KRR and Raw do.
type SE struct {
	H, W, C        int
	Length         float64
	SharedChannels bool
}

// Validate reports whether the sizes are positive and Length is positive and finite.
func (s SE) Validate() error {
	if s.H <= 0 || s.W <= 0 || s.C <= 0 {
		return fmt.Errorf("kernels: SE grid %d×%d×%d: sizes must be positive", s.H, s.W, s.C)
	}
	if !(s.Length > 0) || math.IsInf(s.Length, 0) {
		return fmt.Errorf("kernels: SE length scale %g: must be positive and finite", s.Length)
	}
	if s.H > math.MaxInt32/s.W/s.C {
		return errors.New("kernels: SE grid too large")
	}
	return nil
}

// Len returns H·W·C.
func (s SE) Len() int { return s.H * s.W * s.C }

// At returns k(i, j) for positions i, j in [0, H·W·C).
func (s SE) At(i, j int) float64 {
	ci, cj := i%s.C, j%s.C
	if ci != cj && !s.SharedChannels {
		return 0
	}
	pi, pj := i/s.C, j/s.C
	dy := float64(pi/s.W - pj/s.W)
	dx := float64(pi%s.W - pj%s.W)
	return math.Exp(-(dy*dy + dx*dx) / (2 * s.Length * s.Length))
}

// validator is implemented by kernels that can check their own parameters, such as SE.
type validator interface {
	Validate() error
}
