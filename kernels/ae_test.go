package kernels

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/predparams/predparams/engine/gemm"
)

// refAELoss is the autoencoder loss in float64 with plain loops, independent of aeLossGrad.
func refAELoss(x []float32, bs, d, hid int, w, b []float64) float64 {
	sig := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	var loss float64
	h := make([]float64, hid)
	for r := 0; r < bs; r++ {
		for j := 0; j < hid; j++ {
			z := b[j]
			for i := 0; i < d; i++ {
				z += float64(x[r*d+i]) * w[i*hid+j]
			}
			h[j] = sig(z)
		}
		for i := 0; i < d; i++ {
			var z float64
			for j := 0; j < hid; j++ {
				z += h[j] * w[i*hid+j]
			}
			e := sig(z) - float64(x[r*d+i])
			loss += e * e
		}
	}
	return loss / float64(bs)
}

func TestAEGradient(t *testing.T) {
	const bs, d, hid = 5, 6, 4
	r := rand.New(rand.NewPCG(8, 0))
	x := randData(8, bs, d, 0, 1)
	w := make([]float32, d*hid)
	b := make([]float32, hid)
	for i := range w {
		w[i] = float32(r.Float64() - 0.5)
	}
	for i := range b {
		b[i] = float32(r.Float64() - 0.5)
	}
	dw, db := make([]float32, len(w)), make([]float32, len(b))
	loss := aeLossGrad(gemm.Naive{}, x, bs, d, hid, w, b, dw, db, newAEWork(bs, d, hid))

	w64, b64 := make([]float64, len(w)), make([]float64, len(b))
	for i, v := range w {
		w64[i] = float64(v)
	}
	for i, v := range b {
		b64[i] = float64(v)
	}
	if ref := refAELoss(x, bs, d, hid, w64, b64); math.Abs(loss-ref) > 1e-6*ref {
		t.Fatalf("loss %g, reference %g", loss, ref)
	}
	const h = 1e-6
	check := func(name string, p []float64, grad []float32) {
		var scale float64
		for _, g := range grad {
			scale = max(scale, math.Abs(float64(g)))
		}
		for i := range p {
			old := p[i]
			p[i] = old + h
			up := refAELoss(x, bs, d, hid, w64, b64)
			p[i] = old - h
			down := refAELoss(x, bs, d, hid, w64, b64)
			p[i] = old
			num := (up - down) / (2 * h)
			if math.Abs(num-float64(grad[i])) > 1e-4*scale {
				t.Errorf("∂L/∂%s[%d]: analytic %g, numeric %g", name, i, grad[i], num)
			}
		}
	}
	check("W", w64, dw)
	check("b", b64, db)
}

// lowRankData is n×d data in (0, 1) driven by k latent factors, which an AE can compress.
func lowRankData(seed uint64, n, d, k int) []float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	a := make([]float64, k*d)
	for i := range a {
		a[i] = 2 * r.NormFloat64()
	}
	x := make([]float32, n*d)
	for s := 0; s < n; s++ {
		z := make([]float64, k)
		for i := range z {
			z[i] = r.NormFloat64()
		}
		for i := 0; i < d; i++ {
			var v float64
			for j := range z {
				v += z[j] * a[j*d+i]
			}
			x[s*d+i] = float32(1 / (1 + math.Exp(-v)))
		}
	}
	return x
}

func TestTrainAE(t *testing.T) {
	const n, d, hid = 300, 16, 8
	x := lowRankData(5, n, d, 3)
	cfg := AEConfig{Epochs: 40, Batch: 20, LR: 0.5, Momentum: 0.7, LRDecay: 1.00004,
		MinLR: 1e-6, InitScale: 0.1, Seed: 3}
	g := gemm.Best(1)
	w, _, losses, err := trainAE(g, x, n, d, hid, cfg)
	if err != nil {
		t.Fatal(err)
	}
	first, last := losses[0], losses[len(losses)-1]
	t.Logf("loss per epoch: first %.4f, last %.4f", first, last)
	if !(last < 0.7*first) {
		t.Errorf("loss went from %g to %g, want a drop of 30%%", first, last)
	}
	for _, v := range w {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatal("non-finite weights")
		}
	}
	again, err := TrainAE(g, x, n, d, hid, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w, again) {
		t.Error("same seed, different features")
	}
}

// TestTrainAEStops checks that closing Stop abandons a training that
// would otherwise take minutes.
func TestTrainAEStops(t *testing.T) {
	const n, d, hid = 600, 64, 64
	x := lowRankData(6, n, d, 3)
	stop := make(chan struct{})
	cfg := PaperAEConfig(1)
	cfg.Epochs, cfg.Stop = 1_000_000, stop
	time.AfterFunc(20*time.Millisecond, func() { close(stop) })
	start := time.Now()
	if _, err := TrainAE(gemm.Best(1), x, n, d, hid, cfg); !errors.Is(err, ErrStopped) {
		t.Fatalf("TrainAE returned %v, want ErrStopped", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("TrainAE took %v to stop", el)
	}
}

func TestTrainAEErrors(t *testing.T) {
	good := PaperAEConfig(1)
	good.Epochs = 1
	x := randData(1, 10, 4, 0, 1)
	mod := func(f func(*AEConfig)) AEConfig { c := good; f(&c); return c }
	for _, tc := range []struct {
		name      string
		x         []float32
		n, d, hid int
		cfg       AEConfig
	}{
		{"zero config", x, 10, 4, 3, AEConfig{}},
		{"short data", x[:39], 10, 4, 3, good},
		{"no hidden", x, 10, 4, 0, good},
		{"no rows", nil, 0, 4, 3, good},
		{"batch", x, 10, 4, 3, mod(func(c *AEConfig) { c.Batch = 0 })},
		{"lr", x, 10, 4, 3, mod(func(c *AEConfig) { c.LR = math.NaN() })},
		{"momentum", x, 10, 4, 3, mod(func(c *AEConfig) { c.Momentum = 1 })},
		{"decay", x, 10, 4, 3, mod(func(c *AEConfig) { c.LRDecay = 0.5 })},
		{"min lr", x, 10, 4, 3, mod(func(c *AEConfig) { c.MinLR = -1 })},
		{"init", x, 10, 4, 3, mod(func(c *AEConfig) { c.InitScale = 0 })},
	} {
		if _, err := TrainAE(gemm.Best(1), tc.x, tc.n, tc.d, tc.hid, tc.cfg); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := TrainAE(gemm.Best(1), x, 10, 4, 3, good); err != nil {
		t.Errorf("good config: %v", err)
	}
}

func TestAEDict(t *testing.T) {
	const d, hid = 3, 5
	f := make([]float32, d*hid)
	for i := range f {
		f[i] = float32(i)
	}
	u, err := AEDict(f, d, hid, []int{4, 0})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{4, 0, 9, 5, 14, 10}; !slices.Equal(u, want) {
		t.Errorf("U = %v, want %v", u, want)
	}
	for _, alpha := range [][]int{{5}, {1, 1}, nil} {
		if _, err := AEDict(f, d, hid, alpha); err == nil {
			t.Errorf("α = %v: no error", alpha)
		}
	}
	if _, err := AEDict(f[:14], d, hid, []int{0}); err == nil {
		t.Error("short features: no error")
	}
}
