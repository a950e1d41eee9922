package gemm

// Simple is a portable pure-Go implementation built from row-wise saxpy and
// dot products. It needs no packing buffers and is a reasonable fallback on
// any target.
type Simple struct{}

// Sgemm implements Impl.
func (Simple) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	scaleC(m, n, beta, c, ldc)
	if m == 0 || n == 0 || k == 0 || alpha == 0 {
		return
	}
	switch {
	case !transA && !transB: // C[i,:] += alpha·A[i,p]·B[p,:]
		for i := 0; i < m; i++ {
			crow := c[i*ldc : i*ldc+n]
			for p := 0; p < k; p++ {
				if s := alpha * a[i*lda+p]; s != 0 {
					axpy(s, b[p*ldb:p*ldb+n], crow)
				}
			}
		}
	case transA && !transB: // A is k×m: C[i,:] += alpha·A[p,i]·B[p,:]
		for p := 0; p < k; p++ {
			brow := b[p*ldb : p*ldb+n]
			for i := 0; i < m; i++ {
				if s := alpha * a[p*lda+i]; s != 0 {
					axpy(s, brow, c[i*ldc:i*ldc+n])
				}
			}
		}
	case !transA && transB: // B is n×k: C[i,j] += alpha·dot(A[i,:], B[j,:])
		for i := 0; i < m; i++ {
			arow := a[i*lda : i*lda+k]
			for j := 0; j < n; j++ {
				c[i*ldc+j] += alpha * dot(arow, b[j*ldb:j*ldb+k])
			}
		}
	default: // both transposed: C[i,j] += alpha·Σ_p A[p,i]·B[j,p]
		for j := 0; j < n; j++ {
			brow := b[j*ldb : j*ldb+k]
			for p, bv := range brow {
				if s := alpha * bv; s != 0 {
					arow := a[p*lda : p*lda+m]
					for i, av := range arow {
						c[i*ldc+j] += s * av
					}
				}
			}
		}
	}
}

// axpy computes y += s·x, with len(y) == len(x).
func axpy(s float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs, ys := x[i:i+4:i+4], y[i:i+4:i+4]
		ys[0] += s * xs[0]
		ys[1] += s * xs[1]
		ys[2] += s * xs[2]
		ys[3] += s * xs[3]
	}
	for ; i < len(x); i++ {
		y[i] += s * x[i]
	}
}

// dot returns Σ x[i]·y[i], with len(y) ≥ len(x).
func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs, ys := x[i:i+4:i+4], y[i:i+4:i+4]
		s0 += xs[0] * ys[0]
		s1 += xs[1] * ys[1]
		s2 += xs[2] * ys[2]
		s3 += xs[3] * ys[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}
