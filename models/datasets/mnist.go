package datasets

import (
	"fmt"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/kernels"
)

// AvgPool returns a copy of ds with every f×f block of each channel
// replaced by its mean: H/f × W/f × C examples (a partial block at the
// right or bottom edge is dropped). It panics unless f ≥ 1 divides
// neither dimension to zero, a programmer error.
func AvgPool(ds *data.Dataset, f int) *data.Dataset {
	h, w := ds.H/f, ds.W/f
	if f < 1 || h < 1 || w < 1 {
		panic(fmt.Sprintf("models: AvgPool(%d) of %d×%d examples", f, ds.H, ds.W))
	}
	out := &data.Dataset{Name: fmt.Sprintf("%s-pool%d", ds.Name, f), N: ds.N, H: h, W: w, C: ds.C,
		X: make([]float32, ds.N*h*w*ds.C), Y: append([]int32(nil), ds.Y...), Classes: ds.Classes}
	inv := 1 / float32(f*f)
	in, dst := ds.Dim(), h*w*ds.C
	for n := 0; n < ds.N; n++ {
		src, o := ds.X[n*in:(n+1)*in], out.X[n*dst:(n+1)*dst]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for c := 0; c < ds.C; c++ {
					var s float32
					for dy := 0; dy < f; dy++ {
						for dx := 0; dx < f; dx++ {
							s += src[((y*f+dy)*ds.W+x*f+dx)*ds.C+c]
						}
					}
					o[(y*w+x)*ds.C+c] = s * inv
				}
			}
		}
	}
	return out
}

// ProjectPCA returns train and test projected on the k leading principal
// components of the training examples (kernels.PCA): z = (x − μ)·U_k,
// with μ the training mean. The results are flat 1×1×k examples; the
// components are not whitened, so z's variances are the k largest
// eigenvalues of the training covariance.
func ProjectPCA(train, test *data.Dataset, k int) (ptrain, ptest *data.Dataset, err error) {
	d := train.Dim()
	if k < 1 || k > d || test.Dim() != d {
		return nil, nil, fmt.Errorf("PCA: %d components of %d inputs (test has %d)", k, d, test.Dim())
	}
	g := gemm.Best(1)
	u, err := kernels.PCA(g, train.X, train.N, d, k, kernels.Leading, nil)
	if err != nil {
		return nil, nil, err
	}
	mean := make([]float64, d)
	for n := 0; n < train.N; n++ {
		for j, v := range train.X[n*d : (n+1)*d] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(train.N)
	}
	project := func(ds *data.Dataset) *data.Dataset {
		out := &data.Dataset{Name: fmt.Sprintf("%s-pca%d", ds.Name, k), N: ds.N, H: 1, W: 1, C: k,
			X: make([]float32, ds.N*k), Y: append([]int32(nil), ds.Y...), Classes: ds.Classes}
		const chunk = 1024
		buf := make([]float32, min(chunk, ds.N)*d)
		for n0 := 0; n0 < ds.N; n0 += chunk {
			rows := min(chunk, ds.N-n0)
			for r := 0; r < rows; r++ {
				for j, v := range ds.X[(n0+r)*d : (n0+r+1)*d] {
					buf[r*d+j] = float32(float64(v) - mean[j])
				}
			}
			g.Sgemm(false, false, rows, k, d, 1, buf, d, u, k, 0, out.X[n0*k:], k)
		}
		return out
	}
	return project(train), project(test), nil
}
