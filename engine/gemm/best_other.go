//go:build !amd64

package gemm

// Best returns the fastest implementation for the running target, allowed
// to use up to threads goroutines for large products (threads < 1 means 1).
// Off amd64 it is a Portable: on js/wasm, the wasm-tuned one on one
// goroutine, with 128-bit SIMD kernels when built with GOEXPERIMENT=simd
// (see simd_wasm.go). The result must be used by one
// goroutine at a time; call Best once per goroutine and keep the result,
// which holds buffers and helper goroutines.
func Best(threads int) Impl {
	return newPortableConfig(threads, bestFamily...)
}
