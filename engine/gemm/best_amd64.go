//go:build amd64

package gemm

// Best returns the fastest implementation for the running target, allowed
// to use up to threads goroutines for large products (threads < 1 means 1).
// On amd64 it is an Asm. The result must be used by one
// goroutine at a time; call Best once per goroutine and keep the result,
// which holds buffers and helper goroutines.
func Best(threads int) Impl {
	return NewAsm(threads)
}
