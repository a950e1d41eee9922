package main

import (
	"math"
	"strconv"
)

// axis is a linear axis from lo to hi with ticks every step.
type axis struct{ lo, hi, step float64 }

// niceAxis returns an axis covering [lo, hi] with about n ticks at round
// numbers (1, 2 or 5 times a power of ten).
func niceAxis(lo, hi float64, n int) axis {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(max(n, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw*(1-1e-9) {
			step = m * mag
			break
		}
	}
	return axis{lo: math.Floor(lo/step+1e-9) * step, hi: math.Ceil(hi/step-1e-9) * step, step: step}
}

// ticks returns the tick values from lo to hi.
func (a axis) ticks() []float64 {
	var t []float64
	n := int(math.Round((a.hi - a.lo) / a.step))
	for i := 0; i <= n; i++ {
		t = append(t, a.lo+float64(i)*a.step)
	}
	return t
}

// label formats a tick value with as many decimals as the step needs.
func (a axis) label(v float64) string {
	d := max(0, int(-math.Floor(math.Log10(a.step)+1e-9)))
	return strconv.FormatFloat(v, 'f', d, 64)
}

// at maps v to a fraction of the axis, 0 at lo and 1 at hi.
func (a axis) at(v float64) float64 { return (v - a.lo) / (a.hi - a.lo) }
