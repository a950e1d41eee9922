package gradcheck

import (
	"math/rand/v2"
	"testing"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gemm"
)

// recorder counts the errors Check reports instead of failing the test.
type recorder struct {
	testing.TB
	errs int
}

func (r *recorder) Errorf(string, ...any) { r.errs++ }
func (r *recorder) Helper()               {}

// wrongGrad is a dense layer whose backward doubles the input gradient.
type wrongGrad struct{ engine.Dense }

func (l *wrongGrad) Backward(c *engine.Context, dIn, dOut, in, out []float32, n int) {
	l.Dense.Backward(c, dIn, dOut, in, out, n)
	for i := range dIn {
		dIn[i] *= 2
	}
}

// TestCheck checks that Check passes a correct layer and reports a wrong
// one.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		layer engine.Layer
		bad   bool
	}{
		{"dense", &engine.Dense{Out: 3, Act: engine.Tanh}, false},
		{"doubled input gradient", &wrongGrad{engine.Dense{Out: 3, Act: engine.Tanh}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 2
			net, err := engine.NewNet(engine.Flat(4), []engine.Layer{tc.layer}, n, gemm.Naive{}, 1)
			if err != nil {
				t.Fatal(err)
			}
			net.Init(1)
			r := rand.New(rand.NewPCG(1, 2))
			x := make([]float32, n*4)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			rec := &recorder{TB: t}
			Check(rec, net, x, n, 1)
			if got := rec.errs > 0; got != tc.bad {
				t.Errorf("Check reported %d errors, want errors: %v", rec.errs, tc.bad)
			}
		})
	}
}
