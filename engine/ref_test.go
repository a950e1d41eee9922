package engine

import "math"

// The engine's kernels as they were before they were fused, vectorised by
// hand and split over threads: straightforward loops that the tests
// compare the fast ones with.

func refActForward(a Act, x []float32) {
	for i, v := range x {
		switch a {
		case ReLU:
			if v < 0 {
				x[i] = 0
			}
		case Sigmoid:
			x[i] = float32(1 / (1 + math.Exp(-float64(v))))
		case Tanh:
			x[i] = float32(math.Tanh(float64(v)))
		}
	}
}

func refActBackward(a Act, dy, y []float32) {
	for i, v := range y[:len(dy)] {
		switch a {
		case ReLU:
			if v <= 0 {
				dy[i] = 0
			}
		case Sigmoid:
			dy[i] *= v * (1 - v)
		case Tanh:
			dy[i] *= 1 - v*v
		}
	}
}

func refColumnSums(dst, m []float32, rows, cols int) {
	for i := 0; i < rows; i++ {
		for j, v := range m[i*cols : (i+1)*cols] {
			dst[j] += v
		}
	}
}

func refIm2Col(col, in []float32, n int, g ConvGeom) {
	C, taps := g.In.C, g.Taps()
	r := 0
	for img := 0; img < n; img++ {
		base := img * g.In.Size()
		for oy := 0; oy < g.OutH; oy++ {
			for ox := 0; ox < g.OutW; ox++ {
				row := col[r*taps : (r+1)*taps]
				r++
				for ky := 0; ky < g.K; ky++ {
					for kx := 0; kx < g.K; kx++ {
						y, x := oy*g.Stride-g.Pad+ky, ox*g.Stride-g.Pad+kx
						for c := 0; c < C; c++ {
							v := float32(0)
							if y >= 0 && y < g.In.H && x >= 0 && x < g.In.W {
								v = in[base+(y*g.In.W+x)*C+c]
							}
							row[(ky*g.K+kx)*C+c] = v
						}
					}
				}
			}
		}
	}
}

func refCol2Im(dIn, dCol []float32, n int, g ConvGeom) {
	C, taps := g.In.C, g.Taps()
	clear(dIn[:n*g.In.Size()])
	r := 0
	for img := 0; img < n; img++ {
		base := img * g.In.Size()
		for oy := 0; oy < g.OutH; oy++ {
			for ox := 0; ox < g.OutW; ox++ {
				row := dCol[r*taps : (r+1)*taps]
				r++
				for ky := 0; ky < g.K; ky++ {
					for kx := 0; kx < g.K; kx++ {
						y, x := oy*g.Stride-g.Pad+ky, ox*g.Stride-g.Pad+kx
						if y < 0 || y >= g.In.H || x < 0 || x >= g.In.W {
							continue
						}
						for c := 0; c < C; c++ {
							dIn[base+(y*g.In.W+x)*C+c] += row[(ky*g.K+kx)*C+c]
						}
					}
				}
			}
		}
	}
}

func refMaxPoolForward(out []float32, arg []int32, in []float32, n int, in3 Shape, k, stride int) {
	oh, ow, C := (in3.H-k)/stride+1, (in3.W-k)/stride+1, in3.C
	o := 0
	for img := 0; img < n; img++ {
		base := img * in3.Size()
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for c := 0; c < C; c++ {
					best := base + ((oy*stride)*in3.W+ox*stride)*C + c
					for ky := 0; ky < k; ky++ {
						for kx := 0; kx < k; kx++ {
							if i := base + ((oy*stride+ky)*in3.W+ox*stride+kx)*C + c; in[i] > in[best] {
								best = i
							}
						}
					}
					out[o] = in[best]
					arg[o] = int32(best)
					o++
				}
			}
		}
	}
}

func refAdamUpdate(w, g, m, v []float32, step, b1, b2, eps, wd float32) {
	for i := range w {
		gi := g[i] + wd*w[i]
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		m[i], v[i] = mi, vi
		w[i] -= step * mi / (float32(math.Sqrt(float64(vi))) + eps)
	}
}
