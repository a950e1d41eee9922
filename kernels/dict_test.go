package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/predparams/predparams/engine/gemm"
	"gonum.org/v1/gonum/mat"
)

// gram returns UᵀU for the n×m matrix u, in float64.
func gram(u []float32, n, m int) *mat.Dense {
	g := mat.NewDense(m, m, nil)
	for i := 0; i < n; i++ {
		row := u[i*m : (i+1)*m]
		for a := 0; a < m; a++ {
			for b := 0; b < m; b++ {
				g.Set(a, b, g.At(a, b)+float64(row[a])*float64(row[b]))
			}
		}
	}
	return g
}

// checkOrthonormal fails t unless the columns of u (n×m) are orthonormal to tol.
func checkOrthonormal(t *testing.T, u []float32, n, m int, tol float64) {
	t.Helper()
	g := gram(u, n, m)
	for a := 0; a < m; a++ {
		for b := 0; b < m; b++ {
			want := 0.0
			if a == b {
				want = 1
			}
			if d := math.Abs(g.At(a, b) - want); d > tol {
				t.Fatalf("(UᵀU)[%d,%d] = %g, want %g", a, b, g.At(a, b), want)
			}
		}
	}
}

// column returns column j of the n×m matrix u.
func column(u []float32, n, m, j int) []float32 {
	c := make([]float32, n)
	for i := range c {
		c[i] = u[i*m+j]
	}
	return c
}

