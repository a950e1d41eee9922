package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// kernelMatrix returns the full n×n matrix of k.
func kernelMatrix(k Kernel) *mat.Dense {
	n := k.Len()
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			m.Set(i, j, k.At(i, j))
		}
	}
	return m
}

// checkSymPSD fails t unless k is exactly symmetric and its smallest eigenvalue is at least
// −tol times its trace.
func checkSymPSD(t *testing.T, k Kernel, tol float64) {
	t.Helper()
	n := k.Len()
	s := mat.NewSymDense(n, nil)
	var trace float64
	for i := 0; i < n; i++ {
		trace += k.At(i, i)
		for j := i; j < n; j++ {
			if a, b := k.At(i, j), k.At(j, i); a != b {
				t.Fatalf("k(%d,%d)=%g but k(%d,%d)=%g", i, j, a, j, i, b)
			}
			s.SetSym(i, j, k.At(i, j))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(s, false) {
		t.Fatal("eigen-decomposition failed")
	}
	if lo := eig.Values(nil)[0]; lo < -tol*trace {
		t.Errorf("smallest eigenvalue %g < −%g·trace (trace %g)", lo, tol, trace)
	}
}

// relErr returns ‖got − want‖_F / ‖want‖_F.
func relErr(got []float32, want []float64) float64 {
	var num, den float64
	for i, w := range want {
		d := float64(got[i]) - w
		num += d * d
		den += w * w
	}
	return math.Sqrt(num / den)
}

// randData returns n×d data uniform in [lo, hi) from seed.
func randData(seed uint64, n, d int, lo, hi float32) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n*d)
	for i := range x {
		x[i] = lo + (hi-lo)*r.Float32()
	}
	return x
}

// naiveCov returns the covariance of the rows of x (n×d), or of their squares, by the
// textbook two-pass formula in float64.
func naiveCov(x []float32, n, d int, square bool) []float64 {
	v := make([]float64, len(x))
	for i, xi := range x {
		v[i] = float64(xi)
		if square {
			v[i] *= v[i]
		}
	}
	mean := make([]float64, d)
	for r := 0; r < n; r++ {
		for j := 0; j < d; j++ {
			mean[j] += v[r*d+j] / float64(n)
		}
	}
	c := make([]float64, d*d)
	for r := 0; r < n; r++ {
		for i := 0; i < d; i++ {
			ci := v[r*d+i] - mean[i]
			for j := 0; j < d; j++ {
				c[i*d+j] += ci * (v[r*d+j] - mean[j]) / float64(n-1)
			}
		}
	}
	return c
}
