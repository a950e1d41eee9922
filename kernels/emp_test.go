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

// TestEmpColumnsAgainstFull checks the column-subset covariances against the full ones, entry
// by entry, and the KRR dictionaries built from each.
func TestEmpColumnsAgainstFull(t *testing.T) {
	g := gemm.Best(2)
	for _, tc := range []struct {
		name string
		n, d int
		cols []int
	}{
		{"one column", 40, 9, []int{4}},
		{"unsorted", 600, 30, []int{17, 2, 29, 0, 11}},
		{"all columns", 513, 12, []int{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
		{"two chunks", 1100, 50, []int{1, 3, 5, 7, 9, 20, 40, 49}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := randData(uint64(tc.n), tc.n, tc.d, -0.2, 1)
			for _, square := range []bool{false, true} {
				full, part := Kernel(nil), (*EmpColumns)(nil)
				var err error
				if square {
					full, err = NewEmp2(g, x, tc.n, tc.d)
					if err == nil {
						part, err = NewEmp2Columns(g, x, tc.n, tc.d, tc.cols)
					}
				} else {
					full, err = NewEmp(g, x, tc.n, tc.d)
					if err == nil {
						part, err = NewEmpColumns(g, x, tc.n, tc.d, tc.cols)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				var scale float64
				for i := 0; i < tc.d; i++ {
					scale = math.Max(scale, math.Abs(full.At(i, i)))
				}
				for i := 0; i < tc.d; i++ {
					for _, p := range tc.cols {
						if d := math.Abs(part.At(i, p) - full.At(i, p)); d > 1e-6*scale {
							t.Fatalf("square %v: cov(%d, %d) = %g from the columns, %g from the full matrix", square, i, p, part.At(i, p), full.At(i, p))
						}
						if part.At(i, p) != part.At(p, i) {
							t.Fatalf("square %v: At(%d, %d) = %g but At(%d, %d) = %g", square, i, p, part.At(i, p), p, i, part.At(p, i))
						}
					}
				}
				uf, err := KRR(full, tc.cols, PaperEmpRidge)
				if err != nil {
					t.Fatal(err)
				}
				up, err := KRR(part, tc.cols, PaperEmpRidge)
				if err != nil {
					t.Fatal(err)
				}
				want := make([]float64, len(uf))
				for i, v := range uf {
					want[i] = float64(v)
				}
				if e := relErr(up, want); e > 1e-5 {
					t.Errorf("square %v: KRR dictionaries from the columns and the full matrix differ by %g (relative)", square, e)
				}
			}
		})
	}
}

func TestEmpColumnsErrors(t *testing.T) {
	g := gemm.Best(1)
	x := randData(1, 10, 4, 0, 1)
	for _, tc := range []struct {
		name string
		x    []float32
		n, d int
		cols []int
	}{
		{"no columns", x, 10, 4, nil},
		{"repeated column", x, 10, 4, []int{1, 1}},
		{"column out of range", x, 10, 4, []int{4}},
		{"negative column", x, 10, 4, []int{-1}},
		{"one row", x[:4], 1, 4, []int{0}},
		{"short data", x[:39], 10, 4, []int{0}},
		{"no inputs", nil, 10, 0, []int{0}},
	} {
		if _, err := NewEmpColumns(g, tc.x, tc.n, tc.d, tc.cols); err == nil {
			t.Errorf("%s: NewEmpColumns succeeded", tc.name)
		}
		if _, err := NewEmp2Columns(g, tc.x, tc.n, tc.d, tc.cols); err == nil {
			t.Errorf("%s: NewEmp2Columns succeeded", tc.name)
		}
	}
	e, err := NewEmpColumns(g, x, 10, 4, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("At of a pair outside the columns did not panic")
		}
	}()
	e.At(0, 1)
}
