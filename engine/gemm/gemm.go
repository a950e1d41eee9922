// Package gemm computes float32 general matrix products, the kernel that
// dominates training time.
//
// An Impl is one implementation (reference, pure Go, assembly, wasm-tuned);
// callers hold an Impl and never care which one it is, as with gonum's
// blas32.Implementation. Best returns the fastest one for the running target.
//
// The implementations: Naive (float64 reference), Simple (row-wise saxpy and
// dot products), Portable (blocked and packed, register-tiled pure Go; the
// wasm-tuned one on js/wasm), Asm (amd64 only: the same driver with AVX-512
// or AVX2+FMA micro-kernels in Go assembly) and Blas32 (gonum, for
// comparison). On js/wasm built with GOEXPERIMENT=simd (Go 1.27), Best's
// Portable runs 128-bit SIMD micro-kernels, bit-identical to the pure-Go
// ones. Portable and Asm keep packing buffers and helper goroutines:
// each value must be used by one goroutine at a time. Naive, Simple and
// Blas32 are safe for concurrent use.
//
// Results of Portable and Asm do not depend on the thread count: products
// are split over rows or columns of C, never over the reduction.
//
// Of this module gemm imports only engine/internal/spin.
package gemm

// Impl computes C = alpha·op(A)·op(B) + beta·C over row-major float32
// matrices, where op(X) is X or its transpose Xᵀ.
//
// op(A) is m×k, op(B) is k×n and C is m×n. lda, ldb and ldc are the row
// strides of A, B and C as stored: A is m×k (lda ≥ k) when transA is false
// and k×m (lda ≥ m) when it is true; likewise for B. When beta is 0, C is
// overwritten and its old contents (even NaN) are ignored.
//
// C must not alias A or B. Implementations panic on inconsistent shapes,
// which are programmer errors, never on values.
type Impl interface {
	Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
		b []float32, ldb int, beta float32, c []float32, ldc int)
}

// checkArgs panics with a clear message when the arguments of Sgemm do not
// describe valid matrices. It is shared by every implementation.
func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if lda < max(ac, 1) || ldb < max(bc, 1) || ldc < max(n, 1) {
		panic("gemm: leading dimension too small")
	}
	if need(ar, ac, lda) > len(a) || need(br, bc, ldb) > len(b) || need(m, n, ldc) > len(c) {
		panic("gemm: slice too short")
	}
}

// need is the number of elements a rows×cols matrix with stride ld spans.
func need(rows, cols, ld int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

// scaleC applies C = beta·C, treating beta == 0 as an overwrite.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 || m == 0 || n == 0 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
