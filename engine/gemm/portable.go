package gemm

// Portable is a blocked, packed pure-Go implementation with a register-tiled
// micro-kernel written in plain Go. Its tile and blocking are tuned per
// target (see tune_*.go); on js/wasm it is the wasm-tuned implementation and
// runs on one goroutine.
//
// A Portable keeps packing buffers and helper goroutines, so it must be used
// by one goroutine at a time; use one Portable per goroutine. The zero value
// is ready to use with one thread.
type Portable struct {
	e *engine
}

// NewPortable returns a Portable that splits large products over up to
// threads goroutines (threads < 1 means 1; always 1 on js/wasm).
func NewPortable(threads int) *Portable {
	return newPortableConfig(threads, portableDefault...)
}

// newPortableConfig returns a Portable running a family of configurations.
func newPortableConfig(threads int, family ...*config) *Portable {
	p := &Portable{}
	p.e = newEngine(p, family, threads)
	return p
}

// Sgemm implements Impl.
func (p *Portable) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if p.e == nil {
		p.e = newEngine(p, portableDefault, 1)
	}
	p.e.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// storeTile writes the mr×nr accumulator tile acc (row-major) to C as
// documented for microKernel.
func storeTile(acc []float32, nr int, c []float32, ldc int, alpha, beta float32, rows, cols, mode int) {
	for i := 0; i < rows; i++ {
		src := acc[i*nr : i*nr+cols]
		dst := c[i*ldc : i*ldc+cols]
		switch mode {
		case 0:
			for j, v := range src {
				dst[j] = alpha * v
			}
		case 1:
			for j, v := range src {
				dst[j] = alpha*v + dst[j]
			}
		default:
			for j, v := range src {
				dst[j] = alpha*v + beta*dst[j]
			}
		}
	}
}

// kernGo4x4 is a 4×4 micro-kernel in plain Go: sixteen accumulators, four
// values of A and four of B loaded per step.
func kernGo4x4(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols, mode int) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	a, b = a[:4*kc], b[:4*kc]
	for len(a) >= 4 && len(b) >= 4 { // no bounds checks inside
		aa, bb := a[:4:4], b[:4:4]
		a, b = a[4:], b[4:]
		a0, a1, a2, a3 := aa[0], aa[1], aa[2], aa[3]
		b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	acc := [16]float32{c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33}
	storeTile(acc[:], 4, c, ldc, alpha, beta, rows, cols, mode)
}

// kernGo4x8 is a 4×8 micro-kernel in plain Go: 32 accumulators, for targets
// with 32 floating-point registers (arm64) or none to spill to (wasm).
func kernGo4x8(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols, mode int) {
	var c00, c01, c02, c03, c04, c05, c06, c07 float32
	var c10, c11, c12, c13, c14, c15, c16, c17 float32
	var c20, c21, c22, c23, c24, c25, c26, c27 float32
	var c30, c31, c32, c33, c34, c35, c36, c37 float32
	a, b = a[:4*kc], b[:8*kc]
	for len(a) >= 4 && len(b) >= 8 { // no bounds checks inside
		aa, bb := a[:4:4], b[:8:8]
		a, b = a[4:], b[8:]
		a0, a1, a2, a3 := aa[0], aa[1], aa[2], aa[3]
		b0, b1, b2, b3, b4, b5, b6, b7 := bb[0], bb[1], bb[2], bb[3], bb[4], bb[5], bb[6], bb[7]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c04 += a0 * b4
		c05 += a0 * b5
		c06 += a0 * b6
		c07 += a0 * b7
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c14 += a1 * b4
		c15 += a1 * b5
		c16 += a1 * b6
		c17 += a1 * b7
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c24 += a2 * b4
		c25 += a2 * b5
		c26 += a2 * b6
		c27 += a2 * b7
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		c34 += a3 * b4
		c35 += a3 * b5
		c36 += a3 * b6
		c37 += a3 * b7
	}
	acc := [32]float32{
		c00, c01, c02, c03, c04, c05, c06, c07,
		c10, c11, c12, c13, c14, c15, c16, c17,
		c20, c21, c22, c23, c24, c25, c26, c27,
		c30, c31, c32, c33, c34, c35, c36, c37,
	}
	storeTile(acc[:], 8, c, ldc, alpha, beta, rows, cols, mode)
}

// kernGo2x8 is a 2×8 micro-kernel in plain Go.
func kernGo2x8(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols, mode int) {
	var c00, c01, c02, c03, c04, c05, c06, c07 float32
	var c10, c11, c12, c13, c14, c15, c16, c17 float32
	a, b = a[:2*kc], b[:8*kc]
	for len(a) >= 2 && len(b) >= 8 { // no bounds checks inside
		aa, bb := a[:2:2], b[:8:8]
		a, b = a[2:], b[8:]
		a0, a1 := aa[0], aa[1]
		b0, b1, b2, b3, b4, b5, b6, b7 := bb[0], bb[1], bb[2], bb[3], bb[4], bb[5], bb[6], bb[7]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c04 += a0 * b4
		c05 += a0 * b5
		c06 += a0 * b6
		c07 += a0 * b7
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c14 += a1 * b4
		c15 += a1 * b5
		c16 += a1 * b6
		c17 += a1 * b7
	}
	acc := [16]float32{
		c00, c01, c02, c03, c04, c05, c06, c07,
		c10, c11, c12, c13, c14, c15, c16, c17,
	}
	storeTile(acc[:], 8, c, ldc, alpha, beta, rows, cols, mode)
}

// portableConfigs are the pure-Go configurations; tests run them all and
// the benchmarks compare them. portableDefault (tune_*.go) is one of them.
var portableConfigs = []*config{
	{name: "go4x4", mr: 4, nr: 4, mc: 128, kc: 256, nc: 1024, kern: kernGo4x4},
	{name: "go4x8", mr: 4, nr: 8, mc: 128, kc: 256, nc: 1024, kern: kernGo4x8},
	{name: "go2x8", mr: 2, nr: 8, mc: 128, kc: 256, nc: 1024, kern: kernGo2x8},
}
