package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
)

// Env is what building and training a model needs from its face.
type Env struct {
	// Gemm computes matrix products; nil means gemm.Best(Threads).
	Gemm gemm.Impl
	// Threads bounds the goroutines used (0 means 1).
	Threads int
	// Log, if not nil, receives one line per long set-up stage
	// (building dictionaries, pretraining).
	Log func(format string, args ...any)
}

func (e Env) withDefaults() Env {
	e.Threads = max(e.Threads, 1)
	if e.Gemm == nil {
		e.Gemm = gemm.Best(e.Threads)
	}
	if e.Log == nil {
		e.Log = func(string, ...any) {}
	}
	return e
}

// Model is a built network: the engine Net and, for each config layer,
// what it is and what it costs.
type Model struct {
	Config  *Config
	In      engine.Shape
	Classes int
	Net     *engine.Net
	// Layers[i] describes Config.Layers[i] and Net.Layers[i].
	Layers []LayerInfo
}

// LayerInfo is the parameter accounting of one layer.
type LayerInfo struct {
	// Kind is "dense", "conv", "maxpool", "predicted dense" or
	// "predicted conv".
	Kind string `json:"kind"`
	// Desc describes the layer in a few words ("784→500 relu").
	Desc string `json:"desc"`
	// Static counts the fixed dictionary entries (U), never trained.
	Static int `json:"static"`
	// Learned counts the trained weights (W, or V and a learned U),
	// biases excluded.
	Learned int `json:"learned"`
	// Biases counts the trained biases.
	Biases int `json:"biases"`
	// DenseWeights is what an ordinary layer of the same shape would
	// train, biases excluded.
	DenseWeights int `json:"dense_weights"`
	// Predicted reports whether the layer is in predicted form.
	Predicted bool `json:"predicted"`
	// Output reports whether this is the classifier layer.
	Output bool `json:"output"`
}

// Build constructs the model of cfg for examples of shape in and the
// given number of classes, initialised from cfg.Train.Seed. train feeds
// data-driven dictionaries and pretraining; it may be nil when the config
// needs neither.
func Build(cfg *Config, in engine.Shape, classes int, train *data.Dataset, env Env) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	env = env.withDefaults()
	m := &Model{Config: cfg, In: in, Classes: classes}
	var layers []engine.Layer
	shape := in
	for i, lc := range cfg.Layers {
		act, _ := engine.ParseAct(lc.Act)
		out := i == len(cfg.Layers)-1
		var l engine.Layer
		var info LayerInfo
		switch {
		case lc.Predict != nil:
			p, err := newPredicted(m, i, lc, shape, env)
			if err != nil {
				return nil, fmt.Errorf("layer %d: %w", i, err)
			}
			l, info = p.layer, p.info
		case lc.Type == "dense":
			units := lc.Units
			if out && units != classes {
				return nil, fmt.Errorf("layer %d: the output layer has %d units, the data has %d classes", i, units, classes)
			}
			l = &engine.Dense{Out: units, Act: act, Init: initFunc(lc), MaxNorm: lc.MaxNorm}
			n := shape.Size()
			info = LayerInfo{Kind: "dense", Desc: fmt.Sprintf("%d→%d %s", n, units, act),
				Learned: n * units, Biases: units, DenseWeights: n * units, Output: out}
		case lc.Type == "conv":
			l = &engine.Conv2D{Out: lc.Filters, K: lc.K, Stride: lc.Stride, Pad: lc.Pad, Act: act, Init: initFunc(lc), MaxNorm: lc.MaxNorm}
			taps := lc.K * lc.K * shape.C
			info = LayerInfo{Kind: "conv", Desc: fmt.Sprintf("%d×%d×%d→%d %s", lc.K, lc.K, shape.C, lc.Filters, act),
				Learned: taps * lc.Filters, Biases: lc.Filters, DenseWeights: taps * lc.Filters}
		case lc.Type == "maxpool":
			l = &engine.MaxPool{K: lc.K, Stride: lc.Stride}
			info = LayerInfo{Kind: "maxpool", Desc: fmt.Sprintf("%d×%d", lc.K, lc.K)}
		}
		o, err := l.Setup(shape, 1)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		if lc.Type == "maxpool" {
			info.Desc += fmt.Sprintf(" → %v", o)
		}
		shape = o
		layers = append(layers, l)
		m.Layers = append(m.Layers, info)
	}
	net, err := engine.NewNet(in, layers, cfg.Train.Batch, env.Gemm, env.Threads)
	if err != nil {
		return nil, err
	}
	net.Init(cfg.Train.Seed)
	m.Net = net
	return m, nil
}

// initFunc returns the weight initialisation a layer config asks for, or
// nil for the layer's default.
func initFunc(lc LayerConfig) func(r *rand.Rand, w []float32) {
	if lc.InitScale > 0 {
		return engine.Uniform(lc.InitScale)
	}
	return nil
}
