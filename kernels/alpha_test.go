package kernels

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSampleAlpha(t *testing.T) {
	for _, tc := range []struct{ n, m int }{
		{1, 1}, {10, 1}, {10, 10}, {784, 39}, {784, 392}, {25, 6}, {1600, 384},
	} {
		a, err := SampleAlpha(rand.New(rand.NewPCG(7, 0)), tc.n, tc.m)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != tc.m {
			t.Fatalf("n=%d m=%d: %d positions", tc.n, tc.m, len(a))
		}
		for i, p := range a {
			if p < 0 || p >= tc.n {
				t.Fatalf("n=%d m=%d: position %d out of range", tc.n, tc.m, p)
			}
			if i > 0 && p <= a[i-1] {
				t.Fatalf("n=%d m=%d: not sorted and distinct: %v", tc.n, tc.m, a)
			}
		}
		b, _ := SampleAlpha(rand.New(rand.NewPCG(7, 0)), tc.n, tc.m)
		if !slices.Equal(a, b) {
			t.Errorf("n=%d m=%d: same seed, different α", tc.n, tc.m)
		}
	}
	for _, tc := range []struct{ n, m int }{{10, 0}, {10, 11}, {0, 0}, {-1, 1}, {5, -1}} {
		if _, err := SampleAlpha(rand.New(rand.NewPCG(1, 0)), tc.n, tc.m); err == nil {
			t.Errorf("n=%d m=%d: no error", tc.n, tc.m)
		}
	}
	if _, err := SampleAlpha(nil, 10, 3); err == nil {
		t.Error("nil source: no error")
	}
}

// TestSampleAlphaUniform is a chi-square test of how often each position is drawn. It would
// fail for an off-by-one that never draws position n−1 (or 0).
func TestSampleAlphaUniform(t *testing.T) {
	const n, m, draws = 10, 3, 20000
	r := rand.New(rand.NewPCG(2013, 0))
	count := make([]int, n)
	for range draws {
		a, err := SampleAlpha(r, n, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range a {
			count[p]++
		}
	}
	want := float64(draws*m) / n
	var chi2 float64
	for _, c := range count {
		chi2 += (float64(c) - want) * (float64(c) - want) / want
	}
	// 9 degrees of freedom: P(χ² > 27.9) = 0.001.
	if chi2 > 27.9 {
		t.Errorf("χ² = %.1f > 27.9 over counts %v (want %.0f each)", chi2, count, want)
	}
}

func TestSampleColumns(t *testing.T) {
	cols, err := SampleColumns(42, 784, 150, 5)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := SampleColumns(42, 784, 150, 5)
	other, _ := SampleColumns(43, 784, 150, 5)
	if len(cols) != 5 {
		t.Fatalf("%d columns, want 5", len(cols))
	}
	for j, a := range cols {
		if err := CheckAlpha(784, a); err != nil || len(a) != 150 || !slices.IsSorted(a) {
			t.Errorf("column %d: bad α (%v)", j, err)
		}
		if !slices.Equal(a, again[j]) {
			t.Errorf("column %d: same seed, different α", j)
		}
		if slices.Equal(a, other[j]) {
			t.Errorf("column %d: seeds 42 and 43 give the same α", j)
		}
		if j > 0 && slices.Equal(a, cols[j-1]) {
			t.Errorf("columns %d and %d share α", j-1, j)
		}
	}
	for _, tc := range []struct{ n, m, J int }{{784, 150, 0}, {784, 0, 5}, {10, 11, 1}} {
		if _, err := SampleColumns(1, tc.n, tc.m, tc.J); err == nil {
			t.Errorf("n=%d m=%d J=%d: no error", tc.n, tc.m, tc.J)
		}
	}
}

func TestSampleTied(t *testing.T) {
	const h, w, c, m = 5, 5, 3, 6
	a, err := SampleTied(rand.New(rand.NewPCG(3, 0)), h, w, c, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != m*c || !slices.IsSorted(a) {
		t.Fatalf("α = %v: want %d sorted positions", a, m*c)
	}
	if err := CheckAlpha(h*w*c, a); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(a); i += c {
		for ch := 0; ch < c; ch++ {
			if a[i+ch] != a[i]+ch || a[i]%c != 0 {
				t.Fatalf("α = %v: channels of a pixel not tied", a)
			}
		}
	}
	for _, tc := range [][4]int{{0, 5, 3, 1}, {5, 5, 0, 1}, {5, 5, 3, 26}, {5, 5, 3, 0}} {
		if _, err := SampleTied(rand.New(rand.NewPCG(3, 0)), tc[0], tc[1], tc[2], tc[3]); err == nil {
			t.Errorf("%v: no error", tc)
		}
	}
}
