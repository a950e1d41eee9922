package rica

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func randDense(r *rand.Rand, rows, cols int) *mat.Dense {
	d := make([]float64, rows*cols)
	for i := range d {
		d[i] = r.NormFloat64()
	}
	return mat.NewDense(rows, cols, d)
}

// TestGradient checks ∂J/∂W and ∂J/∂V against central finite differences.
func TestGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randDense(rng, 6, 9)
	for _, dict := range []bool{false, true} {
		t.Run(fmt.Sprintf("predicted=%v", dict), func(t *testing.T) {
			r := &RICA{X: x, K: 4, Lambda: 0.3, Epsilon: 0.01}
			if dict {
				r.U = randDense(rng, 6, 3)
			}
			p := make([]float64, r.Params())
			for i := range p {
				p[i] = 0.5 * rng.NormFloat64()
			}
			g := make([]float64, len(p))
			r.Func(p, g)
			const h = 1e-6
			for i := range p {
				old := p[i]
				p[i] = old + h
				fp := r.Func(p, nil)
				p[i] = old - h
				fm := r.Func(p, nil)
				p[i] = old
				num := (fp - fm) / (2 * h)
				if math.Abs(num-g[i]) > 1e-5*math.Max(1, math.Abs(num)) {
					t.Fatalf("∂J/∂p[%d] = %g, finite differences %g", i, g[i], num)
				}
			}
		})
	}
}

// TestTrainRICA checks that L-BFGS lowers the objective, on learned and
// predicted filters, and that a predicted filter lies in U's span.
func TestTrainRICA(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := randDense(rng, 8, 200)
	u := randDense(rng, 8, 4)
	for _, dict := range []*mat.Dense{nil, u} {
		cfg := RICAConfig{Features: 6, Lambda: 0.1, Iterations: 30, Seed: 5}
		r := &RICA{X: x, K: cfg.Features, Lambda: cfg.Lambda, Epsilon: 1e-2, U: dict}
		p0 := make([]float64, r.Params())
		r0 := rand.New(rand.NewPCG(cfg.Seed, 0x7269))
		for i := range p0 {
			p0[i] = 0.01 * r0.NormFloat64()
		}
		start := r.Func(p0, nil)
		w, f, err := TrainRICA(x, dict, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !(f < 0.9*start) {
			t.Errorf("predicted=%v: objective %g after training, %g at the start", dict != nil, f, start)
		}
		if dict != nil {
			// Each filter is U·v: its residual after projecting on U's columns vanishes.
			var qr mat.QR
			qr.Factorize(u)
			var q mat.Dense
			qr.QTo(&q)
			qa := q.Slice(0, 8, 0, 4)
			var proj, res mat.Dense
			proj.Mul(qa, qa.T())
			res.Mul(w, &proj)
			res.Sub(&res, w)
			if n := mat.Norm(&res, 2); n > 1e-8 {
				t.Errorf("predicted filters leave U's span by %g", n)
			}
		}
	}
	if _, _, err := TrainRICA(x, nil, RICAConfig{Features: 0, Lambda: 1, Iterations: 1}); err == nil {
		t.Error("0 features accepted")
	}
}
