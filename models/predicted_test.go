package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/engine/gradcheck"
	"github.com/predparams/predparams/kernels"
)

// synthImages returns n random h×w×c "images" with smooth blobs (so that
// covariances are far from diagonal), labels from the blob position, and
// a border of constant zero pixels as in MNIST.
func synthImages(n, h, w, c, classes int, seed uint64) *data.Dataset {
	r := rand.New(rand.NewPCG(seed, 1))
	ds := &data.Dataset{Name: "synth", N: n, H: h, W: w, C: c, Classes: classes,
		X: make([]float32, n*h*w*c), Y: make([]int32, n)}
	for i := 0; i < n; i++ {
		cy, cx := 1+r.Float64()*float64(h-2), 1+r.Float64()*float64(w-2)
		ds.Y[i] = int32(int(cx*float64(classes)/float64(w)) % classes)
		for y := 1; y < h-1; y++ {
			for x := 1; x < w-1; x++ {
				d2 := (float64(y)-cy)*(float64(y)-cy) + (float64(x)-cx)*(float64(x)-cx)
				for ch := 0; ch < c; ch++ {
					v := math.Exp(-d2/4)*(0.5+0.5*float64(ch+1)/float64(c)) + 0.05*r.Float64()
					ds.X[((i*h+y)*w+x)*c+ch] = float32(v)
				}
			}
		}
	}
	return ds
}

// mlpConfig returns a small MLP config with the given predict settings
// for its two hidden layers (nil: dense).
func mlpConfig(units int, act string, p1, p2 *PredictConfig) *Config {
	return &Config{
		Name: "test",
		Layers: []LayerConfig{
			{Type: "dense", Units: units, Act: act, Predict: p1},
			{Type: "dense", Units: units, Act: act, Predict: p2},
			{Type: "dense", Units: 3},
		},
		Train: TrainConfig{Epochs: 1, Batch: 10, Seed: 5, Optimizer: engine.OptimConfig{Kind: "adam", LR: 0.01}},
	}
}

var testEnv = Env{Gemm: gemm.Naive{}, Threads: 1}

// TestDictionaryGradients checks the gradients of whole nets built from
// every dictionary, J = 1 and 3, by finite differences: the dictionary
// construction feeds a layer whose V (and U for lowrank) must get the
// right gradient.
func TestDictionaryGradients(t *testing.T) {
	ds := synthImages(40, 6, 6, 1, 3, 1)
	in := engine.Shape{H: 6, W: 6, C: 1}
	type tc struct {
		name   string
		p1, p2 *PredictConfig
	}
	var cases []tc
	for _, J := range []int{1, 3} {
		p := func(dict string, extra func(*PredictConfig)) *PredictConfig {
			c := &PredictConfig{Dict: dict, NAlpha: 4, Columns: J}
			if extra != nil {
				extra(c)
			}
			return c
		}
		// Every kind of the table (ae below, with small settings): in
		// layer 0, and in layer 1 too when it is data-driven (emp there
		// otherwise).
		for _, k := range DictKinds() {
			if k.Name == "ae" {
				continue
			}
			second := "emp"
			if k.DataDriven {
				second = k.Name
			}
			cases = append(cases, tc{fmt.Sprintf("%s/J%d", k.Name, J), p(k.Name, nil), p(second, nil)})
		}
		cases = append(cases,
			tc{fmt.Sprintf("se-raw/J%d", J), p("se", func(c *PredictConfig) { c.Form = "raw" }), p("emp", func(c *PredictConfig) { c.Form = "raw" })},
			tc{fmt.Sprintf("normalized/J%d", J), p("se", func(c *PredictConfig) { c.Normalize = true }), p("emp2", func(c *PredictConfig) { c.Normalize = true })},
			tc{fmt.Sprintf("ae/J%d", J), p("ae", func(c *PredictConfig) { c.AEHidden = 8; c.AEEpochs = 2 }), p("ae", func(c *PredictConfig) { c.AEHidden = 8; c.AEEpochs = 2 })},
			tc{fmt.Sprintf("pca-random/J%d", J), p("pca", func(c *PredictConfig) { c.Pick = "random" }), p("dct", func(c *PredictConfig) { c.Pick = "random" })},
			tc{fmt.Sprintf("alternate/J%d", J), p("se", func(c *PredictConfig) { c.Alternate = 1 }), p("emp", func(c *PredictConfig) { c.Alternate = 2 })},
		)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := mlpConfig(6, "tanh", c.p1, c.p2)
			if c.p2.Dict == "dct" { // dct needs topology: keep it in layer 1
				cfg.Layers[1].Predict = &PredictConfig{Dict: "randcon", NAlpha: 4, Columns: c.p2.Columns}
			}
			m, err := Build(cfg, in, 3, ds, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			randomizeParams(m.Net, 11)
			const n = 3
			x := append([]float32(nil), ds.X[:n*in.Size()]...)
			gradcheck.Check(t, m.Net, x, n, 1)
		})
	}
}

