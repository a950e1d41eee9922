//go:build amd64

package gemm

// addChain runs 8·n dependent one-cycle additions; tests time it to
// estimate the clock.
//
//go:noescape
func addChain(n int)

// fmaLoop runs 24·n independent AVX-512 FMAs; tests time it to measure the
// FMA peak of one core. It needs AVX-512F.
//
//go:noescape
func fmaLoop(n int)
