package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/predparams/predparams/engine/gemm"
)

// projLoss returns L = Σ out·r in float64, the scalar the gradient checks
// differentiate: its gradient with respect to out is r.
func projLoss(out, r []float32) float64 {
	var s float64
	for i, v := range out {
		s += float64(v) * float64(r[i])
	}
	return s
}

// checkGradients compares Backward's gradients with central finite
// differences of projLoss, for every parameter entry and every input.
func checkGradients(t *testing.T, net *Net, x []float32, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	out := net.Forward(x, n)
	r := make([]float32, len(out))
	for i := range r {
		r[i] = float32(rng.NormFloat64())
	}
	copy(net.OutputGrad(n), r)
	dx := net.Backward(x, n, true)
	grad := append([]float32(nil), net.Grad...)
	dx = append([]float32(nil), dx...)

	const eps = 1e-3
	check := func(what string, v []float32, i int, analytic float32) {
		t.Helper()
		old := v[i]
		v[i] = old + eps
		lp := projLoss(net.Forward(x, n), r)
		v[i] = old - eps
		lm := projLoss(net.Forward(x, n), r)
		v[i] = old
		num := (lp - lm) / (2 * eps)
		if d := math.Abs(num - float64(analytic)); d > 2e-2*math.Max(1, math.Abs(num)) {
			t.Errorf("%s[%d]: backward %.6g, finite difference %.6g", what, i, analytic, num)
		}
	}
	for _, p := range net.Params {
		for i := range p.Data {
			check(p.Name, p.Data, i, grad[p.Off+i])
		}
	}
	for i := range x {
		check("input", x, i, dx[i])
	}
}

func TestLayerGradients(t *testing.T) {
	cases := []struct {
		name   string
		in     Shape
		layers func() []Layer
	}{
		{"dense/identity", Flat(7), func() []Layer { return []Layer{&Dense{Out: 5}} }},
		{"dense/relu", Flat(7), func() []Layer { return []Layer{&Dense{Out: 5, Act: ReLU}} }},
		{"dense/sigmoid", Flat(7), func() []Layer { return []Layer{&Dense{Out: 5, Act: Sigmoid}} }},
		{"dense/tanh", Flat(7), func() []Layer { return []Layer{&Dense{Out: 5, Act: Tanh}} }},
		{"dense/nobias", Flat(6), func() []Layer { return []Layer{&Dense{Out: 3, NoBias: true}} }},
		{"act/relu", Flat(9), func() []Layer { return []Layer{&Dense{Out: 6}, &Activation{Act: ReLU}} }},
		{"act/sigmoid", Flat(9), func() []Layer { return []Layer{&Activation{Act: Sigmoid}} }},
		{"act/tanh", Flat(9), func() []Layer { return []Layer{&Activation{Act: Tanh}} }},
		{"conv/k3", Shape{5, 6, 2}, func() []Layer { return []Layer{&Conv2D{Out: 3, K: 3}} }},
		{"conv/k3s2p1/relu", Shape{7, 5, 3}, func() []Layer { return []Layer{&Conv2D{Out: 4, K: 3, Stride: 2, Pad: 1, Act: ReLU}} }},
		{"conv/k1", Shape{3, 3, 4}, func() []Layer { return []Layer{&Conv2D{Out: 2, K: 1}} }},
		{"conv/k5/tanh", Shape{6, 6, 1}, func() []Layer { return []Layer{&Conv2D{Out: 2, K: 5, Pad: 2, Act: Tanh}} }},
		{"maxpool/2", Shape{6, 4, 3}, func() []Layer { return []Layer{&MaxPool{K: 2}} }},
		{"maxpool/3s2", Shape{7, 7, 2}, func() []Layer { return []Layer{&MaxPool{K: 3, Stride: 2}} }},
		{"stack/conv-pool-dense", Shape{8, 8, 1}, func() []Layer {
			return []Layer{&Conv2D{Out: 3, K: 3, Act: ReLU}, &MaxPool{K: 2}, &Dense{Out: 4, Act: Sigmoid}, &Dense{Out: 3}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const n = 3
			net, err := NewNet(tc.in, tc.layers(), n, gemm.Naive{}, 1)
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
			checkGradients(t, net, x, n)
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
			SoftmaxCrossEntropy(d, z, y, tc.n, tc.k)
			const eps = 1e-2
			for i := range z {
				old := z[i]
				z[i] = old + eps
				lp := SoftmaxCrossEntropy(nil, z, y, tc.n, tc.k)
				z[i] = old - eps
				lm := SoftmaxCrossEntropy(nil, z, y, tc.n, tc.k)
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
	got := SoftmaxCrossEntropy(nil, z, []int32{2, 0}, 2, 4)
	want := (math.Log(4) + 0) / 2
	if math.Abs(float64(got)-want) > 1e-6 {
		t.Fatalf("loss %v, want %v", got, want)
	}
}
