//go:build amd64

package gemm

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// BenchmarkKernel times each assembly micro-kernel alone on panels that
// stay in L1, the upper bound for the whole product.
func BenchmarkKernel(b *testing.B) {
	for _, cfg := range asmConfigs {
		if !supported(cfg) {
			continue
		}
		for _, kc := range []int{64, 256} {
			a := make([]float32, cfg.mr*kc)
			bp := make([]float32, cfg.nr*kc)
			c := make([]float32, cfg.mr*cfg.nr)
			b.Run(cfg.name+"/kc"+string(rune('0'+kc/64)), func(b *testing.B) {
				for b.Loop() {
					cfg.kern(kc, a, bp, c, cfg.nr, 1, 1, cfg.mr, cfg.nr, 1)
				}
				b.ReportMetric(2*float64(cfg.mr*cfg.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkThreshold compares one thread with two on growing products,
// with the parallel threshold disabled, to choose parallelFlops.
func BenchmarkThreshold(b *testing.B) {
	one := NewAsm(1)
	two := NewAsm(2)
	two.e.minFlops = 0
	shapes := [][3]int{
		{16, 16, 16}, {32, 32, 32}, {48, 48, 48}, {64, 64, 64}, {80, 80, 80}, {100, 100, 100}, {128, 128, 128},
		{100, 64, 100}, {100, 100, 64}, {100, 128, 100}, {100, 256, 100}, {100, 500, 39}, {100, 39, 784}, {100, 10, 500}, {500, 10, 100},
		{100, 500, 10}, {100, 500, 100}, {100, 500, 500},
	}
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		a, bm, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for _, im := range []namedImpl{{"1", one}, {"2", two}} {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", m, n, k, im.name), func(b *testing.B) {
				best := time.Duration(math.MaxInt64)
				for b.Loop() {
					t := time.Now()
					im.impl.Sgemm(false, false, m, n, k, 1, a, k, bm, n, 0, c, n)
					best = min(best, time.Since(t))
				}
				b.ReportMetric(2*float64(m*n*k)/1e6, "MFLOP")
				b.ReportMetric(float64(best.Nanoseconds()), "best-ns")
			})
		}
	}
}
