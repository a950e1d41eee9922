// Package gradcheck checks a Net's backward pass against central finite
// differences, for the tests of every package that defines layers.
package gradcheck

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/predparams/predparams/engine"
)

// Eps is the step of the central differences; Tol the tolerance,
// relative to max(1, |finite difference|).
const (
	Eps = 1e-3
	Tol = 2e-2
)

// ProjLoss returns L = Σ out·r in float64, the scalar the checks
// differentiate: its gradient with respect to out is r.
func ProjLoss(out, r []float32) float64 {
	var s float64
	for i, v := range out {
		s += float64(v) * float64(r[i])
	}
	return s
}

// Check compares net's Backward with central finite differences of
// ProjLoss for a random r, for every stride-th entry of every parameter
// and of the input x (stride 1: all of them). It reports the first five
// disagreements through t.
func Check(t testing.TB, net *engine.Net, x []float32, n, stride int) {
	t.Helper()
	stride = max(stride, 1)
	rng := rand.New(rand.NewPCG(7, 8))
	out := net.Forward(x, n)
	r := make([]float32, len(out))
	for i := range r {
		r[i] = float32(rng.NormFloat64())
	}
	copy(net.OutputGrad(n), r)
	dx := net.Backward(x, n, true)
	grad := append([]float32(nil), net.Grad...)
	dx = append([]float32(nil), dx...)

	bad := 0
	check := func(what string, v []float32, i int, analytic float32) {
		t.Helper()
		old := v[i]
		v[i] = old + Eps
		lp := ProjLoss(net.Forward(x, n), r)
		v[i] = old - Eps
		lm := ProjLoss(net.Forward(x, n), r)
		v[i] = old
		num := (lp - lm) / (2 * Eps)
		if d := math.Abs(num - float64(analytic)); d > Tol*math.Max(1, math.Abs(num)) {
			if bad++; bad <= 5 {
				t.Errorf("%s[%d]: backward %.6g, finite difference %.6g", what, i, analytic, num)
			}
		}
	}
	for _, p := range net.Params {
		for i := 0; i < len(p.Data); i += stride {
			check(p.Name, p.Data, i, grad[p.Off+i])
		}
	}
	for i := 0; i < len(x); i += stride {
		check("input", x, i, dx[i])
	}
}
