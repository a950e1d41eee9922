package engine

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/predparams/predparams/engine/gemm"
)

// TestConvForwardDirect compares Conv2D with a direct convolution written
// from the definition.
func TestConvForwardDirect(t *testing.T) {
	cases := []struct {
		in                  Shape
		out, k, stride, pad int
	}{
		{Shape{5, 5, 1}, 2, 3, 1, 0},
		{Shape{7, 6, 3}, 4, 3, 2, 1},
		{Shape{28, 28, 1}, 3, 5, 1, 2},
		{Shape{4, 4, 2}, 1, 1, 1, 0},
	}
	for _, tc := range cases {
		const n = 2
		l := &Conv2D{Out: tc.out, K: tc.k, Stride: tc.stride, Pad: tc.pad}
		net, err := NewNet(tc.in, []Layer{l}, n, gemm.Simple{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		net.Init(5)
		rng := rand.New(rand.NewPCG(1, 1))
		for i := range l.B.Data {
			l.B.Data[i] = float32(rng.NormFloat64())
		}
		x := make([]float32, n*tc.in.Size())
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		got := net.Forward(x, n)
		g := l.Geom
		for img := 0; img < n; img++ {
			for oy := 0; oy < g.OutH; oy++ {
				for ox := 0; ox < g.OutW; ox++ {
					for f := 0; f < tc.out; f++ {
						s := float64(l.B.Data[f])
						for ky := 0; ky < tc.k; ky++ {
							for kx := 0; kx < tc.k; kx++ {
								y, xx := oy*g.Stride-tc.pad+ky, ox*g.Stride-tc.pad+kx
								if y < 0 || y >= tc.in.H || xx < 0 || xx >= tc.in.W {
									continue
								}
								for c := 0; c < tc.in.C; c++ {
									w := l.W.Data[((ky*tc.k+kx)*tc.in.C+c)*tc.out+f]
									s += float64(w) * float64(x[img*tc.in.Size()+(y*tc.in.W+xx)*tc.in.C+c])
								}
							}
						}
						o := got[((img*g.OutH+oy)*g.OutW+ox)*tc.out+f]
						if math.Abs(float64(o)-s) > 1e-4 {
							t.Fatalf("%+v: out[%d,%d,%d,%d] = %v, want %v", tc, img, oy, ox, f, o, s)
						}
					}
				}
			}
		}
	}
}

func TestMaxPoolForward(t *testing.T) {
	// One 4×4 image with 2 channels; channel 1 is channel 0 negated.
	in := make([]float32, 32)
	for i := 0; i < 16; i++ {
		in[2*i] = float32(i)
		in[2*i+1] = -float32(i)
	}
	cases := []struct {
		k, stride int
		want      []float32
	}{
		{2, 2, []float32{5, 0, 7, -2, 13, -8, 15, -10}},
		{3, 1, []float32{10, 0, 11, -1, 14, -4, 15, -5}},
		{4, 4, []float32{15, 0}},
	}
	for _, tc := range cases {
		l := &MaxPool{K: tc.k, Stride: tc.stride}
		out, err := l.Setup(Shape{4, 4, 2}, 1)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, out.Size())
		l.Forward(nil, got, in, 1)
		for i := range tc.want {
			if got[i] != tc.want[i] {
				t.Fatalf("k=%d s=%d: got %v, want %v", tc.k, tc.stride, got, tc.want)
			}
		}
	}
}

func TestSetupErrors(t *testing.T) {
	cases := []struct {
		name   string
		in     Shape
		layers []Layer
	}{
		{"dense zero units", Flat(4), []Layer{&Dense{Out: 0}}},
		{"conv negative stride", Shape{5, 5, 1}, []Layer{&Conv2D{Out: 2, K: 3, Stride: -1}}},
		{"conv kernel too big", Shape{3, 3, 1}, []Layer{&Conv2D{Out: 2, K: 5}}},
		{"conv pad ≥ k", Shape{5, 5, 1}, []Layer{&Conv2D{Out: 2, K: 3, Pad: 3}}},
		{"pool too big", Shape{2, 2, 1}, []Layer{&MaxPool{K: 3}}},
		{"empty input", Shape{0, 1, 1}, []Layer{&Dense{Out: 2}}},
		{"dense of 2^63−1 units", Flat(4), []Layer{&Dense{Out: math.MaxInt}}},
		{"dense of 2^40 units", Flat(4), []Layer{&Dense{Out: 1 << 40}}},
		{"weights beyond maxFloats", Flat(1 << 21), []Layer{&Dense{Out: 1 << 20}}},
	}
	for _, tc := range cases {
		if _, err := NewNet(tc.in, tc.layers, 4, gemm.Simple{}, 1); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
