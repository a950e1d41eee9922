//go:build amd64

package gemm

import "golang.org/x/sys/cpu"

//go:generate go run gen_kernels.go

// The micro-kernels of kernels_amd64.s, documented as microKernel; a, b and
// c point to the first elements of the panels and of the C tile.

//go:noescape
func kernAVX512x12x32(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols, mode int)

//go:noescape
func kernAVX512x14x32(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols, mode int)

//go:noescape
func kernAVX512x8x48(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols, mode int)

//go:noescape
func kernAVX512x6x64(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols, mode int)

//go:noescape
func kernAVX512x24x16(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols, mode int)

//go:noescape
func kernAVX512x24x16Bcst(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols, mode int)

//go:noescape
func kernAVX512x12x16(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols, mode int)

//go:noescape
func kernAVX2x6x16(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols, mode int)

// asmKernel adapts an assembly kernel to microKernel. The panels a and b
// hold mr·kc and nr·kc values and c spans the tile (checked by the driver's
// slicing), so the kernel never reads or writes outside them.
func asmKernel(f func(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols, mode int)) microKernel {
	return func(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols, mode int) {
		_ = c[(rows-1)*ldc+cols-1]
		f(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, rows, cols, mode)
	}
}

// asmConfigs are the assembly configurations; tests run every one the CPU
// supports and the benchmarks compare them. All share kc, so that every
// one gives bit-identical results.
var asmConfigs = []*config{
	{name: "avx512_12x32", mr: 12, nr: 32, mc: 192, kc: 384, nc: 4096, kern: asmKernel(kernAVX512x12x32),
		copy: copyPanelAVX512, gather: gatherPanelAVX},
	{name: "avx512_14x32", mr: 14, nr: 32, mc: 196, kc: 384, nc: 4096, kern: asmKernel(kernAVX512x14x32),
		copy: copyPanelAVX512, gather: gatherPanelAVX},
	{name: "avx512_8x48", mr: 8, nr: 48, mc: 192, kc: 384, nc: 4080, kern: asmKernel(kernAVX512x8x48),
		copy: copyPanelAVX512, gather: gatherPanelAVX},
	{name: "avx512_6x64", mr: 6, nr: 64, mc: 192, kc: 384, nc: 4096, kern: asmKernel(kernAVX512x6x64),
		copy: copyPanelAVX512, gather: gatherPanelAVX},
	{name: "avx512_24x16", mr: 24, nr: 16, mc: 192, kc: 384, nc: 4096, kern: asmKernel(kernAVX512x24x16),
		copy: copyPanelAVX512, gather: gatherPanelAVX, cost: 1.1},
	{name: "avx512_24x16b", mr: 24, nr: 16, mc: 192, kc: 384, nc: 4096, kern: asmKernel(kernAVX512x24x16Bcst),
		copy: copyPanelAVX512, gather: gatherPanelAVX, cost: 1.1},
	{name: "avx512_12x16", mr: 12, nr: 16, mc: 192, kc: 384, nc: 4096, kern: asmKernel(kernAVX512x12x16),
		copy: copyPanelAVX512, gather: gatherPanelAVX, cost: 1.2},
	{name: "avx2_6x16", mr: 6, nr: 16, mc: 144, kc: 384, nc: 4096, kern: asmKernel(kernAVX2x6x16),
		gather: gatherPanelAVX},
}

// byName returns the configurations with the given names.
func byName(names ...string) []*config {
	var fam []*config
	for _, name := range names {
		for _, cfg := range asmConfigs {
			if cfg.name == name {
				fam = append(fam, cfg)
			}
		}
	}
	return fam
}

// hasAVX512 and hasAVX2 report what the CPU (and OS) support.
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasBMI2
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// supported reports whether the CPU can run cfg.
func supported(cfg *config) bool {
	if len(cfg.name) >= 6 && cfg.name[:6] == "avx512" {
		return hasAVX512
	}
	return hasAVX2
}

// asmDefault returns the fastest supported family of assembly
// configurations, or the portable one on a CPU without AVX2 and FMA.
func asmDefault() []*config {
	switch {
	case hasAVX512:
		return byName("avx512_6x64", "avx512_12x32", "avx512_8x48", "avx512_24x16")
	case hasAVX2:
		return byName("avx2_6x16")
	}
	return portableDefault
}

// Asm is the amd64 implementation: the blocked, packed driver with AVX-512
// or AVX2+FMA micro-kernels in Go assembly, chosen at run time (a CPU with
// neither runs the Portable kernels). For each call it picks the tile shape
// that wastes the least on the edges of C.
//
// An Asm keeps packing buffers and helper goroutines, so it must be used by
// one goroutine at a time; use one Asm per goroutine. The zero value is
// ready to use with one thread.
type Asm struct {
	e *engine
}

// NewAsm returns an Asm that splits large products over up to threads
// goroutines (threads < 1 means 1).
func NewAsm(threads int) *Asm {
	return newAsmConfig(threads, asmDefault()...)
}

// newAsmConfig returns an Asm running a family of configurations.
func newAsmConfig(threads int, family ...*config) *Asm {
	x := &Asm{}
	x.e = newEngine(x, family, threads)
	return x
}

// Sgemm implements Impl.
func (x *Asm) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if x.e == nil {
		x.e = newEngine(x, asmDefault(), 1)
	}
	x.e.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
