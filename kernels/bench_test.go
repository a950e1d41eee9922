package kernels

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/predparams/predparams/engine/gemm"
)

// BenchmarkKRR times the SE dictionary of an MNIST first layer (784 positions, ℓ=2, λ=0.1)
// at the sizes of the paper's sweeps.
func BenchmarkKRR(b *testing.B) {
	k := SE{H: 28, W: 28, C: 1, Length: PaperSELength}
	for _, m := range []int{39, 196, 392} {
		b.Run(fmt.Sprintf("alpha=%d", m), func(b *testing.B) {
			alpha := mustAlpha(b, 1, 784, m)
			for b.Loop() {
				if _, err := KRR(k, alpha, PaperSERidge); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEmp times the covariance of the 60000×784 MNIST training set (random data under
// js/wasm or -short) on gemm.Best with GOMAXPROCS threads: the start-up cost of an Emp layer.
func BenchmarkEmp(b *testing.B) {
	const n, d = 60000, 784
	var x []float32
	if runtime.GOOS == "js" || testing.Short() {
		x = randData(1, n, d, 0, 1)
	} else {
		x = mnistRows(b, n)
	}
	g := gemm.Best(runtime.GOMAXPROCS(0))
	b.SetBytes(int64(len(x) * 4))
	for b.Loop() {
		if _, err := NewEmp(g, x, n, d); err != nil {
			b.Fatal(err)
		}
	}
}