// TestTiedDecoderGradient checks the autoencoder used by pretraining.
func TestTiedDecoderGradient(t *testing.T) {
	for _, J := range []int{1, 3} {
		t.Run(fmt.Sprint("J", J), func(t *testing.T) {
			f := Factors{Rows: 8, Units: 6, Columns: J, NAlpha: 3}
			rng := rand.New(rand.NewPCG(2, 3))
			enc := &PredictedDense{PredictedParams: PredictedParams{F: f, U: randSlice(rng, f.USize(), 0.5)}, Act: engine.Sigmoid, Form: Factored}
			dec := &tiedDecoder{enc: enc, rows: 8, units: 6}
			net, err := engine.NewNet(engine.Flat(8), []engine.Layer{enc, dec}, 3, gemm.Naive{}, 1)
			if err != nil {
				t.Fatal(err)
			}
			randomizeParams(net, 4)
			gradcheck.Check(t, net, randSlice(rng, 3*8, 1), 3, 1)
		})
	}
}

// TestDictionaryProperties checks each dictionary against what it must
// be by construction.
func TestDictionaryProperties(t *testing.T) {
	ds := synthImages(60, 7, 7, 1, 3, 2)
	in := engine.Shape{H: 7, W: 7, C: 1}
	build := func(t *testing.T, p *PredictConfig) (*Model, *Dictionary) {
		t.Helper()
		m, err := Build(mlpConfig(6, "relu", p, nil), in, 3, ds, testEnv)
		if err != nil {
			t.Fatal(err)
		}
		return m, m.Dictionary(0)
	}
	rowNorm2 := func(u []float32, rows int) float64 {
		var s float64
		for _, v := range u {
			s += float64(v) * float64(v)
		}
		return s / float64(rows)
	}
	t.Run("krr interpolates at α", func(t *testing.T) {
		// With a tiny ridge, U restricted to the rows in α is the identity.
		_, d := build(t, &PredictConfig{Dict: "se", NAlpha: 5, Columns: 2, Ridge: 1e-9})
		for j, a := range d.Alpha {
			for k, p := range a {
				for l := range a {
					want := 0.0
					if k == l {
						want = 1
					}
					if got := float64(d.U[j][p*d.NAlpha+l]); math.Abs(got-want) > 1e-4 {
						t.Fatalf("column %d: U[α_%d, %d] = %v, want %v", j, k, l, got, want)
					}
				}
			}
			if d.Gain[j] != 1 {
				t.Errorf("KRR column %d has gain %v, want 1 (V holds weights)", j, d.Gain[j])
			}
		}
	})
	for _, dict := range []string{"randfixu", "randcon", "pca", "dct", "ae"} {
		t.Run(dict+" has unit mean squared row norm", func(t *testing.T) {
			p := &PredictConfig{Dict: dict, NAlpha: 5, Columns: 2}
			if dict == "ae" {
				p.AEHidden, p.AEEpochs = 10, 2
			}
			_, d := build(t, p)
			for j, u := range d.U {
				if got := rowNorm2(u, d.Rows); math.Abs(got-1) > 1e-5 {
					t.Errorf("column %d: mean squared row norm %v, want 1", j, got)
				}
			}
		})
	}
	t.Run("randcon sees only α", func(t *testing.T) {
		_, d := build(t, &PredictConfig{Dict: "randcon", NAlpha: 4, Columns: 3})
		g := float32(math.Sqrt(49.0 / 4))
		for j, a := range d.Alpha {
			for i := 0; i < d.Rows; i++ {
				for k := 0; k < d.NAlpha; k++ {
					want := float32(0)
					if a[k] == i {
						want = g
					}
					if got := d.U[j][i*d.NAlpha+k]; math.Abs(float64(got-want)) > 1e-5 {
						t.Fatalf("column %d: U[%d,%d] = %v, want %v", j, i, k, got, want)
					}
				}
			}
		}
	})
	t.Run("pca leading atoms are orthogonal", func(t *testing.T) {
		_, d := build(t, &PredictConfig{Dict: "pca", NAlpha: 4, Columns: 2})
		u := d.U[0]
		for a := 0; a < 4; a++ {
			for b := 0; b < 4; b++ {
				var s float64
				for i := 0; i < d.Rows; i++ {
					s += float64(u[i*4+a]) * float64(u[i*4+b])
				}
				want := 0.0
				if a == b {
					want = d.Gain[0] * d.Gain[0] // unit atoms times the gain
				}
				if math.Abs(s-want) > 1e-3*math.Max(1, want) {
					t.Errorf("atoms %d·%d = %v, want %v", a, b, s, want)
				}
			}
		}
		if fmt.Sprint(d.Atoms[0]) != fmt.Sprint(d.Atoms[1]) || fmt.Sprint(d.Atoms[0]) != "[0 1 2 3]" {
			t.Errorf("leading atoms %v, want [0 1 2 3] in every column", d.Atoms)
		}
	})
	t.Run("α differs between columns and layers, fixed by the seed", func(t *testing.T) {
		cfg := mlpConfig(6, "relu", &PredictConfig{Dict: "se", NAlpha: 5, Columns: 3}, &PredictConfig{Dict: "randcon", NAlpha: 5, Columns: 3})
		a, err := Build(cfg, in, 3, ds, testEnv)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Build(cfg, in, 3, ds, testEnv)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(a.StaticSums()) != fmt.Sprint(b.StaticSums()) {
			t.Errorf("the same seed gave different dictionaries: %v, %v", a.StaticSums(), b.StaticSums())
		}
		d := a.Dictionary(0)
		if fmt.Sprint(d.Alpha[0]) == fmt.Sprint(d.Alpha[1]) {
			t.Errorf("columns 0 and 1 share α %v", d.Alpha[0])
		}
		if fmt.Sprint(d.Alpha[0]) == fmt.Sprint(a.Dictionary(1).Alpha[0]) {
			t.Errorf("layers 0 and 1 share α %v", d.Alpha[0])
		}
		cfg.Train.Seed++
		c, err := Build(cfg, in, 3, ds, testEnv)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(a.StaticSums()) == fmt.Sprint(c.StaticSums()) {
			t.Error("another seed gave the same dictionaries")
		}
	})
	t.Run("emp kernel is the covariance of the layer's inputs", func(t *testing.T) {
		// Layer 1's dictionary is built from covariance columns; its
		// Kernel must still show the whole covariance of layer 0's
		// outputs at init, as the model computes them.
		for _, dict := range []string{"emp", "emp2"} {
			cfg := mlpConfig(8, "relu", &PredictConfig{Dict: "se", NAlpha: 5}, &PredictConfig{Dict: dict, NAlpha: 2, Columns: 2})
			m, err := Build(cfg, in, 3, ds, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float32, 0, ds.N*8)
			for start := 0; start < ds.N; start += cfg.Train.Batch {
				nb := min(cfg.Train.Batch, ds.N-start)
				m.Net.Forward(ds.X[start*ds.Dim():(start+nb)*ds.Dim()], nb)
				x = append(x, m.Net.Activation(0, nb)...)
			}
			var want kernels.Kernel
			if dict == "emp" {
				want, err = kernels.NewEmp(gemm.Naive{}, x, ds.N, 8)
			} else {
				want, err = kernels.NewEmp2(gemm.Naive{}, x, ds.N, 8)
			}
			if err != nil {
				t.Fatal(err)
			}
			k := m.Dictionary(1).Kernel
			var scale float64
			for i := 0; i < 8; i++ {
				scale = math.Max(scale, want.At(i, i))
			}
			for i := 0; i < 8; i++ {
				for j := 0; j < 8; j++ {
					if d := math.Abs(k.At(i, j) - want.At(i, j)); !(d <= 1e-6*scale) {
						t.Fatalf("%s: k(%d, %d) = %v, want %v", dict, i, j, k.At(i, j), want.At(i, j))
					}
				}
			}
		}
	})
	t.Run("tied α covers every channel of its pixels", func(t *testing.T) {
		cfg := &Config{Name: "t", Layers: []LayerConfig{
			{Type: "conv", Filters: 4, K: 3, Act: "relu", Predict: &PredictConfig{Dict: "se", Fraction: 0.34, Columns: 2, Tied: true}},
			{Type: "dense", Units: 3},
		}, Train: TrainConfig{Epochs: 1, Batch: 5, Optimizer: engine.OptimConfig{Kind: "sgd", LR: 0.1}}}
		m, err := Build(cfg, engine.Shape{H: 5, W: 5, C: 3}, 3, nil, testEnv)
		if err != nil {
			t.Fatal(err)
		}
		d := m.Dictionary(0)
		if d.NAlpha != 9 { // round(0.34·9) = 3 pixels × 3 channels
			t.Fatalf("n_α = %d, want 9", d.NAlpha)
		}
		for _, a := range d.Alpha {
			for k := 0; k < len(a); k += 3 {
				if a[k]%3 != 0 || a[k+1] != a[k]+1 || a[k+2] != a[k]+2 {
					t.Fatalf("α %v does not hold whole pixels", a)
				}
			}
		}
	})
}

