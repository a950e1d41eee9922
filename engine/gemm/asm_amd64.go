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
// supports and the benchmarks compare them.
var asmConfigs = []*config{
	{name: "avx512_12x32", mr: 12, nr: 32, mc: 192, kc: 384, nc: 4096, kern: asmKernel(kernAVX512x12x32),
		copy: copyPanelAVX512, gather: gatherPanelAVX},
	{name: "avx512_14x32", mr: 14, nr: 32, mc: 196, kc: 384, nc: 4096, kern: asmKernel(kernAVX512x14x32),
		copy: copyPanelAVX512, gather: gatherPanelAVX},
	{name: "avx512_8x48", mr: 8, nr: 48, mc: 192, kc: 384, nc: 4080, kern: asmKernel(kernAVX512x8x48),
		copy: copyPanelAVX512, gather: gatherPanelAVX},
	{name: "avx512_6x64", mr: 6, nr: 64, mc: 192, kc: 384, nc: 4096, kern: asmKernel(kernAVX512x6x64),
		copy: copyPanelAVX512, gather: gatherPanelAVX},
	{name: "avx2_6x16", mr: 6, nr: 16, mc: 144, kc: 256, nc: 4096, kern: asmKernel(kernAVX2x6x16),
		gather: gatherPanelAVX},
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

// asmDefault is the fastest supported assembly configuration, or nil.
func asmDefault() *config {
	switch {
	case hasAVX512:
		return asmConfigs[0]
	case hasAVX2:
		return asmConfigs[4]
	}
	return nil
}

// Asm is the amd64 implementation: the blocked, packed driver with an
// AVX-512 or AVX2+FMA micro-kernel in Go assembly, chosen at run time. On a
// CPU with neither it runs the Portable kernel.
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
	return newAsmConfig(threads, asmDefault())
}

// newAsmConfig returns an Asm running cfg, or the portable kernel when cfg
// is nil.
func newAsmConfig(threads int, cfg *config) *Asm {
	if cfg == nil {
		cfg = portableDefault
	}
	x := &Asm{}
	x.e = newEngine(x, cfg, threads)
	return x
}

// Sgemm implements Impl.
func (x *Asm) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if x.e == nil {
		cfg := asmDefault()
		if cfg == nil {
			cfg = portableDefault
		}
		x.e = newEngine(x, cfg, 1)
	}
	x.e.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
