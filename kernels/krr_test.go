package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine/gemm"
	"gonum.org/v1/gonum/mat"
)

// denseKRR is KRR by an explicit LU inverse of K(α,α) + λI, as a reference.
func denseKRR(t *testing.T, k Kernel, alpha []int, lambda float64) []float64 {
	t.Helper()
	n, m := k.Len(), len(alpha)
	a := mat.NewDense(m, m, nil)
	for i, p := range alpha {
		for j, q := range alpha {
			a.Set(i, j, k.At(p, q))
		}
		a.Set(i, i, a.At(i, i)+lambda)
	}
	var inv mat.Dense
	if err := inv.Inverse(a); err != nil {
		t.Fatalf("reference inverse: %v", err)
	}
	kna := mat.NewDense(n, m, nil)
	for i := 0; i < n; i++ {
		for j, q := range alpha {
			kna.Set(i, j, k.At(i, q))
		}
	}
	var u mat.Dense
	u.Mul(kna, &inv)
	return u.RawMatrix().Data
}

func mustAlpha(t testing.TB, seed uint64, n, m int) []int {
	t.Helper()
	a, err := SampleAlpha(rand.New(rand.NewPCG(seed, 0)), n, m)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestKRRAgainstDense(t *testing.T) {
	x := randData(9, 400, 60, 0, 1)
	emp, err := NewEmp(gemm.Best(2), x, 400, 60)
	if err != nil {
		t.Fatal(err)
	}
	emp2, err := NewEmp2(gemm.Best(2), x, 400, 60)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		k      Kernel
		m      int
		lambda float64
	}{
		{"SE 28×28 ℓ=2", SE{H: 28, W: 28, C: 1, Length: 2}, 39, 0.1},
		{"SE 28×28 ℓ=2", SE{H: 28, W: 28, C: 1, Length: 2}, 150, 0.1},
		{"SE 28×28 ℓ=1", SE{H: 28, W: 28, C: 1, Length: 1}, 100, 1e-3},
		{"SE 5×5×4 ℓ=3 masked", SE{H: 5, W: 5, C: 4, Length: 3}, 24, 0.1},
		{"SE 5×5×4 ℓ=3 shared", SE{H: 5, W: 5, C: 4, Length: 3, SharedChannels: true}, 6, 0.1},
		{"SE 3×3 all positions", SE{H: 3, W: 3, C: 1, Length: 1}, 9, 1e-2},
		{"Emp", emp, 10, 1e-3},
		{"Emp", emp, 45, 1e-3},
		{"Emp", emp, 60, 1},
		{"Emp2", emp2, 30, 1e-3},
	} {
		t.Run(fmt.Sprintf("%s m=%d λ=%g", tc.name, tc.m, tc.lambda), func(t *testing.T) {
			alpha := mustAlpha(t, uint64(tc.m), tc.k.Len(), tc.m)
			u, err := KRR(tc.k, alpha, tc.lambda)
			if err != nil {
				t.Fatal(err)
			}
			if rel := relErr(u, denseKRR(t, tc.k, alpha, tc.lambda)); rel > 1e-6 {
				t.Errorf("relative error %g > 1e-6", rel)
			}
		})
	}
}

// TestKRRIdentityAtAlpha checks that U's rows at α tend to the identity as λ → 0:
// U_α = K(K + λI)⁻¹ = I − λ(K + λI)⁻¹.
func TestKRRIdentityAtAlpha(t *testing.T) {
	for _, tc := range []struct {
		k Kernel
		m int
	}{
		{SE{H: 28, W: 28, C: 1, Length: 2}, 39},
		{SE{H: 10, W: 10, C: 1, Length: 1}, 30},
		{SE{H: 5, W: 5, C: 3, Length: 3}, 18},
	} {
		alpha := mustAlpha(t, 1, tc.k.Len(), tc.m)
		prev := math.Inf(1)
		for _, lambda := range []float64{1e-2, 1e-4, 1e-6} {
			u, err := KRR(tc.k, alpha, lambda)
			if err != nil {
				t.Fatal(err)
			}
			var e float64
			for a, p := range alpha {
				for b := range alpha {
					want := 0.0
					if a == b {
						want = 1
					}
					e = max(e, math.Abs(float64(u[p*tc.m+b])-want))
				}
			}
			t.Logf("%+v m=%d λ=%g: max |U_α − I| = %.3g", tc.k, tc.m, lambda, e)
			if !(e < prev) {
				t.Errorf("%+v λ=%g: error %g did not decrease from %g", tc.k, lambda, e, prev)
			}
			prev = e
		}
		if prev > 1e-3 {
			t.Errorf("%+v: error %g at λ=1e-6 > 1e-3", tc.k, prev)
		}
	}
}

