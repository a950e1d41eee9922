//go:build amd64

package gemm

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkPeak measures the clock (dependent integer additions, one per
// cycle) and the AVX-512 FMA peak of one core (24 independent FMA chains),
// the denominators of the %peak metrics.
func BenchmarkPeak(b *testing.B) {
	b.Run("clock", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cpu0 := threadCPU()
		for b.Loop() {
			addChain(1 << 20)
		}
		cycles := 8 * float64(1<<20) * float64(b.N)
		b.ReportMetric(cycles/b.Elapsed().Seconds()/1e6, "MHz")
		if cpu := threadCPU() - cpu0; cpu > 0 {
			b.ReportMetric(cycles/cpu.Seconds()/1e6, "cpuMHz")
		}
	})
	if !hasAVX512 {
		return
	}
	b.Run("fma512", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cpu0 := threadCPU()
		for b.Loop() {
			fmaLoop(1 << 16)
		}
		flops := 24 * 32 * float64(1<<16) * float64(b.N)
		b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		if cpu := threadCPU() - cpu0; cpu > 0 {
			b.ReportMetric(flops/cpu.Seconds()/1e9, "cpuGFLOP/s")
		}
	})
}

// peakGFLOPS returns the AVX-512 FMA peak of one core assumed by the
// %peak1core metric: 2 FMA ports × 16 float32 lanes × 2 flops per cycle at
// the clock measured by addChain (the all-core turbo clock of scalar code;
// AVX-512 code may run slightly slower), or 0 without AVX-512.
func peakGFLOPS() float64 {
	if !hasAVX512 {
		return 0
	}
	best := 0.0
	for range 5 {
		t := time.Now()
		addChain(1 << 18)
		best = max(best, 8*float64(1<<18)/time.Since(t).Seconds()/1e9)
	}
	return 2 * 16 * 2 * best
}

// measuredPeak returns the measured AVX-512 FMA peak of one core in
// GFLOP/s, or 0 without AVX-512.
func measuredPeak() float64 {
	if !hasAVX512 {
		return 0
	}
	best := 0.0
	for range 5 {
		t := time.Now()
		fmaLoop(1 << 18)
		best = max(best, 24*32*float64(1<<18)/time.Since(t).Seconds()/1e9)
	}
	return best
}
