//go:build goexperiment.simd && wasm

package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"simd/archsimd"
	"testing"
	"time"
)

// archImpls returns the SIMD configurations under test, with default and
// tiny blocks.
func archImpls() []namedImpl {
	var impls []namedImpl
	for _, cfg := range simdConfigs {
		impls = append(impls,
			namedImpl{cfg.name, newPortableConfig(1, cfg)},
			namedImpl{cfg.name + "_tiny", newPortableConfig(1, smallBlocks(cfg))})
	}
	return impls
}

// archBenchImpls returns the SIMD implementations to benchmark.
func archBenchImpls() []namedImpl {
	impls := []namedImpl{{"Best1", Best(1)}}
	for _, cfg := range simdConfigs {
		impls = append(impls, namedImpl{cfg.name, newPortableConfig(1, cfg)})
	}
	return impls
}

// archConfigs returns the SIMD configurations, for BenchmarkTune.
func archConfigs() []*config { return simdConfigs }

// peakGFLOPS returns 0: the clock is not measurable from wasm.
func peakGFLOPS() float64 { return 0 }

// measuredPeak returns the multiply-add rate of peakLoop in GFLOP/s, the
// best of five runs.
func measuredPeak() float64 {
	x, y := archsimd.BroadcastFloat32x4(1e-3), archsimd.BroadcastFloat32x4(0.5)
	best := 0.0
	for range 5 {
		t := time.Now()
		peakLoop(1<<18, x, y)
		best = max(best, 96*float64(1<<18)/time.Since(t).Seconds()/1e9)
	}
	return best
}

// archDefault returns Best's configuration family.
func archDefault() []*config { return bestFamily }

// TestSIMDMatchesPortable checks that every SIMD configuration gives
// products bit-identical to the pure-Go kernels (the page's scalar
// build), for every transpose, odd shapes, strides and every beta mode.
func TestSIMDMatchesPortable(t *testing.T) {
	ref := NewPortable(1)
	shapes := [][3]int{{1, 1, 1}, {7, 13, 17}, {31, 37, 41}, {64, 256, 784}, {100, 10, 500}, {784, 256, 64}, {3, 300, 600}}
	for _, cfg := range append(simdConfigs, smallBlocks(simdConfigs[0])) {
		im := newPortableConfig(1, cfg)
		if cfg.kc != ref.e.family[0].kc && cfg.kc != 7 {
			t.Fatalf("%s: kc %d, the pure-Go kernels use %d", cfg.name, cfg.kc, ref.e.family[0].kc)
		}
		for i, s := range shapes {
			for tr := range 4 {
				for _, beta := range []float32{0, 1, 0.5} {
					m, n, k := s[0], s[1], s[2]
					ta, tb := tr&1 != 0, tr&2 != 0
					r := rand.New(rand.NewPCG(uint64(i), uint64(tr)))
					lda, ldb, ldc := k+i, n+1, n+3
					if ta {
						lda = m + 2
					}
					if tb {
						ldb = k
					}
					a := matrix(r, max(m, k), max(m, k), lda)
					b := matrix(r, max(n, k), max(n, k), ldb)
					c := matrix(r, m, n, ldc)
					want := append([]float32(nil), c...)
					refIm := ref
					if cfg.kc == 7 {
						refIm = newPortableConfig(1, smallBlocks(portableDefault[0]))
					}
					refIm.Sgemm(ta, tb, m, n, k, -0.75, a, lda, b, ldb, beta, want, ldc)
					got := append([]float32(nil), c...)
					im.Sgemm(ta, tb, m, n, k, -0.75, a, lda, b, ldb, beta, got, ldc)
					for j := range got {
						if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
							t.Fatalf("%s %v tr%d beta %g: C[%d] = %g, pure Go gave %g", cfg.name, s, tr, beta, j, got[j], want[j])
						}
					}
				}
			}
		}
	}
}

// mlpShapes are the products of a training step of a 784-h-10 MLP's first
// layer, for batch 64 and 100 and h = 256 and 500: the forward x·W, the
// weight gradient xᵀ·dY and the input gradient dY·Wᵀ.
func mlpShapes() []benchShape {
	var s []benchShape
	for _, batch := range []int{64, 100} {
		for _, h := range []int{256, 500} {
			s = append(s,
				benchShape{fmt.Sprintf("NN_%dx%dx784", batch, h), false, false, batch, h, 784},
				benchShape{fmt.Sprintf("TN_784x%dx%d", h, batch), true, false, 784, h, batch},
				benchShape{fmt.Sprintf("NT_%dx784x%d", batch, h), false, true, batch, 784, h})
		}
	}
	return s
}

