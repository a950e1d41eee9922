package gemm

//go:generate go run gen_portable.go

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

// portableConfigs are the pure-Go configurations; tests run them all and
// the benchmarks compare them. portableDefault (tune_*.go) is drawn from them.
var portableConfigs = []*config{
	{name: "go4x4", mr: 4, nr: 4, mc: 128, kc: 256, nc: 1024, kern: kernGo4x4},
	{name: "go4x8", mr: 4, nr: 8, mc: 128, kc: 256, nc: 1024, kern: kernGo4x8},
	{name: "go8x8", mr: 8, nr: 8, mc: 128, kc: 256, nc: 1024, kern: kernGo8x8},
	{name: "go8x12", mr: 8, nr: 12, mc: 128, kc: 256, nc: 1020, kern: kernGo8x12},
	{name: "go12x8", mr: 12, nr: 8, mc: 120, kc: 256, nc: 1024, kern: kernGo12x8},
}
