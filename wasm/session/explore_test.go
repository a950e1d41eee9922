package session

import (
	"math"
	"testing"
	"time"
)

// smoothFilter returns a 28×28 filter that is a sum of two broad bumps.
func smoothFilter() []float32 {
	f := make([]float32, Side*Side)
	for p := range f {
		y, x := float64(p/Side), float64(p%Side)
		f[p] = float32(math.Exp(-((y-10)*(y-10)+(x-12)*(x-12))/18) - 0.7*math.Exp(-((y-18)*(y-18)+(x-15)*(x-15))/12))
	}
	return f
}

func TestExplore(t *testing.T) {
	e, err := NewExplorer([][]float32{smoothFilter()}, synthetic(200, 1))
	if err != nil {
		t.Fatal(err)
	}
	base := ExploreSettings{Kernel: "se", Length: 2, Ridge: 0.1, Fraction: 0.2, Seed: 1, Pixel: 406}
	x, err := e.Explore(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Alpha) != 157 || len(x.Row) != 784 || x.Row[406] != 1 || len(x.Atoms) != len(x.AtomAlpha)*784 || len(x.AtomAlpha) == 0 {
		t.Fatalf("|α| %d, row %d (k(p,p) = %v), %d atoms", len(x.Alpha), len(x.Row), x.Row[406], len(x.AtomAlpha))
	}
	if x.Error > 0.2 {
		t.Errorf("a smooth filter from 20%% of its weights: relative error %.3f", x.Error)
	}
	// A short length scale predicts little beyond α: dots, a large error;
	// a long one broad blobs.
	short := base
	short.Length = 0.5
	xs, err := e.Explore(short)
	if err != nil {
		t.Fatal(err)
	}
	if xs.Error < 2*x.Error {
		t.Errorf("ℓ = 0.5 error %.3f, ℓ = 2 error %.3f: want the short scale much worse", xs.Error, x.Error)
	}
	width := func(atom []float32) int {
		n := 0
		for _, v := range atom {
			if math.Abs(float64(v)) > 0.05 {
				n++
			}
		}
		return n
	}
	long := base
	long.Length, long.Ridge = 10, 0.1
	xl, err := e.Explore(long)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := width(xs.Atoms[:784]), width(xl.Atoms[:784]); a > 5 || b < 30 {
		t.Errorf("atom support %d pixels at ℓ = 0.5, %d at ℓ = 10: want a dot and a blob", a, b)
	}
	if a, b := width(xs.Row), width(xl.Row); a > 5 || b < 500 {
		t.Errorf("kernel row support %d pixels at ℓ = 0.5, %d at ℓ = 10: want a dot and a blob", a, b)
	}
	emp := base
	emp.Kernel, emp.Ridge = "emp", 0.001
	if _, err := e.Explore(emp); err != nil {
		t.Errorf("emp: %v", err)
	}
	c, err := e.CurvePoint(base, 2)
	if err != nil || math.Abs(c-x.Error) > 1e-9 {
		t.Errorf("curve at ℓ = 2: %v, %v; Explore says %v", c, err, x.Error)
	}
	for _, bad := range []ExploreSettings{{Kernel: "x", Length: 1, Fraction: 0.1}, {Kernel: "se", Length: 0, Fraction: 0.1}, {Kernel: "se", Length: 1, Fraction: 2}, {Kernel: "se", Length: 1, Fraction: 0.1, Pixel: 784}} {
		if _, err := e.Explore(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	t0 := time.Now()
	for i := 0; i < 5; i++ {
		base.Length = 1 + float64(i)
		e.Explore(base)
	}
	t.Logf("explore: %.1f ms each (native)", float64(time.Since(t0).Microseconds())/5000)
}