// BenchmarkSIMD compares Best (SIMD) with the pure-Go wasm kernels
// (NewPortable) on the MLP's products, and with peakLoop: it alternates the
// three call by call so that all see the same machine, and reports the
// best call of each, the SIMD/pure-Go ratio and SIMD's share of the peak.
// peak12GFLOP/s is the rate of peakLoop12, a second reference.
func BenchmarkSIMD(b *testing.B) {
	simd, scalar := Best(1), NewPortable(1)
	x, y := archsimd.BroadcastFloat32x4(1e-3), archsimd.BroadcastFloat32x4(0.5)
	const rounds = 1 << 14
	for _, s := range mlpShapes() {
		a, bm, c, lda, ldb := s.operands()
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		b.Run(s.name, func(b *testing.B) {
			bestSIMD, bestScalar, bestPeak := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
			bestPeak12 := time.Duration(math.MaxInt64)
			for b.Loop() {
				t0 := time.Now()
				simd.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
				t1 := time.Now()
				scalar.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
				t2 := time.Now()
				peakLoop(rounds, x, y)
				t3 := time.Now()
				peakLoop12(rounds, x, y)
				bestSIMD, bestScalar, bestPeak = min(bestSIMD, t1.Sub(t0)), min(bestScalar, t2.Sub(t1)), min(bestPeak, t3.Sub(t2))
				bestPeak12 = min(bestPeak12, time.Since(t3))
			}
			gf := flops / bestSIMD.Seconds() / 1e9
			peak := 96 * rounds / bestPeak.Seconds() / 1e9
			b.ReportMetric(gf, "simdGFLOP/s")
			b.ReportMetric(flops/bestScalar.Seconds()/1e9, "scalarGFLOP/s")
			b.ReportMetric(peak, "peakGFLOP/s")
			b.ReportMetric(bestScalar.Seconds()/bestSIMD.Seconds(), "speedup")
			b.ReportMetric(100*gf/peak, "%peak")
			b.ReportMetric(96*rounds/bestPeak12.Seconds()/1e9, "peak12GFLOP/s")
		})
	}
}

// BenchmarkSIMDKernel runs each SIMD micro-kernel, and the pure-Go ones, on
// packed panels with kc = 256 that stay in L1 (the kernels alone, without
// packing or the driver), and peakLoop and peakLoop12, round by round so that all see the
// same machine. It reports the fastest round of each in GFLOP/s.
func BenchmarkSIMDKernel(b *testing.B) {
	const kc, calls, rounds = 256, 200, 1 << 14
	cfgs := append(append([]*config(nil), simdConfigs...), portableDefault...)
	r := rand.New(rand.NewPCG(1, 2))
	a, bp, c := make([]float32, 12*kc), make([]float32, 12*kc), make([]float32, 12*12)
	for i := range a {
		a[i], bp[i] = r.Float32(), r.Float32()
	}
	x, y := archsimd.BroadcastFloat32x4(1e-3), archsimd.BroadcastFloat32x4(0.5)
	run := func(cfg *config) {
		for range calls {
			cfg.kern(kc, a[:cfg.mr*kc], bp[:cfg.nr*kc], c, cfg.nr, 1, 0, cfg.mr, cfg.nr, 0)
		}
	}
	for range 10 { // let V8 compile the kernels with its optimizing tier
		for _, cfg := range cfgs {
			run(cfg)
		}
	}
	best := make([]time.Duration, len(cfgs)+2)
	for i := range best {
		best[i] = time.Duration(math.MaxInt64)
	}
	for b.Loop() {
		for i, cfg := range cfgs {
			t := time.Now()
			run(cfg)
			best[i] = min(best[i], time.Since(t))
		}
		t := time.Now()
		peakLoop(rounds, x, y)
		best[len(cfgs)] = min(best[len(cfgs)], time.Since(t))
		t = time.Now()
		peakLoop12(rounds, x, y)
		best[len(cfgs)+1] = min(best[len(cfgs)+1], time.Since(t))
	}
	for i, cfg := range cfgs {
		b.ReportMetric(2*float64(cfg.mr*cfg.nr*kc*calls)/best[i].Seconds()/1e9, cfg.name+"_GFLOP/s")
	}
	b.ReportMetric(96*rounds/best[len(cfgs)].Seconds()/1e9, "peakGFLOP/s")
	b.ReportMetric(96*rounds/best[len(cfgs)+1].Seconds()/1e9, "peak12GFLOP/s")
}
