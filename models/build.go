package models

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/kernels"
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
	// Stop, if not nil, abandons a long set-up when it is closed: Build
	// (and NewRun, LoadRun) poll it between layers, between the batches
	// of the passes over the data and of pretraining, and between the
	// minibatches of the ae dictionary's autoencoder, and then return an
	// error that wraps ErrStopped. Training itself does not poll it.
	Stop <-chan struct{}
	// MemLimit is the memory, in bytes, a model may need (see
	// Footprint); a larger one is refused with a *TooLargeError before
	// anything is allocated. 0 means DefaultMemLimit().
	MemLimit int64
}

// ErrStopped is the error (wrapped) of a set-up abandoned through
// Env.Stop. It is kernels.ErrStopped, which the dictionaries' own
// long computations return.
var ErrStopped = kernels.ErrStopped

// stopped reports whether e.Stop has been closed.
func (e Env) stopped() bool { return kernels.Stopped(e.Stop) }

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

	dicts []*Dictionary // dicts[i]: layer i's dictionary, nil if not predicted
	// nAlpha[i] is layer i's n_α per column, 0 if it is not predicted.
	nAlpha []int
	// pretrained[i] holds layer i's parameter values after autoencoder
	// pretraining (in Params order), nil when it was not pretrained: the
	// snapshot a checkpoint stores to rebuild dictionaries computed from
	// pretrained layers without pretraining again.
	pretrained [][][]float32
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
	// Dict describes a predicted layer's dictionary ("se krr ℓ=2 λ=0.1;
	// J=5, n_α=39"), Form its evaluation (factored or materialised).
	Dict string `json:"dict,omitempty"`
	Form string `json:"form,omitempty"`
	// Source says what a data-driven dictionary was computed from
	// ("input data, 60000 examples", "layer 0 at init, …").
	Source string `json:"source,omitempty"`
	// Pretrained reports whether the layer was pretrained as an
	// autoencoder before supervised training.
	Pretrained bool `json:"pretrained,omitempty"`
	// SetupSeconds is the time spent building the layer's dictionary
	// (and pretraining it), the start-up cost of the predicted form.
	SetupSeconds float64 `json:"setup_seconds,omitempty"`
}

// Build constructs the model of cfg for examples of shape in and the
// given number of classes, initialised from cfg.Train.Seed. train feeds
// data-driven dictionaries and pretraining; it may be nil when the config
// needs neither.
//
// Layers are built bottom-up. A data-driven dictionary of layer i > 0
// is computed from the output of layers 0…i−1 over the training set,
// with those layers at their initial values (the same values Net.Init
// gives the full net, since it draws parameters in order) or after
// pretraining. With cfg.Train.Pretrain, each hidden layer is pretrained
// right after it is built.
func Build(cfg *Config, in engine.Shape, classes int, train *data.Dataset, env Env) (*Model, error) {
	return build(cfg, in, classes, train, env, nil, nil)
}

// builder holds the state of one Build.
type builder struct {
	m     *Model
	env   Env
	train *data.Dataset
	// layers and ins are the layers built so far and their input shapes.
	layers []engine.Layer
	ins    []engine.Shape
	// sizes[i], if > 0, is the n_α layer i is built with instead of its
	// config's (a layer whose α has grown).
	sizes []int
	// source[i] is layer i at its config's size: the layer whose output
	// at init feeds the data-driven dictionaries above (layers[i] unless
	// layer i has grown), so that growing a layer leaves the
	// dictionaries computed from it as they were.
	source []engine.Layer
}

// size returns the n_α layer i is to be built with, 0 for its config's.
func (b *builder) size(i int) int {
	if i < len(b.sizes) {
		return b.sizes[i]
	}
	return 0
}

