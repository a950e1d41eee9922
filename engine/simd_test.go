package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestUpdatesMatchGo checks that sgdUpdate and adamUpdate (wasm SIMD when
// built with GOEXPERIMENT=simd) are bit-identical to the plain Go loops,
// for lengths around the vector width and with weight decay.
func TestUpdatesMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 3, 4, 5, 8, 13, 100} {
		for _, wd := range []float32{0, 1e-3} {
			w, g, m, v := randSlice(r, n), randSlice(r, n), randSlice(r, n), randSlice(r, n)
			for i := range v {
				v[i] *= v[i] // Adam's second moment is ≥ 0
			}
			w2, m2, v2 := slices.Clone(w), slices.Clone(m), slices.Clone(v)
			sgdUpdate(w, g, m, 0.1, 0.9, wd)
			sgdUpdateGo(w2, g, m2, 0.1, 0.9, wd)
			if i := sameBits(w, w2); i >= 0 {
				t.Fatalf("sgd n %d wd %g: w[%d] = %v, want %v", n, wd, i, w[i], w2[i])
			}
			if i := sameBits(m, m2); i >= 0 {
				t.Fatalf("sgd n %d wd %g: v[%d] = %v, want %v", n, wd, i, m[i], m2[i])
			}
			adamUpdate(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, wd)
			adamUpdateGo(w2, g, m2, v2, 1e-3, 0.9, 0.999, 1e-8, wd)
			for _, p := range [][2][]float32{{w, w2}, {m, m2}, {v, v2}} {
				if i := sameBits(p[0], p[1]); i >= 0 {
					t.Fatalf("adam n %d wd %g: [%d] = %v, want %v", n, wd, i, p[0][i], p[1][i])
				}
			}
		}
	}
}

// BenchmarkAdamUpdate compares adamUpdate with the plain Go loop over the
// parameters of a 784-256-10 MLP.
func BenchmarkAdamUpdate(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	n := 784*256 + 256 + 256*10 + 10
	w, g, m, v := randSlice(r, n), randSlice(r, n), make([]float32, n), make([]float32, n)
	for _, f := range []struct {
		name string
		f    func(w, g, m, v []float32, step, b1, b2, eps, wd float32)
	}{{"go", adamUpdateGo}, {"best", adamUpdate}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				f.f(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mparams/s")
		})
	}
}
