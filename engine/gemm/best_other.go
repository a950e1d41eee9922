//go:build !amd64

package gemm

// Best returns the fastest implementation for the running target, allowed
// to use up to threads goroutines for large products (threads < 1 means 1).
// Off amd64 it is a Portable (on js/wasm, the wasm-tuned one on one
// goroutine). The result must be used by one
// goroutine at a time; call Best once per goroutine and keep the result,
// which holds buffers and helper goroutines.
func Best(threads int) Impl {
	return NewPortable(threads)
}