// build is Build, with the pretrained values of the hidden layers given
// (from a checkpoint) instead of pretraining them again, when pre is not
// nil, and with layer i's n_α set to sizes[i] when that is > 0 (a
// layer whose α has grown: see PredictConfig.Grow).
func build(cfg *Config, in engine.Shape, classes int, train *data.Dataset, env Env, pre [][][]float32, sizes []int) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	env = env.withDefaults()
	trainN := 0
	if train != nil {
		trainN = train.N
	}
	if err := checkFootprint(cfg, in, trainN, env); err != nil {
		return nil, err
	}
	if sizes != nil && len(sizes) != len(cfg.Layers) {
		return nil, fmt.Errorf("%d sizes of α for %d layers", len(sizes), len(cfg.Layers))
	}
	m := &Model{Config: cfg, In: in, Classes: classes}
	b := &builder{m: m, env: env, train: train, sizes: sizes}
	needData := cfg.Train.Pretrain != nil
	for _, lc := range cfg.Layers {
		needData = needData || (lc.Predict != nil && lookupDict(lc.Predict.Dict).DataDriven)
	}
	if needData && train == nil {
		return nil, errors.New("the config needs training data (data-driven dictionaries or pretraining)")
	}
	shape := in
	for i, lc := range cfg.Layers {
		if env.stopped() {
			return nil, ErrStopped
		}
		act, _ := engine.ParseAct(lc.Act)
		out := i == len(cfg.Layers)-1
		var l engine.Layer
		var info LayerInfo
		var dict *Dictionary
		src := engine.Layer(nil)
		switch {
		case lc.Predict != nil:
			p, err := b.newPredicted(i, lc, shape, b.size(i))
			if err != nil {
				return nil, fmt.Errorf("layer %d: %w", i, err)
			}
			l, info, dict = p.layer, p.info, p.dict
			if p.grown && dataDrivenAbove(cfg, i) {
				if src, err = b.startLayer(i, lc, shape); err != nil {
					return nil, fmt.Errorf("layer %d at its starting size: %w", i, err)
				}
			}
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
		b.layers = append(b.layers, l)
		b.ins = append(b.ins, shape)
		if src == nil {
			src = l
		}
		b.source = append(b.source, src)
		m.dicts = append(m.dicts, dict)
		nAlpha := 0
		if dict != nil {
			nAlpha = dict.NAlpha
		}
		m.nAlpha = append(m.nAlpha, nAlpha)
		m.pretrained = append(m.pretrained, nil)
		if cfg.Train.Pretrain != nil && !out {
			if pre != nil {
				if i >= len(pre) || pre[i] == nil {
					return nil, fmt.Errorf("layer %d: the pretrained values are missing", i)
				}
				m.pretrained[i] = pre[i]
				env.Log("layer %d: pretrained values restored", i)
			} else {
				start := time.Now()
				if m.pretrained[i], _, err = b.pretrain(i); err != nil {
					return nil, fmt.Errorf("layer %d: pretraining: %w", i, err)
				}
				info.SetupSeconds += time.Since(start).Seconds()
			}
			info.Pretrained = true
		}
		shape = o
		m.Layers = append(m.Layers, info)
	}
	net, err := engine.NewNet(in, b.layers, cfg.Train.Batch, env.Gemm, env.Threads)
	if err != nil {
		return nil, err
	}
	net.Init(cfg.Train.Seed)
	m.Net = net
	for i, vals := range m.pretrained {
		if vals != nil {
			if err := setParams(net.Layers[i], vals); err != nil {
				return nil, fmt.Errorf("layer %d: %w", i, err)
			}
		}
	}
	for i, d := range m.dicts {
		if d != nil {
			d.setViews(net.Layers[i])
		}
	}
	return m, nil
}

// setParams copies vals (one slice per parameter, in Params order) into
// l's parameters.
func setParams(l engine.Layer, vals [][]float32) error {
	ps := l.Params()
	if len(ps) != len(vals) {
		return fmt.Errorf("%d parameter values for %d parameters", len(vals), len(ps))
	}
	for k, p := range ps {
		if len(vals[k]) != p.Size() {
			return fmt.Errorf("parameter %s: %d values, want %d", p.Name, len(vals[k]), p.Size())
		}
		copy(p.Data, vals[k])
	}
	return nil
}

// dataDrivenAbove reports whether a layer above layer i of cfg has a
// data-driven dictionary, computed from the output of layer i.
func dataDrivenAbove(cfg *Config, i int) bool {
	for _, lc := range cfg.Layers[i+1:] {
		if lc.Predict != nil && lookupDict(lc.Predict.Dict).DataDriven {
			return true
		}
	}
	return false
}

