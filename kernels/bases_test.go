package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSeparableBases checks the Fourier and Haar bases against what makes
// them bases: the full set is orthonormal, the first atom of each channel
// is the constant, Leading m is a prefix of the full basis, and the order
// is coarse to fine.
func TestSeparableBases(t *testing.T) {
	bases := []struct {
		name  string
		build func(h, w, c, m int, pick Pick, r *rand.Rand) ([]float32, error)
	}{{"fourier", Fourier}, {"haar", Haar}}
	for _, b := range bases {
		for _, g := range []struct{ h, w, c int }{{1, 1, 1}, {8, 8, 1}, {5, 7, 1}, {4, 3, 2}, {28, 28, 1}} {
			t.Run(fmt.Sprintf("%s/%dx%dx%d", b.name, g.h, g.w, g.c), func(t *testing.T) {
				n := g.h * g.w * g.c
				full, err := b.build(g.h, g.w, g.c, n, Leading, nil)
				if err != nil {
					t.Fatal(err)
				}
				checkOrthonormal(t, full, n, n, 1e-5)
				want := float32(1 / math.Sqrt(float64(g.h*g.w)))
				for p := 0; p < n; p++ {
					if got := full[p*n]; p%g.c == 0 && math.Abs(float64(got-want)) > 1e-6 || p%g.c != 0 && got != 0 {
						t.Fatalf("atom 0 at position %d = %g, want the constant %g on channel 0", p, got, want)
					}
				}
				m := (n + 1) / 2
				lead, err := b.build(g.h, g.w, g.c, m, Leading, nil)
				if err != nil {
					t.Fatal(err)
				}
				for j := 0; j < m; j++ {
					for i := 0; i < n; i++ {
						if lead[i*m+j] != full[i*n+j] {
							t.Fatalf("leading atom %d differs from the full basis", j)
						}
					}
				}
				if _, err := b.build(g.h, g.w, g.c, m, Random, rand.New(rand.NewPCG(1, 2))); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestFourierAtoms checks atoms of the 1-D real Fourier basis by their
// formula, and the order of the 2-D basis by frequency.
func TestFourierAtoms(t *testing.T) {
	const n = 6
	u, err := Fourier(1, n, 1, n, Leading, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := math.Sqrt(2.0 / n)
	want := []func(i float64) float64{
		func(float64) float64 { return 1 / math.Sqrt(n) },
		func(i float64) float64 { return c * math.Cos(2*math.Pi*i/n) },
		func(i float64) float64 { return c * math.Sin(2*math.Pi*i/n) },
		func(i float64) float64 { return c * math.Cos(4*math.Pi*i/n) },
		func(i float64) float64 { return c * math.Sin(4*math.Pi*i/n) },
		func(i float64) float64 { return math.Cos(math.Pi*i) / math.Sqrt(n) },
	}
	for j, f := range want {
		for i := 0; i < n; i++ {
			if got := float64(u[i*n+j]); math.Abs(got-f(float64(i))) > 1e-6 {
				t.Fatalf("atom %d at %d = %g, want %g", j, i, got, f(float64(i)))
			}
		}
	}
}

// TestHaarAtoms checks the 4-sample Haar basis against its textbook form.
func TestHaarAtoms(t *testing.T) {
	u, err := Haar(1, 4, 1, 4, Leading, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, s := 0.5, math.Sqrt(0.5)
	want := [][]float64{{h, h, h, h}, {h, h, -h, -h}, {s, -s, 0, 0}, {0, 0, s, -s}}
	for j, atom := range want {
		for i, v := range atom {
			if got := float64(u[i*4+j]); math.Abs(got-v) > 1e-6 {
				t.Fatalf("atom %d at %d = %g, want %g", j, i, got, v)
			}
		}
	}
}

// TestUpsample checks the bilinear operator against its ground truth: an
// image linear in the coordinates, sampled on the low grid, comes out as
// the same linear image sampled on the high grid, channel by channel; and
// every row sums to 1.
func TestUpsample(t *testing.T) {
	for _, g := range []struct{ h, w, c, lh, lw int }{{28, 28, 1, 14, 14}, {28, 28, 1, 7, 7}, {5, 5, 3, 3, 3}, {6, 4, 1, 1, 2}, {4, 4, 1, 4, 4}} {
		t.Run(fmt.Sprintf("%dx%d-to-%dx%dx%d", g.lh, g.lw, g.h, g.w, g.c), func(t *testing.T) {
			u, err := Upsample(g.h, g.w, g.c, g.lh, g.lw)
			if err != nil {
				t.Fatal(err)
			}
			n, m := g.h*g.w*g.c, g.lh*g.lw*g.c
			// f(Y, X, ch) = 0.3·Y − 0.7·X + ch in high-grid coordinates;
			// low-grid sample (ly, lx) sits at Y = ly·(h−1)/(lh−1).
			pos := func(l, n, ln int) float64 {
				if ln == 1 {
					return 0
				}
				return float64(l) * float64(n-1) / float64(ln-1)
			}
			f := func(y, x float64, ch int) float64 {
				if g.lh == 1 {
					y = 0
				}
				if g.lw == 1 {
					x = 0
				}
				return 0.3*y - 0.7*x + float64(ch)
			}
			v := make([]float64, m)
			for ly := 0; ly < g.lh; ly++ {
				for lx := 0; lx < g.lw; lx++ {
					for ch := 0; ch < g.c; ch++ {
						v[(ly*g.lw+lx)*g.c+ch] = f(pos(ly, g.h, g.lh), pos(lx, g.w, g.lw), ch)
					}
				}
			}
			for y := 0; y < g.h; y++ {
				for x := 0; x < g.w; x++ {
					for ch := 0; ch < g.c; ch++ {
						i := (y*g.w+x)*g.c + ch
						var got, sum float64
						for k := 0; k < m; k++ {
							got += float64(u[i*m+k]) * v[k]
							sum += float64(u[i*m+k])
						}
						if want := f(float64(y), float64(x), ch); math.Abs(got-want) > 1e-4 || math.Abs(sum-1) > 1e-6 {
							t.Fatalf("pixel (%d,%d,%d): %g, want %g; row sum %g", y, x, ch, got, want, sum)
						}
					}
				}
			}
			if n*m != len(u) {
				t.Fatalf("%d entries, want %d", len(u), n*m)
			}
		})
	}
	if _, err := Upsample(4, 4, 1, 5, 2); err == nil {
		t.Fatal("upsampling to a smaller grid was accepted")
	}
}
