package models

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gemm"
)

// TestPretrainReducesReconstruction checks that autoencoder pretraining
// of a predicted layer (J = 3) and of an ordinary dense layer lowers the
// reconstruction error, and that the pretrained values end up in the
// built net.
func TestPretrainReducesReconstruction(t *testing.T) {
	train := synthImages(200, 6, 6, 1, 3, 12)
	cfg := mlpConfig(6, "sigmoid", &PredictConfig{Dict: "se", NAlpha: 12, Columns: 3}, nil)
	cfg.Train.Pretrain = &PretrainConfig{Epochs: 15, Batch: 20, Optimizer: engine.OptimConfig{Kind: "sgd", LR: 0.5, Momentum: 0.7}}
	m, err := Build(cfg, engine.Shape{H: 6, W: 6, C: 1}, 3, train, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	// Build put the pretrained values, not fresh ones, into the net.
	for i := 0; i < 2; i++ {
		for k, p := range m.Net.Layers[i].Params() {
			for e, v := range m.pretrained[i][k] {
				if p.Data[e] != v {
					t.Fatalf("layer %d parameter %s[%d] = %v, the pretrained value is %v", i, p.Name, e, p.Data[e], v)
				}
			}
		}
	}
	// pretrain again for its losses (it sets up the layers anew: m.Net is
	// not used after this).
	b := &builder{m: m, env: testEnv.withDefaults(), train: train, layers: m.Net.Layers, source: m.Net.Layers, ins: []engine.Shape{{H: 6, W: 6, C: 1}, engine.Flat(6)}}
	for i := 0; i < 2; i++ {
		_, losses, err := b.pretrain(i)
		if err != nil {
			t.Fatal(err)
		}
		first, last := losses[0], losses[len(losses)-1]
		if !(last < 0.8*first) {
			t.Errorf("layer %d: reconstruction error %.4g → %.4g, want a clear decrease", i, first, last)
		}
		if !m.Layers[i].Pretrained {
			t.Errorf("layer %d is not marked pretrained", i)
		}
	}
}

// TestUnitRange checks the rescaling of the ae dictionary's inputs: data
// in [0, 1] is used as it is; other data is scaled per column into
// [0, 1], and x'·W = x·(W/s) + const for every example.
func TestUnitRange(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, d = 50, 4
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(r.Float64())
	}
	if xs, s := unitRange(x, n, d); &xs[0] != &x[0] || s != nil {
		t.Fatal("data in [0, 1] was rescaled")
	}
	for i := range x {
		x[i] = float32(r.ExpFloat64() * float64(1+i%d)) // ReLU-like, one column per scale
	}
	x[3] = 5 // column 3 constant
	for k := 1; k < n; k++ {
		x[k*d+3] = 5
	}
	xs, s := unitRange(x, n, d)
	w := []float64{0.3, -1, 2, 0.7}
	var c float64
	for k := 0; k < n; k++ {
		var a, b float64
		for i := 0; i < d; i++ {
			v := float64(xs[k*d+i])
			if v < 0 || v > 1 {
				t.Fatalf("x'[%d,%d] = %v outside [0, 1]", k, i, v)
			}
			a += v * w[i]
			b += float64(x[k*d+i]) * w[i] / s[i]
		}
		if k == 0 {
			c = a - b
		}
		if math.Abs(a-b-c) > 1e-5 {
			t.Fatalf("example %d: x'·w − x·(w/s) = %v, example 0 gives %v", k, a-b, c)
		}
	}
	if s[3] != 1 {
		t.Errorf("constant column scale %v, want 1", s[3])
	}
}

// TestBuildStops checks that closing Env.Stop abandons each long set-up
// stage with an error that wraps ErrStopped: at once when it is closed
// before Build, and within a fraction of a second when it is closed
// while an autoencoder trains (for minutes, otherwise).
func TestBuildStops(t *testing.T) {
	train := synthImages(200, 6, 6, 1, 3, 12)
	in := engine.Shape{H: 6, W: 6, C: 1}
	pretrained := mlpConfig(6, "sigmoid", &PredictConfig{Dict: "se", NAlpha: 12, Columns: 3}, nil)
	pretrained.Train.Pretrain = &PretrainConfig{Epochs: 1_000_000, Batch: 20, Optimizer: engine.OptimConfig{Kind: "sgd", LR: 0.1}}
	for _, tc := range []struct {
		name  string
		cfg   *Config
		after time.Duration // when Stop is closed; 0: before Build
	}{
		{"emp dictionary", mlpConfig(6, "relu", &PredictConfig{Dict: "se", NAlpha: 4}, &PredictConfig{Dict: "emp", NAlpha: 2}), 0},
		{"dense", mlpConfig(6, "relu", nil, nil), 0},
		{"ae dictionary", mlpConfig(6, "relu", &PredictConfig{Dict: "ae", NAlpha: 4, AEHidden: 20, AEEpochs: 1_000_000}, nil), 50 * time.Millisecond},
		{"pretraining", pretrained, 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop := make(chan struct{})
			if tc.after == 0 {
				close(stop)
			} else {
				time.AfterFunc(tc.after, func() { close(stop) })
			}
			start := time.Now()
			_, err := Build(tc.cfg, in, 3, train, Env{Gemm: gemm.Best(1), Threads: 1, Stop: stop})
			if !errors.Is(err, ErrStopped) {
				t.Fatalf("Build returned %v, want an error wrapping ErrStopped", err)
			}
			if el := time.Since(start); el > 10*time.Second {
				t.Errorf("Build took %v to stop", el)
			}
		})
	}
}