// constantColumnData is n×d random data in [0, 1) whose listed columns are constant, like
// MNIST's blank border pixels.
func constantColumnData(n, d int, zero []int, half []int) []float32 {
	x := randData(11, n, d, 0, 1)
	for r := 0; r < n; r++ {
		for _, j := range zero {
			x[r*d+j] = 0
		}
		for _, j := range half {
			x[r*d+j] = 0.5
		}
	}
	return x
}

func TestKRRSingularCovariance(t *testing.T) {
	const n, d = 300, 50
	x := constantColumnData(n, d, []int{0, 1, 2, 49}, []int{25})
	g := gemm.Best(2)
	emp, err := NewEmp(g, x, n, d)
	if err != nil {
		t.Fatal(err)
	}
	emp2, err := NewEmp2(g, x, n, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []Kernel{emp, emp2} {
		for _, alpha := range [][]int{{0, 5, 10}, {3, 25, 40}, {1, 2, 49, 17}} {
			u, err := KRR(k, alpha, PaperEmpRidge)
			if err != nil {
				t.Errorf("%T α=%v λ=%g: %v", k, alpha, PaperEmpRidge, err)
			}
			for _, v := range u {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%T α=%v: non-finite U", k, alpha)
				}
			}
			_, err = KRR(k, alpha, 0)
			var npd *NotPDError
			if !errors.As(err, &npd) {
				t.Fatalf("%T α=%v λ=0: err = %v, want *NotPDError", k, alpha, err)
			}
			if npd.Size != len(alpha) || npd.Lambda != 0 {
				t.Errorf("NotPDError = %+v, want Size %d, Lambda 0", npd, len(alpha))
			}
			if msg := err.Error(); !strings.Contains(msg, "increase the ridge") ||
				!strings.Contains(msg, fmt.Sprintf("|α|=%d", len(alpha))) {
				t.Errorf("message %q does not name |α| and the fix", msg)
			}
		}
	}
	want := "kernels: K(α,α)+λI is not positive definite (|α|=39, λ=0): increase the ridge"
	if got := (&NotPDError{Size: 39}).Error(); got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestKRRErrors(t *testing.T) {
	se := SE{H: 4, W: 4, C: 1, Length: 2}
	for _, tc := range []struct {
		name   string
		k      Kernel
		alpha  []int
		lambda float64
	}{
		{"nil kernel", nil, []int{0}, 0.1},
		{"empty α", se, nil, 0.1},
		{"duplicate", se, []int{1, 3, 1}, 0.1},
		{"negative position", se, []int{-1, 3}, 0.1},
		{"position n", se, []int{2, 16}, 0.1},
		{"|α| > n", se, make([]int, 17), 0.1},
		{"negative λ", se, []int{1, 2}, -0.1},
		{"NaN λ", se, []int{1, 2}, math.NaN()},
		{"Inf λ", se, []int{1, 2}, math.Inf(1)},
		{"bad SE", SE{H: 4, W: 4, C: 1}, []int{1, 2}, 0.1},
		{"bad Emp", &Emp{D: 3, Cov: make([]float64, 8)}, []int{1, 2}, 0.1},
		{"empty Emp2", &Emp2{}, []int{0}, 0.1},
	} {
		if _, err := KRR(tc.k, tc.alpha, tc.lambda); err == nil {
			t.Errorf("%s: KRR succeeded", tc.name)
		}
		if tc.lambda == 0.1 {
			if _, err := Raw(tc.k, tc.alpha); err == nil {
				t.Errorf("%s: Raw succeeded", tc.name)
			}
		}
	}
}

func TestRaw(t *testing.T) {
	for _, k := range []Kernel{
		SE{H: 6, W: 5, C: 1, Length: 1},
		SE{H: 3, W: 3, C: 2, Length: 2},
		&Emp{D: 3, Cov: []float64{2, 1, 0, 1, 3, -1, 0, -1, 4}},
	} {
		alpha := mustAlpha(t, 5, k.Len(), 3)
		u, err := Raw(k, alpha)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < k.Len(); i++ {
			for j, p := range alpha {
				if got, want := u[i*3+j], float32(k.At(i, p)); got != want {
					t.Fatalf("%+v: U[%d,%d] = %g, want %g", k, i, j, got, want)
				}
			}
		}
	}
}
