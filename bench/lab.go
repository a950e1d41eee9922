package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/models"
)

// examples is the size of the random training set every contender
// gathers its minibatches from (the same in torchbench.py).
const examples = 10000

// lab runs the engine's workloads. It answers one command line at a
// time and keeps what it built, so that a timed repetition never pays for
// set-up. The same lab serves the native contenders in-process and the
// js/wasm contender through serve.
//
//	train CONFIG THREADS SECS   training examples/s of the model in CONFIG
//	gemm N THREADS SECS         GFLOP/s of an N×N×N product with gemm.Best
//	layer NAME THREADS SECS     forward+backward examples/s of the 784→500
//	                            layer "dense" or one of the named predicted
//	                            forms
//	clock 1 1 SECS              the core clock in GHz (best sample)
//	fma 1 1 SECS                the AVX-512 FMA throughput of one core in
//	                            GFLOP/s (best sample)
type lab struct {
	// predicted holds the predicted forms of the 784→500 layer that
	// "layer" knows, by name.
	predicted map[string]models.LayerConfig

	data     *data.Dataset
	trainers map[string]*engine.Trainer
	layers   map[string]*layerCase
	gemms    map[string]*gemmCase
}

func newLab(predicted map[string]models.LayerConfig) *lab {
	return &lab{
		predicted: predicted,
		trainers:  make(map[string]*engine.Trainer),
		layers:    make(map[string]*layerCase),
		gemms:     make(map[string]*gemmCase),
	}
}

// do runs one command and returns its rate.
func (l *lab) do(line string) (float64, error) {
	f := strings.Fields(line)
	if len(f) != 4 && len(f) != 5 {
		return 0, fmt.Errorf("bad command %q", line)
	}
	secs, err := strconv.ParseFloat(f[len(f)-1], 64)
	if err != nil || secs <= 0 {
		return 0, fmt.Errorf("bad duration in %q", line)
	}
	threads, err := strconv.Atoi(f[len(f)-2])
	if err != nil || threads < 1 {
		return 0, fmt.Errorf("bad thread count in %q", line)
	}
	d := time.Duration(secs * float64(time.Second))
	key := f[1] + " " + f[2]
	switch f[0] {
	case "train":
		t, ok := l.trainers[key]
		if !ok {
			if t, err = l.newTrainer(f[1], threads); err != nil {
				return 0, err
			}
			l.trainers[key] = t
		}
		return l.trainRate(t, d), nil
	case "layer":
		c, ok := l.layers[key]
		if !ok {
			if c, err = l.newLayer(f[1], threads); err != nil {
				return 0, err
			}
			l.layers[key] = c
		}
		return c.rate(d), nil
	case "clock":
		return sample(d, clockGHz), nil
	case "fma":
		return sample(d, fmaGFLOPS), nil
	case "gemm":
		c, ok := l.gemms[key]
		if !ok {
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 1 || n > 8192 {
				return 0, fmt.Errorf("bad matrix size in %q", line)
			}
			c = newGemmCase(n, threads)
			l.gemms[key] = c
		}
		return c.rate(d), nil
	}
	return 0, fmt.Errorf("unknown command %q", f[0])
}

// serve answers commands from r on w, one line each: "ok RATE" or
// "err MESSAGE". "info" describes the running engine.
func (l *lab) serve(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			continue
		case line == "info":
			fmt.Fprintf(w, "ok %s/%s %s, gemm.Best(1) is %T\n", runtime.GOOS, runtime.GOARCH, runtime.Version(), gemm.Best(1))
			continue
		}
		v, err := l.do(line)
		if err != nil {
			fmt.Fprintf(w, "err %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		fmt.Fprintf(w, "ok %g\n", v)
	}
	return sc.Err()
}

// randomData returns the random training set shared by all trainers:
// MNIST-shaped examples with pixels uniform in [0, 1) and uniform labels.
func (l *lab) randomData() *data.Dataset {
	if l.data == nil {
		ds := data.Random(examples, 28, 28, 1, 10, 1)
		ds.Name = "random-mnist"
		l.data = ds
	}
	return l.data
}

// newTrainer builds the model of the config file at path for threads
// goroutines, with its Adam optimizer, on the random data.
func (l *lab) newTrainer(path string, threads int) (*engine.Trainer, error) {
	cfg, err := models.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	if cfg.Data != "" && cfg.Data != "mnist" {
		return nil, fmt.Errorf("%s: data %q, the bench has MNIST-shaped data only", path, cfg.Data)
	}
	ds := l.randomData()
	m, err := models.Build(cfg, engine.Shape{H: ds.H, W: ds.W, C: ds.C}, ds.Classes, ds, models.Env{Threads: threads})
	if err != nil {
		return nil, err
	}
	if err := engine.CheckData(m.Net, ds); err != nil {
		return nil, err
	}
	opt, err := engine.NewOptimizer(cfg.Train.Optimizer, m.Net)
	if err != nil {
		return nil, err
	}
	t, err := engine.NewTrainer(m.Net, opt, cfg.Train.Batch, cfg.Train.Seed)
	if err != nil {
		return nil, err
	}
	for range 3 { // warm up
		t.TrainStep(ds)
	}
	return t, nil
}

