package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/engine/gradcheck"
)

func randSlice(r *rand.Rand, n int, std float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64() * std)
	}
	return s
}

// randomizeParams gives every parameter non-trivial values (biases
// included), so that every path of the gradient is exercised.
func randomizeParams(net *engine.Net, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 4))
	for i := range net.Data {
		net.Data[i] = float32(rng.NormFloat64() * 0.5)
	}
}

func TestPredictedLayerGradients(t *testing.T) {
	type layerCase struct {
		name  string
		in    engine.Shape
		layer func(u []float32) engine.Layer
		f     Factors
		learn bool
	}
	var cases []layerCase
	for _, J := range []int{1, 3} {
		for _, learn := range []bool{false, true} {
			for _, form := range []Form{Factored, Materialised} {
				for _, act := range []engine.Act{engine.Identity, engine.Tanh} {
					f := Factors{Rows: 7, Units: 6, Columns: J, NAlpha: 3}
					cases = append(cases, layerCase{
						name: fmt.Sprintf("dense/J%d/learnU=%v/%v/%v", J, learn, form, act),
						in:   engine.Flat(7), f: f, learn: learn,
						layer: func(u []float32) engine.Layer {
							return &PredictedDense{PredictedParams: PredictedParams{F: f, U: u, LearnU: learn}, Act: act, Form: form}
						},
					})
				}
			}
			f := Factors{Rows: 3 * 3 * 2, Units: 6, Columns: J, NAlpha: 4}
			cases = append(cases, layerCase{
				name: fmt.Sprintf("conv/J%d/learnU=%v", J, learn),
				in:   engine.Shape{H: 5, W: 4, C: 2}, f: f, learn: learn,
				layer: func(u []float32) engine.Layer {
					return &PredictedConv{PredictedParams: PredictedParams{F: f, U: u, LearnU: learn}, K: 3, Stride: 1, Pad: 1, Act: engine.Tanh}
				},
			})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const n = 3
			rng := rand.New(rand.NewPCG(1, 2))
			var u []float32
			if !tc.learn {
				u = randSlice(rng, tc.f.USize(), 0.7)
			}
			net, err := engine.NewNet(tc.in, []engine.Layer{tc.layer(u)}, n, gemm.Naive{}, 1)
			if err != nil {
				t.Fatal(err)
			}
			randomizeParams(net, 3)
			x := randSlice(rng, n*tc.in.Size(), 1)
			gradcheck.Check(t, net, x, n, 1)
		})
	}
}

// TestPredictedDenseForms checks that the factored and materialised forms
// compute the same outputs and gradients, for every column count, with
// and without a learned U.
func TestPredictedDenseForms(t *testing.T) {
	for _, J := range []int{1, 3, 5} {
		for _, learn := range []bool{false, true} {
			t.Run(fmt.Sprintf("J%d/learnU=%v", J, learn), func(t *testing.T) {
				f := Factors{Rows: 37, Units: 30, Columns: J, NAlpha: 7}
				const n = 11
				rng := rand.New(rand.NewPCG(5, 6))
				var u []float32
				if !learn {
					u = randSlice(rng, f.USize(), 0.3)
				}
				x := randSlice(rng, n*f.Rows, 1)
				dOut := randSlice(rng, n*f.Units, 1)
				type result struct{ out, grad, dx []float32 }
				run := func(form Form) result {
					l := &PredictedDense{PredictedParams: PredictedParams{F: f, U: u, LearnU: learn}, Act: engine.Sigmoid, Form: form}
					net, err := engine.NewNet(engine.Flat(f.Rows), []engine.Layer{l}, n, gemm.NewPortable(1), 1)
					if err != nil {
						t.Fatal(err)
					}
					randomizeParams(net, 9)
					out := append([]float32(nil), net.Forward(x, n)...)
					copy(net.OutputGrad(n), dOut)
					dx := append([]float32(nil), net.Backward(x, n, true)...)
					return result{out, append([]float32(nil), net.Grad...), dx}
				}
				a, b := run(Factored), run(Materialised)
				for _, c := range []struct {
					name string
					x, y []float32
				}{{"output", a.out, b.out}, {"param grad", a.grad, b.grad}, {"input grad", a.dx, b.dx}} {
					if d := maxRelDiff(c.x, c.y); d > 1e-5 {
						t.Errorf("%s: factored and materialised forms differ by %.3g (relative)", c.name, d)
					}
				}
			})
		}
	}
}

// maxRelDiff returns max |x−y| over max(1, max |y|).
func maxRelDiff(x, y []float32) float64 {
	if len(x) != len(y) {
		return math.Inf(1)
	}
	var d, s float64
	for i := range x {
		d = math.Max(d, math.Abs(float64(x[i]-y[i])))
		s = math.Max(s, math.Abs(float64(y[i])))
	}
	return d / math.Max(1, s)
}

func TestMaterialise(t *testing.T) {
	// W's column block j must equal U_j·V_j computed by hand.
	f := Factors{Rows: 5, Units: 6, Columns: 2, NAlpha: 2}
	rng := rand.New(rand.NewPCG(1, 1))
	u := randSlice(rng, f.USize(), 1)
	v := randSlice(rng, f.NAlpha*f.Units, 1)
	w := make([]float32, f.Rows*f.Units)
	f.Materialise(&engine.Context{Gemm: gemm.Naive{}, Threads: 1}, w, u, v)
	for i := 0; i < f.Rows; i++ {
		for k := 0; k < f.Units; k++ {
			j := k / 3
			var want float64
			for a := 0; a < f.NAlpha; a++ {
				want += float64(u[j*f.Rows*f.NAlpha+i*f.NAlpha+a]) * float64(v[a*f.Units+k])
			}
			if math.Abs(float64(w[i*f.Units+k])-want) > 1e-5 {
				t.Fatalf("W[%d,%d] = %v, want %v", i, k, w[i*f.Units+k], want)
			}
		}
	}
}