func TestWeights(t *testing.T) {
	ds := synthImages(30, 6, 6, 1, 3, 3)
	m, err := Build(mlpConfig(6, "relu", &PredictConfig{Dict: "lowrank", NAlpha: 3, Columns: 2}, &PredictConfig{Dict: "emp", NAlpha: 2, Columns: 3}),
		engine.Shape{H: 6, W: 6, C: 1}, 3, ds, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		d := m.Dictionary(i)
		l := m.Net.Layers[i].(*PredictedDense)
		w, rows, units := m.Weights(i, nil)
		if rows != d.Rows || units != d.Units {
			t.Fatalf("layer %d: Weights is %d×%d, want %d×%d", i, rows, units, d.Rows, d.Units)
		}
		g := units / d.Columns
		for r := 0; r < rows; r++ {
			for k := 0; k < units; k++ {
				j := k / g
				var want float64
				for a := 0; a < d.NAlpha; a++ {
					want += float64(d.U[j][r*d.NAlpha+a]) * float64(l.V.Data[a*units+k])
				}
				if math.Abs(float64(w[r*units+k])-want) > 1e-5 {
					t.Fatalf("layer %d: W[%d,%d] = %v, want %v", i, r, k, w[r*units+k], want)
				}
			}
		}
	}
	// lowrank's dictionary is a view of the learned parameter.
	l := m.Net.Layers[0].(*PredictedDense)
	l.UP.Data[0] = 42
	if m.Dictionary(0).U[0][0] != 42 {
		t.Error("the lowrank dictionary is not a view of the parameter u")
	}
	if m.Dictionary(2) != nil || m.Dictionary(-1) != nil {
		t.Error("Dictionary of a dense layer or a bad index is not nil")
	}
}