func TestDCT(t *testing.T) {
	for _, tc := range []struct{ h, w, c int }{{1, 1, 1}, {8, 8, 1}, {5, 7, 1}, {4, 3, 2}, {5, 5, 3}} {
		t.Run(fmt.Sprintf("%dx%dx%d", tc.h, tc.w, tc.c), func(t *testing.T) {
			n := tc.h * tc.w * tc.c
			full, err := DCT(tc.h, tc.w, tc.c, n, Leading, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkOrthonormal(t, full, n, n, 1e-6)

			// The first atom of each channel is constant over that channel's pixels.
			for ch := 0; ch < tc.c; ch++ {
				want := float32(1 / math.Sqrt(float64(tc.h*tc.w)))
				for p := 0; p < n; p++ {
					got := full[p*n+ch]
					if p%tc.c != ch && got != 0 || p%tc.c == ch && math.Abs(float64(got-want)) > 1e-7 {
						t.Fatalf("atom %d at position %d = %g", ch, p, got)
					}
				}
			}

			// Leading m is a prefix of the full basis; Random m a sorted subset of it.
			m := (n + 1) / 2
			lead, err := DCT(tc.h, tc.w, tc.c, m, Leading, nil)
			if err != nil {
				t.Fatal(err)
			}
			for j := 0; j < m; j++ {
				if !slices.Equal(column(lead, n, m, j), column(full, n, n, j)) {
					t.Fatalf("leading atom %d differs from the full basis", j)
				}
			}
			rnd, err := DCT(tc.h, tc.w, tc.c, m, Random, rand.New(rand.NewPCG(1, 0)))
			if err != nil {
				t.Fatal(err)
			}
			k := 0
			for j := 0; j < m; j++ {
				col := column(rnd, n, m, j)
				for k < n && !slices.Equal(col, column(full, n, n, k)) {
					k++
				}
				if k == n {
					t.Fatalf("random atom %d is not in the full basis, in order", j)
				}
			}
		})
	}
}

// TestDCTOrder checks the frequency order (u+v, then u) on a 3×3 grid.
func TestDCTOrder(t *testing.T) {
	u, err := DCT(3, 3, 1, 9, Leading, nil)
	if err != nil {
		t.Fatal(err)
	}
	order := [][2]int{{0, 0}, {0, 1}, {1, 0}, {0, 2}, {1, 1}, {2, 0}, {1, 2}, {2, 1}, {2, 2}}
	for j, f := range order {
		for y := 0; y < 3; y++ {
			for x := 0; x < 3; x++ {
				want := dct1(3, f[0], y) * dct1(3, f[1], x)
				if got := float64(u[(y*3+x)*9+j]); math.Abs(got-want) > 1e-7 {
					t.Fatalf("atom %d at (%d,%d) = %g, want frequency %v: %g", j, y, x, got, f, want)
				}
			}
		}
	}
}

func TestDCTErrors(t *testing.T) {
	for _, tc := range []struct {
		h, w, c, m int
		pick       Pick
		r          *rand.Rand
	}{
		{0, 3, 1, 1, Leading, nil},
		{3, 3, 0, 1, Leading, nil},
		{3, 3, 1, 0, Leading, nil},
		{3, 3, 1, 10, Leading, nil},
		{3, 3, 1, 2, Random, nil},
		{3, 3, 1, 2, Pick(7), nil},
	} {
		if _, err := DCT(tc.h, tc.w, tc.c, tc.m, tc.pick, tc.r); err == nil {
			t.Errorf("%+v: no error", tc)
		}
	}
}

func TestPCA(t *testing.T) {
	const n, d = 600, 12
	// Columns of decreasing spread, mixed by a fixed rotation-like combination.
	x := randData(21, n, d, -1, 1)
	for r := 0; r < n; r++ {
		row := x[r*d : (r+1)*d]
		for j := range row {
			row[j] *= float32(d - j)
		}
		row[3] += 0.5 * row[0]
		row[7] -= 0.3 * row[1]
	}
	cov := naiveCov(x, n, d, false)
	rayleigh := func(u []float32, m, j int) float64 {
		var s float64
		for a := 0; a < d; a++ {
			for b := 0; b < d; b++ {
				s += float64(u[a*m+j]) * cov[a*d+b] * float64(u[b*m+j])
			}
		}
		return s
	}
	var eig mat.EigenSym
	eig.Factorize(mat.NewSymDense(d, cov), false)
	vals := eig.Values(nil) // ascending

	g := gemm.Best(2)
	full, err := PCA(g, x, n, d, d, Leading, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkOrthonormal(t, full, d, d, 1e-5)
	for j := 0; j < d; j++ {
		got, want := rayleigh(full, d, j), vals[d-1-j]
		if math.Abs(got-want) > 1e-5*vals[d-1] {
			t.Errorf("direction %d: variance %g, want eigenvalue %g", j, got, want)
		}
		if j > 0 && got > rayleigh(full, d, j-1) {
			t.Errorf("direction %d: variance %g above direction %d's", j, got, j-1)
		}
	}

	lead, err := PCA(g, x, n, d, 4, Leading, nil)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 4; j++ {
		if !slices.Equal(column(lead, d, 4, j), column(full, d, d, j)) {
			t.Errorf("leading direction %d differs from the full set", j)
		}
	}
	rnd, err := PCA(g, x, n, d, 5, Random, rand.New(rand.NewPCG(4, 0)))
	if err != nil {
		t.Fatal(err)
	}
	checkOrthonormal(t, rnd, d, 5, 1e-5)
	for j := 1; j < 5; j++ {
		if rayleigh(rnd, 5, j) > rayleigh(rnd, 5, j-1) {
			t.Errorf("random directions not in decreasing variance")
		}
	}

	for _, tc := range []struct {
		m    int
		pick Pick
		r    *rand.Rand
	}{{0, Leading, nil}, {d + 1, Leading, nil}, {3, Random, nil}, {3, Pick(9), nil}} {
		if _, err := PCA(g, x, n, d, tc.m, tc.pick, tc.r); err == nil {
			t.Errorf("%+v: no error", tc)
		}
	}
	if _, err := PCA(g, x[:10], 1, 10, 2, Leading, nil); err == nil {
		t.Error("one row: no error")
	}
}

func TestRandCon(t *testing.T) {
	const n = 30
	alpha := []int{2, 29, 0, 17}
	u, err := RandCon(n, alpha)
	if err != nil {
		t.Fatal(err)
	}
	m := len(alpha)
	for j, p := range alpha {
		ones := 0
		for i := 0; i < n; i++ {
			switch v := u[i*m+j]; {
			case v == 1 && i == p:
				ones++
			case v != 0:
				t.Fatalf("U[%d,%d] = %g", i, j, v)
			}
		}
		if ones != 1 {
			t.Errorf("column %d: %d ones at α", j, ones)
		}
	}
	if _, err := RandCon(n, []int{1, 1}); err == nil {
		t.Error("duplicate α: no error")
	}
	if _, err := RandCon(n, []int{30}); err == nil {
		t.Error("α out of range: no error")
	}
}

func TestRandomDictionaries(t *testing.T) {
	const n, m = 200, 50
	u, err := RandFixU(rand.New(rand.NewPCG(1, 0)), n, m, PaperRandFixScale)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := RandFixU(rand.New(rand.NewPCG(1, 0)), n, m, PaperRandFixScale)
	if !slices.Equal(u, again) {
		t.Error("RandFixU: same seed, different U")
	}
	var s, s2 float64
	for _, v := range u {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	mean, std := s/(n*m), math.Sqrt(s2/(n*m))
	if math.Abs(mean) > 0.005 || math.Abs(std-0.1) > 0.005 {
		t.Errorf("RandFixU: mean %g, std %g; want 0, 0.1", mean, std)
	}

	l, err := LowRankInit(rand.New(rand.NewPCG(2, 0)), n, m, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := slices.Min(l), slices.Max(l)
	if lo < -0.05 || hi > 0.05 || lo > -0.045 || hi < 0.045 {
		t.Errorf("LowRankInit: range [%g, %g], want to fill [−0.05, 0.05]", lo, hi)
	}

	for _, tc := range []struct{ n, m int }{{0, 5}, {5, 0}, {-1, 3}} {
		if _, err := RandFixU(rand.New(rand.NewPCG(1, 0)), tc.n, tc.m, 1); err == nil {
			t.Errorf("RandFixU %d×%d: no error", tc.n, tc.m)
		}
		if _, err := LowRankInit(rand.New(rand.NewPCG(1, 0)), tc.n, tc.m, 1); err == nil {
			t.Errorf("LowRankInit %d×%d: no error", tc.n, tc.m)
		}
	}
	if _, err := RandFixU(nil, 3, 3, 1); err == nil {
		t.Error("RandFixU nil source: no error")
	}
}

func TestNormalizeColumns(t *testing.T) {
	u := []float32{
		3, 0, 1,
		4, 0, -1,
	}
	norms := NormalizeColumns(u, 2, 3)
	want := []float32{0.6, 0, float32(1 / math.Sqrt2), 0.8, 0, float32(-1 / math.Sqrt2)}
	for i := range u {
		if math.Abs(float64(u[i]-want[i])) > 1e-7 {
			t.Fatalf("U = %v, want %v", u, want)
		}
	}
	if math.Abs(norms[0]-5) > 1e-12 || norms[1] != 0 || math.Abs(norms[2]-math.Sqrt2) > 1e-12 {
		t.Errorf("norms = %v, want [5 0 √2]", norms)
	}
}