// startLayer builds predicted layer i again at its config's size, as the
// source of the data-driven dictionaries above it (see builder.source).
func (b *builder) startLayer(i int, lc LayerConfig, in engine.Shape) (engine.Layer, error) {
	env := b.env
	b.env.Log = func(format string, args ...any) { env.Log("(at its starting size) "+format, args...) }
	defer func() { b.env = env }()
	p, err := b.newPredicted(i, lc, in, 0)
	if err != nil {
		return nil, err
	}
	return p.layer, nil
}

// getParams returns copies of l's parameter values, in Params order.
func getParams(l engine.Layer) [][]float32 {
	var vals [][]float32
	for _, p := range l.Params() {
		vals = append(vals, append([]float32(nil), p.Data...))
	}
	return vals
}

// inputs returns the input of layer i for the first n training examples
// (all when n is 0) as an n×size matrix, with the layers below at their
// initial values or, when pretrained, at their pretrained values. It
// also returns a description of the source. Layers whose α has grown
// take part at their config's (starting) size, as they were at init.
//
// It runs fresh copies of the layers below (the model's own are left
// alone, so it may be called after Build) in batches of up to
// forwardFloats activations, with products on g and loops on all the
// environment's threads, and writes the last layer's output straight
// into the result.
func (b *builder) inputs(i, n int, pretrained bool, g gemm.Impl) ([]float32, int, string, error) {
	ds := b.train
	if n <= 0 || n > ds.N {
		n = ds.N
	}
	if i == 0 {
		size := ds.Dim()
		return ds.X[:n*size], size, fmt.Sprintf("input data, %d examples", n), nil
	}
	layers := make([]engine.Layer, i)
	shape, widest := b.m.In, 1
	for k, l := range b.source[:i] {
		layers[k] = freshCopy(l)
		out, err := layers[k].Setup(shape, 1) // for the shapes; NewNet sets it up again
		if err != nil {
			return nil, 0, "", err
		}
		shape, widest = out, max(widest, out.Size())
	}
	batch := max(b.m.Config.Train.Batch, min(maxForwardBatch, forwardFloats/widest), 1)
	batch = min(batch, n)
	net, err := engine.NewNet(b.m.In, layers, batch, g, b.env.Threads)
	if err != nil {
		return nil, 0, "", err
	}
	size := net.Out().Size()
	net.Init(b.m.Config.Train.Seed)
	state := "init"
	if pretrained {
		state = "pretrained"
		for k := 0; k < i; k++ {
			if vals := b.m.pretrained[k]; vals != nil {
				if err := setParams(net.Layers[k], vals); err != nil {
					return nil, 0, "", err
				}
			}
		}
	}
	dim := ds.Dim()
	x := make([]float32, n*size)
	for start := 0; start < n; start += batch {
		if b.env.stopped() {
			return nil, 0, "", ErrStopped
		}
		nb := min(batch, n-start)
		in := ds.X[start*dim : (start+nb)*dim]
		for k, l := range net.Layers {
			out := net.Activation(k, nb)
			if k == i-1 {
				out = x[start*size : (start+nb)*size]
			}
			l.Forward(&net.Ctx, out, in, nb)
			in = out
		}
	}
	return x, size, fmt.Sprintf("layer %d at %s, %d examples", i-1, state, n), nil
}

// The forward pass of inputs runs batches of up to maxForwardBatch
// examples, fewer when a layer's output would exceed forwardFloats
// floats (16 MB): large products, buffers that stay small.
const (
	maxForwardBatch = 2000
	forwardFloats   = 4 << 20
)

// freshCopy returns a layer configured as l, without its state: Setup
// gives it buffers and parameters of its own, leaving l as it is.
func freshCopy(l engine.Layer) engine.Layer {
	switch l := l.(type) {
	case *engine.Dense:
		c := *l
		return &c
	case *engine.Conv2D:
		c := *l
		return &c
	case *engine.MaxPool:
		c := *l
		return &c
	case *PredictedDense:
		c := *l
		return &c
	case *PredictedConv:
		c := *l
		return &c
	}
	panic(fmt.Sprintf("models: freshCopy of a %T", l))
}

// initFunc returns the weight initialisation a layer config asks for, or
// nil for the layer's default.
func initFunc(lc LayerConfig) func(r *rand.Rand, w []float32) {
	if lc.InitScale > 0 {
		return engine.Uniform(lc.InitScale)
	}
	return nil
}