// TestAccounting checks the parameter counts against hand counts.
func TestAccounting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds full-size MNIST models")
	}
	mnist := synthImages(100, 28, 28, 1, 10, 4)
	p := func(dict string, frac float64, J int) *PredictConfig {
		return &PredictConfig{Dict: dict, Fraction: frac, Columns: J}
	}
	mlp := func(p1, p2 *PredictConfig) *Config {
		c := mlpConfig(500, "relu", p1, p2)
		c.Layers[2].Units = 10
		return c
	}
	cases := []struct {
		name              string
		cfg               *Config
		in                engine.Shape
		static, learned   []int // per layer
		fraction, netFrac float64
	}{
		{
			// n_α = round(0.05·784) = 39 and round(0.05·500) = 25 per column.
			name: "784-500-500-10 se-emp 5% J=5", cfg: mlp(p("se", 0.05, 5), p("emp", 0.05, 5)), in: engine.Shape{H: 28, W: 28, C: 1},
			static:   []int{5 * 784 * 39, 5 * 500 * 25, 0},
			learned:  []int{39 * 500, 25 * 500, 5000},
			fraction: float64(39*500+25*500) / float64(784*500+500*500),
			netFrac:  float64(39*500+25*500+5000+1010) / float64(647000+1010),
		},
		{
			name: "784-500-500-10 se-emp 50% J=1", cfg: mlp(p("se", 0.5, 1), p("emp", 0.5, 1)), in: engine.Shape{H: 28, W: 28, C: 1},
			static:   []int{784 * 392, 500 * 250, 0},
			learned:  []int{392 * 500, 250 * 500, 5000},
			fraction: 0.5,
			netFrac:  float64(392*500+250*500+5000+1010) / float64(647000+1010),
		},
		{
			// LowRank learns U (784×15, 500×12) and V.
			name: "784-500-500-10 lowrank", cfg: mlp(&PredictConfig{Dict: "lowrank", NAlpha: 15}, &PredictConfig{Dict: "lowrank", NAlpha: 12}), in: engine.Shape{H: 28, W: 28, C: 1},
			static:   []int{0, 0, 0},
			learned:  []int{784*15 + 15*500, 500*12 + 12*500, 5000},
			fraction: float64(784*15+15*500+500*12+12*500) / float64(642000),
			netFrac:  float64(784*15+15*500+500*12+12*500+5000+1010) / float64(647000+1010),
		},
		{
			// conv 5×5×1→20 (25 taps, n_α = 6), pool, conv 5×5×20→50 (500
			// taps, n_α = 125), pool, dense 800→500 (n_α = 200).
			name: "convnet se 25%",
			cfg: &Config{Name: "c", Layers: []LayerConfig{
				{Type: "conv", Filters: 20, K: 5, Act: "relu", Predict: p("se", 0.25, 4)},
				{Type: "maxpool", K: 2},
				{Type: "conv", Filters: 50, K: 5, Act: "relu", Predict: p("se", 0.25, 5)},
				{Type: "maxpool", K: 2},
				{Type: "dense", Units: 500, Act: "relu", Predict: p("se", 0.25, 5)},
				{Type: "dense", Units: 10},
			}, Train: TrainConfig{Epochs: 1, Batch: 10, Optimizer: engine.OptimConfig{Kind: "sgd", LR: 0.1}}},
			in:       engine.Shape{H: 28, W: 28, C: 1},
			static:   []int{4 * 25 * 6, 0, 5 * 500 * 125, 0, 5 * 800 * 200, 0},
			learned:  []int{6 * 20, 0, 125 * 50, 0, 200 * 500, 5000},
			fraction: float64(6*20+125*50+200*500) / float64(25*20+500*50+800*500),
			netFrac:  float64(6*20+125*50+200*500+5000+20+50+500+10) / float64(25*20+500*50+800*500+5000+20+50+500+10),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Build(c.cfg, c.in, 10, mnist, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			var static, learned int
			for i, l := range m.Layers {
				if l.Static != c.static[i] || l.Learned != c.learned[i] {
					t.Errorf("layer %d: static %d learned %d, want %d and %d", i, l.Static, l.Learned, c.static[i], c.learned[i])
				}
				static += c.static[i]
				if !l.Output {
					learned += c.learned[i]
				}
			}
			a := m.Accounting()
			if a.StaticParams != static || a.LearnedWeights != learned {
				t.Errorf("static %d, learned hidden weights %d; want %d and %d", a.StaticParams, a.LearnedWeights, static, learned)
			}
			if math.Abs(a.FractionLearned-c.fraction) > 1e-12 || math.Abs(a.FractionLearnedNet-c.netFrac) > 1e-12 {
				t.Errorf("fractions %v (net %v), want %v (net %v)", a.FractionLearned, a.FractionLearnedNet, c.fraction, c.netFrac)
			}
			// Every trainable number of the Net is counted once.
			if a.TotalTrainable != len(m.Net.Data) {
				t.Errorf("total trainable %d, the Net has %d parameters", a.TotalTrainable, len(m.Net.Data))
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	ok := func() *Config {
		return mlpConfig(6, "relu", &PredictConfig{Dict: "se", Fraction: 0.1, Columns: 2}, &PredictConfig{Dict: "emp", Fraction: 0.1})
	}
	cases := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"unknown dict", func(c *Config) { c.Layers[0].Predict.Dict = "wavelet" }, "want one of"},
		{"fraction and n_alpha", func(c *Config) { c.Layers[0].Predict.NAlpha = 3 }, "exactly one of fraction and n_alpha"},
		{"neither", func(c *Config) { c.Layers[0].Predict.Fraction = 0 }, "exactly one of fraction and n_alpha"},
		{"fraction > 1", func(c *Config) { c.Layers[0].Predict.Fraction = 1.5 }, "want 0 < fraction ≤ 1"},
		{"columns do not divide", func(c *Config) { c.Layers[0].Predict.Columns = 4 }, "does not divide 6 units"},
		{"form on pca", func(c *Config) { c.Layers[1].Predict = &PredictConfig{Dict: "pca", Fraction: 0.1, Form: "raw"} }, "predict.form applies"},
		{"bad form", func(c *Config) { c.Layers[0].Predict.Form = "gp" }, "want krr or raw"},
		{"length on emp", func(c *Config) { c.Layers[1].Predict.Length = 2 }, "predict.length applies"},
		{"pick on se", func(c *Config) { c.Layers[0].Predict.Pick = "random" }, "predict.pick applies"},
		{"tied on dense", func(c *Config) { c.Layers[0].Predict.Tied = true }, "conv layers only"},
		{"trained source", func(c *Config) { c.Layers[1].Predict.Source = "trained:3" }, "not supported"},
		{"bad source", func(c *Config) { c.Layers[1].Predict.Source = "later" }, "want init or pretrained"},
		{"source on se", func(c *Config) { c.Layers[0].Predict.Source = "init" }, "data-driven dictionaries"},
		{"pretrained without pretraining", func(c *Config) { c.Layers[1].Predict.Source = "pretrained" }, "needs train.pretrain"},
		{"emp in conv", func(c *Config) {
			c.Layers[0] = LayerConfig{Type: "conv", Filters: 4, K: 3, Predict: &PredictConfig{Dict: "emp", Fraction: 0.5}}
		}, "not available in conv layers"},
		{"ae settings on se", func(c *Config) { c.Layers[0].Predict.AEHidden = 10 }, "apply to the ae dictionary"},
		{"pretraining relu", func(c *Config) {
			c.Train.Pretrain = &PretrainConfig{Epochs: 1, Optimizer: engine.OptimConfig{Kind: "sgd", LR: 0.1}}
		}, "needs sigmoid dense hidden layers"},
		{"predicted classifier", func(c *Config) { c.Layers[2].Predict = &PredictConfig{Dict: "se", Fraction: 0.5} }, "ordinary dense layer"},
	}
	if err := ok().Validate(); err != nil {
		t.Fatalf("the base config is invalid: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := ok()
			c.change(cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestBuildErrors checks the errors only the shapes can reveal.
func TestBuildErrors(t *testing.T) {
	ds := synthImages(20, 6, 6, 1, 3, 5)
	in := engine.Shape{H: 6, W: 6, C: 1}
	cases := []struct {
		name   string
		p1, p2 *PredictConfig
		want   string
	}{
		{"se without topology", nil, &PredictConfig{Dict: "se", Fraction: 0.5}, "needs an input with spatial topology"},
		{"dct without topology", nil, &PredictConfig{Dict: "dct", Fraction: 0.5}, "needs an input with spatial topology"},
		{"n_alpha too large", &PredictConfig{Dict: "randcon", NAlpha: 37}, nil, "exceeds the layer's 36 input positions"},
		{"ae n_alpha above its features", &PredictConfig{Dict: "ae", NAlpha: 9, AEHidden: 8}, nil, "exceeds the autoencoder's 8 features"},
		{"singular kernel", &PredictConfig{Dict: "emp", NAlpha: 30, Ridge: 1e-300}, nil, "increase the ridge"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(mlpConfig(6, "relu", c.p1, c.p2), in, 3, ds, testEnv)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := Build(mlpConfig(6, "relu", &PredictConfig{Dict: "emp", NAlpha: 3}, nil), in, 3, nil, testEnv); err == nil || !strings.Contains(err.Error(), "needs training data") {
		t.Errorf("building a data-driven dictionary without data: error %v", err)
	}
}

// TestPredictedStepAllocatesNothing checks that a training step of
// predicted models (both dense forms, a learned U, a conv layer) does
// not allocate.
func TestPredictedStepAllocatesNothing(t *testing.T) {
	train := synthImages(200, 8, 8, 1, 3, 13)
	conv := &Config{Name: "c", Layers: []LayerConfig{
		{Type: "conv", Filters: 4, K: 3, Act: "relu", Predict: &PredictConfig{Dict: "se", NAlpha: 3, Columns: 2}},
		{Type: "maxpool", K: 2},
		{Type: "dense", Units: 3},
	}, Train: TrainConfig{Epochs: 1, Batch: 10, Optimizer: engine.OptimConfig{Kind: "adam", LR: 0.01}}}
	// 64 inputs, 6 columns of one unit and 60 atoms, batches of 20:
	// materialised.
	mat := mlpConfig(6, "relu", &PredictConfig{Dict: "randfixu", NAlpha: 60, Columns: 6}, &PredictConfig{Dict: "emp", NAlpha: 2})
	mat.Train.Batch = 20
	cases := map[string]*Config{
		"materialised": mat,
		"factored":     mlpConfig(6, "relu", &PredictConfig{Dict: "lowrank", NAlpha: 3, Columns: 3}, &PredictConfig{Dict: "pca", NAlpha: 2}),
		"fixed-u":      mlpConfig(6, "relu", &PredictConfig{Dict: "se", NAlpha: 3, Columns: 3}, &PredictConfig{Dict: "emp", NAlpha: 2, Columns: 2}),
		"conv":         conv,
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			cfg.Train.Optimizer.MaxNorm = 2
			r, err := NewRun(cfg, train, train, Env{Gemm: gemm.Best(1), Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			if l, ok := r.Model.Net.Layers[0].(*PredictedDense); ok && name != "fixed-u" && l.Form.String() != name {
				t.Fatalf("layer 0 uses the %v form, the case wants %s", l.Form, name)
			}
			r.Step()
			if a := testing.AllocsPerRun(20, func() { r.Trainer.TrainStep(r.Train) }); a != 0 {
				t.Errorf("%v allocations per step, want 0", a)
			}
		})
	}
}

// TestPredictedThreadsBitIdentical builds and trains nets with predicted
// layers on 1 and 2 threads, with shapes large enough that the products
// and the elementwise loops are split: the dictionaries (a data-driven
// one included), the parameters and the losses must agree bit for bit,
// and a step on 2 threads must not allocate either.
func TestPredictedThreadsBitIdentical(t *testing.T) {
	train := synthImages(300, 28, 28, 1, 3, 17)
	opt := engine.OptimConfig{Kind: "adam", LR: 0.001, MaxNorm: 2}
	cases := map[string]*Config{
		// Layer 0 factored with J = 5, layer 1 materialised.
		"dense": {Name: "d", Layers: []LayerConfig{
			{Type: "dense", Units: 500, Act: "relu", Predict: &PredictConfig{Dict: "se", Fraction: 0.05, Columns: 5}},
			{Type: "dense", Units: 500, Act: "relu", Predict: &PredictConfig{Dict: "emp", NAlpha: 78, Columns: 20}},
			{Type: "dense", Units: 3},
		}, Train: TrainConfig{Epochs: 1, Batch: 100, Seed: 3, Optimizer: opt}},
		"conv": {Name: "c", Layers: []LayerConfig{
			{Type: "conv", Filters: 20, K: 5, Act: "relu", Predict: &PredictConfig{Dict: "se", NAlpha: 6, Columns: 2}},
			{Type: "maxpool", K: 2},
			{Type: "dense", Units: 3},
		}, Train: TrainConfig{Epochs: 1, Batch: 100, Seed: 3, Optimizer: opt}},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			type result struct {
				sums   []string
				data   []float32
				losses []float32
			}
			run := func(threads int) result {
				r, err := NewRun(cfg, train, train, Env{Gemm: gemm.Best(threads), Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				if forms := r.Model.Layers[0].Form + " " + r.Model.Layers[1].Form; name == "dense" && forms != "factored materialised" {
					t.Fatalf("layers 0 and 1 use the %s forms, the case wants factored and materialised", forms)
				}
				var res result
				for range 4 {
					res.losses = append(res.losses, r.Trainer.TrainStep(r.Train).Loss)
				}
				res.sums = r.Model.StaticSums()
				res.data = append([]float32(nil), r.Model.Net.Data...)
				if threads > 1 {
					if a := testing.AllocsPerRun(5, func() { r.Trainer.TrainStep(r.Train) }); a != 0 {
						t.Errorf("%v allocations per step on %d threads, want 0", a, threads)
					}
				}
				return res
			}
			one, two := run(1), run(2)
			if fmt.Sprint(one.sums) != fmt.Sprint(two.sums) {
				t.Errorf("dictionaries differ: %v on 1 thread, %v on 2", one.sums, two.sums)
			}
			for i := range one.losses {
				if math.Float32bits(one.losses[i]) != math.Float32bits(two.losses[i]) {
					t.Errorf("step %d: loss %v on 1 thread, %v on 2", i, one.losses[i], two.losses[i])
				}
			}
			for i := range one.data {
				if math.Float32bits(one.data[i]) != math.Float32bits(two.data[i]) {
					t.Fatalf("parameter %d after 4 steps: %v on 1 thread, %v on 2", i, one.data[i], two.data[i])
				}
			}
		})
	}
}