// trainRate runs training steps (gather, forward, backward, optimizer)
// for at least d and returns examples/s.
func (l *lab) trainRate(t *engine.Trainer, d time.Duration) float64 {
	n := 0
	start := time.Now()
	for {
		t.TrainStep(l.data)
		n += t.Batch
		if el := time.Since(start); el >= d {
			return float64(n) / el.Seconds()
		}
	}
}

// layerCase is one 784→500 ReLU layer at batch 100 with its buffers.
type layerCase struct {
	layer     engine.Layer
	ctx       *engine.Context
	n         int
	in, out   []float32
	dOut      []float32 // overwritten by Backward
	dOutSaved []float32 // refills dOut before every Backward
}

// layerBatch, layerIn and layerOut fix the layer measured by "layer".
const layerBatch, layerIn, layerOut = 100, 784, 500

// newLayer builds the 784→500 ReLU layer on 28×28×1 inputs, dense or in
// one of the lab's predicted forms, as the first layer of a two-layer
// model (the classifier after it is never run).
func (l *lab) newLayer(name string, threads int) (*layerCase, error) {
	lc, ok := l.predicted[name]
	if name == "dense" {
		lc, ok = models.LayerConfig{Type: "dense", Units: layerOut, Act: "relu"}, true
	}
	if !ok {
		return nil, fmt.Errorf("unknown layer %q", name)
	}
	cfg := &models.Config{
		Name:   "bench-layer-" + name,
		Layers: []models.LayerConfig{lc, {Type: "dense", Units: 10}},
		Train: models.TrainConfig{Epochs: 1, Batch: layerBatch, Seed: 1,
			Optimizer: engine.OptimConfig{Kind: "adam", LR: 0.001}},
	}
	ds := l.randomData()
	m, err := models.Build(cfg, engine.Shape{H: ds.H, W: ds.W, C: ds.C}, ds.Classes, ds, models.Env{Threads: threads})
	if err != nil {
		return nil, err
	}
	if m.Net.Shapes[0].Size() != layerOut {
		return nil, fmt.Errorf("layer %s has %d outputs, want %d", name, m.Net.Shapes[0].Size(), layerOut)
	}
	r := rand.New(rand.NewPCG(3, 4))
	c := &layerCase{layer: m.Net.Layers[0], ctx: &m.Net.Ctx, n: layerBatch,
		in: make([]float32, layerBatch*layerIn), out: make([]float32, layerBatch*layerOut),
		dOut: make([]float32, layerBatch*layerOut), dOutSaved: make([]float32, layerBatch*layerOut)}
	for i := range c.in {
		c.in[i] = r.Float32()
	}
	for i := range c.dOutSaved {
		c.dOutSaved[i] = r.Float32() - 0.5
	}
	c.step()
	return c, nil
}

// step runs the layer forward and backward once, as the first layer of a
// net (no gradient with respect to the input).
func (c *layerCase) step() {
	c.layer.Forward(c.ctx, c.out, c.in, c.n)
	copy(c.dOut, c.dOutSaved) // Backward overwrites dOut
	c.layer.Backward(c.ctx, nil, c.dOut, c.in, c.out, c.n)
}

// rate runs steps for at least d and returns examples/s.
func (c *layerCase) rate(d time.Duration) float64 {
	n := 0
	start := time.Now()
	for {
		c.step()
		n += c.n
		if el := time.Since(start); el >= d {
			return float64(n) / el.Seconds()
		}
	}
}

// sample calls f, which times itself, for at least d and returns the
// largest value it reported: interruptions only lower a sample.
func sample(d time.Duration, f func() float64) float64 {
	best := 0.0
	for start := time.Now(); time.Since(start) < d; {
		best = max(best, f())
	}
	return best
}

// gemmCase is a square product C = A·B with gemm.Best.
type gemmCase struct {
	impl    gemm.Impl
	n       int
	a, b, c []float32
}

func newGemmCase(n, threads int) *gemmCase {
	r := rand.New(rand.NewPCG(5, 6))
	g := &gemmCase{impl: gemm.Best(threads), n: n,
		a: make([]float32, n*n), b: make([]float32, n*n), c: make([]float32, n*n)}
	for i := range g.a {
		g.a[i], g.b[i] = r.Float32(), r.Float32()
	}
	g.product()
	return g
}

func (g *gemmCase) product() {
	n := g.n
	g.impl.Sgemm(false, false, n, n, n, 1, g.a, n, g.b, n, 0, g.c, n)
}

// rate runs products for at least d and returns GFLOP/s.
func (g *gemmCase) rate(d time.Duration) float64 {
	k := 0
	start := time.Now()
	for {
		g.product()
		k++
		if el := time.Since(start); el >= d {
			return 2 * float64(g.n) * float64(g.n) * float64(g.n) * float64(k) / el.Seconds() / 1e9
		}
	}
}
