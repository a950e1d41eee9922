package gemm

import (
	"fmt"
	"os"
	"runtime"
	"testing"
)

// BenchmarkTune benchmarks a configuration given in GEMM_TUNE as
// "kernel mc kc nc aInner", for example "avx512_12x32 192 384 4096 0";
// "default 0 0 0 0" benchmarks Best(1), "family mc kc nc aInner" its
// configurations with other blocking.
func BenchmarkTune(b *testing.B) {
	spec := os.Getenv("GEMM_TUNE")
	if spec == "" {
		b.Skip("GEMM_TUNE not set")
	}
	var name string
	var mc, kc, nc, inner int
	if _, err := fmt.Sscan(spec, &name, &mc, &kc, &nc, &inner); err != nil {
		b.Fatal(err)
	}
	var cfg config
	for _, c := range append(archConfigs(), portableConfigs...) {
		if c.name == name {
			cfg = *c
		}
	}
	cfg.mc, cfg.kc, cfg.nc, cfg.aInner = mc, kc, nc, inner != 0
	var impl Impl = newPortableConfig(1, &cfg)
	if name == "default" {
		impl = Best(1)
	}
	if name == "family" { // the default family with the given blocking
		var fam []*config
		for _, c := range archDefault() {
			c2 := *c
			c2.mc = max(1, mc/c.mr) * c.mr
			c2.kc = kc
			c2.nc = max(1, nc/c.nr) * c.nr
			c2.aInner = inner != 0
			fam = append(fam, &c2)
		}
		impl = newPortableConfig(1, fam...)
	}
	for _, s := range benchShapes {
		a, bm, c, lda, ldb := s.operands()
		b.Run(s.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0 := threadCPU()
			for b.Loop() {
				impl.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			}
			flops := 2 * float64(s.m*s.n*s.k) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			if cpu := threadCPU() - cpu0; cpu > 0 {
				b.ReportMetric(flops/cpu.Seconds()/1e9, "cpuGFLOP/s")
			}
		})
	}
}
