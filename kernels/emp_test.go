package kernels

import (
	"fmt"
	"math"
	"testing"

	"github.com/predparams/predparams/engine/gemm"
)

func TestEmpAgainstNaive(t *testing.T) {
	g := gemm.Best(2)
	for _, tc := range []struct {
		n, d   int
		lo, hi float32
	}{
		{2, 3, 0, 1},
		{7, 1, -1, 1},
		{513, 17, 0, 1},        // two chunks, the second of one row
		{1500, 64, 100, 101},   // a large mean next to a small spread
		{1100, 33, -0.01, 0.5}, // mixed signs
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.n, tc.d), func(t *testing.T) {
			x := randData(uint64(tc.n), tc.n, tc.d, tc.lo, tc.hi)
			e, err := NewEmp(g, x, tc.n, tc.d)
			if err != nil {
				t.Fatal(err)
			}
			e2, err := NewEmp2(g, x, tc.n, tc.d)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				got  []float64
				want []float64
			}{
				{"Emp", e.Cov, naiveCov(x, tc.n, tc.d, false)},
				{"Emp2", e2.Cov, naiveCov(x, tc.n, tc.d, true)},
			} {
				var num, den float64
				for i, w := range c.want {
					num += (c.got[i] - w) * (c.got[i] - w)
					den += w * w
				}
				if rel := math.Sqrt(num / den); rel > 1e-5 {
					t.Errorf("%s: relative error %g > 1e-5", c.name, rel)
				}
			}
			if e.Len() != tc.d || e2.Len() != tc.d {
				t.Errorf("Len() = %d, %d, want %d", e.Len(), e2.Len(), tc.d)
			}
		})
	}
}

func TestEmpErrors(t *testing.T) {
	g := gemm.Best(1)
	nan := randData(1, 10, 4, 0, 1)
	nan[17] = float32(math.NaN())
	inf := randData(1, 10, 4, 0, 1)
	inf[3] = float32(math.Inf(-1))
	for _, tc := range []struct {
		name string
		x    []float32
		n, d int
	}{
		{"one row", make([]float32, 4), 1, 4},
		{"no columns", nil, 10, 0},
		{"short data", make([]float32, 39), 10, 4},
		{"long data", make([]float32, 41), 10, 4},
		{"negative", make([]float32, 4), -2, -2},
		{"NaN", nan, 10, 4},
		{"Inf", inf, 10, 4},
	} {
		if _, err := NewEmp(g, tc.x, tc.n, tc.d); err == nil {
			t.Errorf("%s: NewEmp succeeded", tc.name)
		}
		if _, err := NewEmp2(g, tc.x, tc.n, tc.d); err == nil {
			t.Errorf("%s: NewEmp2 succeeded", tc.name)
		}
	}
}
