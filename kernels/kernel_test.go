package kernels

import (
	"math"
	"testing"

	"github.com/predparams/predparams/engine/gemm"
)

func TestSEValidate(t *testing.T) {
	for _, tc := range []struct {
		se SE
		ok bool
	}{
		{SE{H: 28, W: 28, C: 1, Length: 2}, true},
		{SE{H: 5, W: 5, C: 64, Length: 3, SharedChannels: true}, true},
		{SE{H: 0, W: 28, C: 1, Length: 2}, false},
		{SE{H: 28, W: -1, C: 1, Length: 2}, false},
		{SE{H: 28, W: 28, C: 0, Length: 2}, false},
		{SE{H: 28, W: 28, C: 1, Length: 0}, false},
		{SE{H: 28, W: 28, C: 1, Length: -1}, false},
		{SE{H: 28, W: 28, C: 1, Length: math.NaN()}, false},
		{SE{H: 28, W: 28, C: 1, Length: math.Inf(1)}, false},
	} {
		if err := tc.se.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: Validate() = %v, want ok=%v", tc.se, err, tc.ok)
		}
	}
}

func TestSEValues(t *testing.T) {
	masked := SE{H: 3, W: 4, C: 2, Length: 2}
	shared := masked
	shared.SharedChannels = true
	pos := func(y, x, c int) int { return (y*4+x)*2 + c }
	for _, tc := range []struct {
		k    SE
		p, q int
		want float64
	}{
		{masked, pos(0, 0, 0), pos(0, 0, 0), 1},
		{masked, pos(0, 0, 1), pos(0, 1, 1), math.Exp(-1.0 / 8)},
		{masked, pos(0, 0, 0), pos(2, 3, 0), math.Exp(-13.0 / 8)},
		{masked, pos(1, 1, 0), pos(1, 1, 1), 0},
		{masked, pos(0, 0, 0), pos(2, 3, 1), 0},
		{shared, pos(1, 1, 0), pos(1, 1, 1), 1},
		{shared, pos(0, 0, 0), pos(2, 3, 1), math.Exp(-13.0 / 8)},
	} {
		if got := tc.k.At(tc.p, tc.q); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("shared=%v: k(%d,%d) = %g, want %g", tc.k.SharedChannels, tc.p, tc.q, got, tc.want)
		}
	}
	if n := masked.Len(); n != 24 {
		t.Errorf("Len() = %d, want 24", n)
	}
}

func TestKernelSymPSD(t *testing.T) {
	g := gemm.Best(1)
	x := randData(3, 300, 40, 0, 1)
	// Constant columns, like MNIST's border: a zero row and column in the covariance.
	xc := randData(4, 200, 30, 0, 1)
	for r := 0; r < 200; r++ {
		xc[r*30+0], xc[r*30+29], xc[r*30+7] = 0, 0, 0.5
	}
	emp := func(x []float32, n, d int) Kernel {
		e, err := NewEmp(g, x, n, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	emp2 := func(x []float32, n, d int) Kernel {
		e, err := NewEmp2(g, x, n, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for _, tc := range []struct {
		name string
		k    Kernel
		tol  float64
	}{
		{"SE 10×10 ℓ=2", SE{H: 10, W: 10, C: 1, Length: 2}, 1e-9},
		{"SE 5×5×3 ℓ=3 masked", SE{H: 5, W: 5, C: 3, Length: 3}, 1e-9},
		{"SE 5×5×3 ℓ=3 shared", SE{H: 5, W: 5, C: 3, Length: 3, SharedChannels: true}, 1e-9},
		{"SE 7×9×2 ℓ=0.7", SE{H: 7, W: 9, C: 2, Length: 0.7}, 1e-9},
		{"Emp random", emp(x, 300, 40), 1e-9},
		{"Emp2 random", emp2(x, 300, 40), 1e-9},
		{"Emp constant columns", emp(xc, 200, 30), 1e-9},
		{"Emp2 constant columns", emp2(xc, 200, 30), 1e-9},
		// Rank 19 of 40: the float32 products leave the zero eigenvalues at about
		// ±1e-8·trace, as documented on NewEmp.
		{"Emp fewer rows than inputs", emp(x[:20*40], 20, 40), 1e-7},
		{"Emp2 fewer rows than inputs", emp2(x[:20*40], 20, 40), 1e-7},
	} {
		t.Run(tc.name, func(t *testing.T) { checkSymPSD(t, tc.k, tc.tol) })
	}
}
