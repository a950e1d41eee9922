package kernels

import (
	"errors"
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/mnist"
	"github.com/predparams/predparams/engine/gemm"
)

// mnistTrain loads the MNIST training set once per test binary.
var mnistTrain = sync.OnceValues(func() (*data.Dataset, error) {
	train, _, err := mnist.Load("")
	return train, err
})

// mnistRows returns the first n training images (n×784), or skips t where MNIST is not
// practical.
func mnistRows(tb testing.TB, n int) []float32 {
	tb.Helper()
	if runtime.GOOS == "js" {
		tb.Skip("MNIST tests are skipped under js/wasm: mnist.Load locates the MNIST module through the module cache or the go command, which the wasm test binary cannot reach")
	}
	if testing.Short() {
		tb.Skip("MNIST tests are skipped in -short mode")
	}
	train, err := mnistTrain()
	if err != nil {
		tb.Fatalf("loading MNIST: %v", err)
	}
	if d := train.H * train.W * train.C; d != 784 {
		tb.Fatalf("MNIST images have %d pixels, want 784", d)
	}
	return train.X[:n*784]
}

func TestMNISTCovariance(t *testing.T) {
	const n = 5000
	x := mnistRows(t, n)
	g := gemm.Best(2)
	emp, err := NewEmp(g, x, n, 784)
	if err != nil {
		t.Fatal(err)
	}
	emp2, err := NewEmp2(g, x, n, 784)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Emp PSD", func(t *testing.T) { checkSymPSD(t, emp, 1e-9) })
	t.Run("Emp2 PSD", func(t *testing.T) { checkSymPSD(t, emp2, 1e-9) })

	// The corner pixel is blank in every image: its row and column are exactly zero.
	for j := 0; j < 784; j++ {
		if emp.At(0, j) != 0 || emp2.At(j, 0) != 0 {
			t.Fatalf("covariance of the corner pixel with pixel %d is not zero", j)
		}
	}

	const m = 1000
	want := naiveCov(x[:m*784], m, 784, false)
	sub, err := NewEmp(g, x[:m*784], m, 784)
	if err != nil {
		t.Fatal(err)
	}
	var num, den float64
	for i, w := range want {
		num += (sub.Cov[i] - w) * (sub.Cov[i] - w)
		den += w * w
	}
	if rel := math.Sqrt(num / den); rel > 1e-5 {
		t.Errorf("Emp of %d MNIST rows: relative error %g against float64", m, rel)
	}
}

// TestMNISTSingular checks method.md §13: α touching the blank border needs λ > 0.
func TestMNISTSingular(t *testing.T) {
	const n = 5000
	x := mnistRows(t, n)
	g := gemm.Best(2)
	emp, err := NewEmp(g, x, n, 784)
	if err != nil {
		t.Fatal(err)
	}
	emp2, err := NewEmp2(g, x, n, 784)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := SampleColumns(1, 784, 150, 2)
	if err != nil {
		t.Fatal(err)
	}
	border := []int{0, 1, 27, 28, 406, 783} // corners and edges, plus the centre pixel 406
	for _, k := range []Kernel{emp, emp2} {
		for _, alpha := range [][]int{border, cols[0], cols[1]} {
			u, err := KRR(k, alpha, PaperEmpRidge)
			if err != nil {
				t.Fatalf("%T |α|=%d λ=%g: %v", k, len(alpha), PaperEmpRidge, err)
			}
			for _, v := range u {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%T |α|=%d: non-finite U", k, len(alpha))
				}
			}
			_, err = KRR(k, alpha, 0)
			var npd *NotPDError
			if !errors.As(err, &npd) {
				t.Errorf("%T |α|=%d λ=0: err = %v, want *NotPDError", k, len(alpha), err)
			} else {
				t.Logf("%T |α|=%d: %v", k, len(alpha), err)
			}
		}
	}
}
