package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestKRRSolver checks the solver's columns and predictions against KRR.
func TestKRRSolver(t *testing.T) {
	for _, tc := range []struct {
		name   string
		k      Kernel
		m      int
		lambda float64
	}{
		{"SE ℓ=2", SE{H: 12, W: 10, C: 1, Length: 2}, 30, 0.1},
		{"SE ℓ=0.5", SE{H: 12, W: 10, C: 1, Length: 0.5}, 60, 0.01},
		{"SE 2 channels", SE{H: 6, W: 6, C: 2, Length: 1.5}, 20, 0.1},
	} {
		r := rand.New(rand.NewPCG(1, 2))
		alpha, err := SampleAlpha(r, tc.k.Len(), tc.m)
		if err != nil {
			t.Fatal(err)
		}
		u, err := KRR(tc.k, alpha, tc.lambda)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewKRRSolver(tc.k, alpha, tc.lambda)
		if err != nil {
			t.Fatal(err)
		}
		n := tc.k.Len()
		w := make([]float64, tc.m)
		for i := range w {
			w[i] = r.NormFloat64()
		}
		pred, err := s.Predict(w)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			var want float64
			for a := range alpha {
				want += float64(u[i*tc.m+a]) * w[a]
			}
			if math.Abs(pred[i]-want) > 1e-4*(1+math.Abs(want)) {
				t.Fatalf("%s: prediction %d = %v, KRR gives %v", tc.name, i, pred[i], want)
			}
		}
		col, err := s.Column(3)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if math.Abs(col[i]-float64(u[i*tc.m+3])) > 1e-5 {
				t.Fatalf("%s: U[%d, 3] = %v, KRR gives %v", tc.name, i, col[i], u[i*tc.m+3])
			}
		}
		if _, err := s.Column(tc.m); err == nil {
			t.Errorf("%s: column %d of %d gave no error", tc.name, tc.m, tc.m)
		}
		if _, err := s.Predict(w[1:]); err == nil {
			t.Errorf("%s: %d weights for |α|=%d gave no error", tc.name, tc.m-1, tc.m)
		}
	}
	if _, err := NewKRRSolver(SE{H: 4, W: 4, C: 1, Length: 1}, []int{1, 1}, 0.1); err == nil {
		t.Error("a repeated position gave no error")
	}
}
