package engine_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/engine/gradcheck"
)

func TestLayerGradients(t *testing.T) {
	cases := []struct {
		name   string
		in     engine.Shape
		layers func() []engine.Layer
	}{
		{"dense/identity", engine.Flat(7), func() []engine.Layer { return []engine.Layer{&engine.Dense{Out: 5}} }},
		{"dense/relu", engine.Flat(7), func() []engine.Layer { return []engine.Layer{&engine.Dense{Out: 5, Act: engine.ReLU}} }},
		{"dense/sigmoid", engine.Flat(7), func() []engine.Layer { return []engine.Layer{&engine.Dense{Out: 5, Act: engine.Sigmoid}} }},
		{"dense/tanh", engine.Flat(7), func() []engine.Layer { return []engine.Layer{&engine.Dense{Out: 5, Act: engine.Tanh}} }},
		{"dense/nobias", engine.Flat(6), func() []engine.Layer { return []engine.Layer{&engine.Dense{Out: 3, NoBias: true}} }},
		{"act/relu", engine.Flat(9), func() []engine.Layer {
			return []engine.Layer{&engine.Dense{Out: 6}, &engine.Activation{Act: engine.ReLU}}
		}},
		{"act/sigmoid", engine.Flat(9), func() []engine.Layer { return []engine.Layer{&engine.Activation{Act: engine.Sigmoid}} }},
		{"act/tanh", engine.Flat(9), func() []engine.Layer { return []engine.Layer{&engine.Activation{Act: engine.Tanh}} }},
		{"conv/k3", engine.Shape{5, 6, 2}, func() []engine.Layer { return []engine.Layer{&engine.Conv2D{Out: 3, K: 3}} }},
		{"conv/k3s2p1/relu", engine.Shape{7, 5, 3}, func() []engine.Layer {
			return []engine.Layer{&engine.Conv2D{Out: 4, K: 3, Stride: 2, Pad: 1, Act: engine.ReLU}}
		}},
		{"conv/k1", engine.Shape{3, 3, 4}, func() []engine.Layer { return []engine.Layer{&engine.Conv2D{Out: 2, K: 1}} }},
		{"conv/k5/tanh", engine.Shape{6, 6, 1}, func() []engine.Layer { return []engine.Layer{&engine.Conv2D{Out: 2, K: 5, Pad: 2, Act: engine.Tanh}} }},
		{"maxpool/2", engine.Shape{6, 4, 3}, func() []engine.Layer { return []engine.Layer{&engine.MaxPool{K: 2}} }},
		{"maxpool/3s2", engine.Shape{7, 7, 2}, func() []engine.Layer { return []engine.Layer{&engine.MaxPool{K: 3, Stride: 2}} }},
		{"stack/conv-pool-dense", engine.Shape{8, 8, 1}, func() []engine.Layer {
			return []engine.Layer{&engine.Conv2D{Out: 3, K: 3, Act: engine.ReLU}, &engine.MaxPool{K: 2}, &engine.Dense{Out: 4, Act: engine.Sigmoid}, &engine.Dense{Out: 3}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const n = 3
			net, err := engine.NewNet(tc.in, tc.layers(), n, gemm.Naive{}, 1)
			if err != nil {
				t.Fatal(err)
			}
			net.Init(1)
			rng := rand.New(rand.NewPCG(3, 4))
			for _, p := range net.Params { // non-zero biases exercise every path
				for i := range p.Data {
					p.Data[i] = float32(rng.NormFloat64() * 0.5)
				}
			}
			x := make([]float32, n*tc.in.Size())
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			gradcheck.Check(t, net, x, n, 1)
		})
	}
}

func TestSoftmaxCrossEntropyGradient(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{1, 2}, {4, 10}, {3, 7}} {
		t.Run(fmt.Sprintf("%dx%d", tc.n, tc.k), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			z := make([]float32, tc.n*tc.k)
			for i := range z {
				z[i] = float32(rng.NormFloat64() * 3)
			}
			y := make([]int32, tc.n)
			for i := range y {
				y[i] = int32(rng.IntN(tc.k))
			}
			d := make([]float32, len(z))
			engine.SoftmaxCrossEntropy(d, z, y, tc.n, tc.k)
			const eps = 1e-2
			for i := range z {
				old := z[i]
				z[i] = old + eps
				lp := engine.SoftmaxCrossEntropy(nil, z, y, tc.n, tc.k)
				z[i] = old - eps
				lm := engine.SoftmaxCrossEntropy(nil, z, y, tc.n, tc.k)
				z[i] = old
				num := float64(lp-lm) / (2 * eps)
				if math.Abs(num-float64(d[i])) > 1e-3 {
					t.Errorf("logit %d: backward %.6g, finite difference %.6g", i, d[i], num)
				}
			}
		})
	}
}

func TestSoftmaxCrossEntropyValue(t *testing.T) {
	// Uniform logits over k classes cost log k; huge logits must not overflow.
	z := []float32{0, 0, 0, 0, 1000, -1000, 0, 0}
	got := engine.SoftmaxCrossEntropy(nil, z, []int32{2, 0}, 2, 4)
	want := (math.Log(4) + 0) / 2
	if math.Abs(float64(got)-want) > 1e-6 {
		t.Fatalf("loss %v, want %v", got, want)
	}
}
