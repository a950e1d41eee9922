package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
)

// benchModels are the bench's two models (bench/README.md), built from
// engine layers alone.
var benchModels = []struct {
	name   string
	layers func() []Layer
}{
	{"mlp", func() []Layer {
		return []Layer{&Dense{Out: 500, Act: ReLU}, &Dense{Out: 500, Act: ReLU}, &Dense{Out: 10}}
	}},
	{"conv", func() []Layer {
		return []Layer{&Conv2D{Out: 20, K: 5, Act: ReLU}, &MaxPool{K: 2}, &Conv2D{Out: 50, K: 5, Act: ReLU},
			&MaxPool{K: 2}, &Dense{Out: 500, Act: ReLU}, &Dense{Out: 10}}
	}},
}

// mnistLike returns n random MNIST-shaped examples, as the bench uses.
func mnistLike(n int) *data.Dataset { return data.Random(n, 28, 28, 1, 10, 1) }

// benchTrainer builds one of benchModels with Adam at batch 100.
func benchTrainer(tb testing.TB, name string, layers []Layer, g gemm.Impl, threads int) *Trainer {
	net, err := NewNet(Shape{28, 28, 1}, layers, 100, g, threads)
	if err != nil {
		tb.Fatal(err)
	}
	net.Init(1)
	opt, err := NewOptimizer(OptimConfig{Kind: "adam", LR: 1e-3}, net)
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := NewTrainer(net, opt, 100, 1)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// BenchmarkTrainStep times a training step of the bench's models at batch
// 100 with gemm.Best. cpu-ms/step is the calling thread's CPU time, which
// a busy machine inflates less than wall time (at 1 thread only: at 2, the
// helpers' time is not in it).
func BenchmarkTrainStep(b *testing.B) {
	ds := mnistLike(2000)
	for _, m := range benchModels {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", m.name, threads), func(b *testing.B) {
				tr := benchTrainer(b, m.name, m.layers(), gemm.Best(threads), threads)
				tr.TrainStep(ds)
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu0 := threadCPU()
				for b.Loop() {
					tr.TrainStep(ds)
				}
				cpu := threadCPU() - cpu0
				b.ReportMetric(float64(b.N*tr.Batch)/b.Elapsed().Seconds(), "ex/s")
				b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/step")
			})
		}
	}
}

// cpuLoop runs f b.N times on a locked thread and reports its thread CPU
// time per call.
func cpuLoop(b *testing.B, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f()
	cpu0 := threadCPU()
	for b.Loop() {
		f()
	}
	cpu := threadCPU() - cpu0
	b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
}

func randSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// BenchmarkAdam times an Adam step over the MLP's 648,010 parameters.
func BenchmarkAdam(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			tr := benchTrainer(b, "mlp", benchModels[0].layers(), gemm.Simple{}, threads)
			r := rand.New(rand.NewPCG(1, 1))
			copy(tr.Net.Grad, randSlice(r, len(tr.Net.Grad)))
			t := int64(0)
			cpuLoop(b, func() { tr.Opt.Step(tr.Net.Params, t); t++ })
		})
	}
}

// BenchmarkReLU times ReLU forward and backward over the activations of
// the bench's layers.
func BenchmarkReLU(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{100 * 500, 100 * 24 * 24 * 20} {
		x, dy := randSlice(r, n), randSlice(r, n)
		y, d := make([]float32, n), make([]float32, n)
		b.Run(fmt.Sprintf("forward/%d", n), func(b *testing.B) {
			cpuLoop(b, func() { copy(y, x); ActForward(ReLU, y) })
		})
		b.Run(fmt.Sprintf("backward/%d", n), func(b *testing.B) {
			cpuLoop(b, func() { copy(d, dy); ActBackward(ReLU, d, y) })
		})
	}
}

// benchConvs are the bench convnet's two convolutions at batch 100.
var benchConvs = []struct {
	name string
	in   Shape
}{
	{"conv1", Shape{28, 28, 1}},
	{"conv2", Shape{12, 12, 20}},
}

// BenchmarkIm2Col times Im2Col and Col2Im on the bench convnet's layers.
func BenchmarkIm2Col(b *testing.B) {
	const n = 100
	r := rand.New(rand.NewPCG(1, 1))
	for _, c := range benchConvs {
		g, err := NewConvGeom(c.in, 5, 1, 0)
		if err != nil {
			b.Fatal(err)
		}
		in := randSlice(r, n*c.in.Size())
		col := randSlice(r, n*g.OutH*g.OutW*g.Taps())
		b.Run("im2col/"+c.name, func(b *testing.B) { cpuLoop(b, func() { Im2Col(col, in, n, g) }) })
		b.Run("col2im/"+c.name, func(b *testing.B) { cpuLoop(b, func() { Col2Im(in, col, n, g) }) })
	}
}

// BenchmarkMaxPool times 2×2 max-pooling on the bench convnet's layers.
func BenchmarkMaxPool(b *testing.B) {
	const n = 100
	r := rand.New(rand.NewPCG(1, 1))
	for _, in := range []Shape{{24, 24, 20}, {8, 8, 50}} {
		l := &MaxPool{K: 2}
		out, err := l.Setup(in, n)
		if err != nil {
			b.Fatal(err)
		}
		x, y := randSlice(r, n*in.Size()), make([]float32, n*out.Size())
		dx, dy := make([]float32, n*in.Size()), randSlice(r, n*out.Size())
		b.Run(fmt.Sprintf("forward/%v", in), func(b *testing.B) { cpuLoop(b, func() { l.Forward(nil, y, x, n) }) })
		b.Run(fmt.Sprintf("backward/%v", in), func(b *testing.B) { cpuLoop(b, func() { l.Backward(nil, dx, dy, x, y, n) }) })
	}
}

// BenchmarkIm2ColChunk times Im2Col and Col2Im on one Conv2D chunk of the
// bench convnet's layers, which stays in cache.
func BenchmarkIm2ColChunk(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, c := range benchConvs {
		g, err := NewConvGeom(c.in, 5, 1, 0)
		if err != nil {
			b.Fatal(err)
		}
		n := colBudget / (g.OutH * g.OutW * g.Taps())
		in := randSlice(r, n*c.in.Size())
		col := randSlice(r, n*g.OutH*g.OutW*g.Taps())
		b.Run("im2col/"+c.name, func(b *testing.B) {
			cpuLoop(b, func() { Im2Col(col, in, n, g) })
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(col)), "ns/float")
		})
		b.Run("col2im/"+c.name, func(b *testing.B) {
			cpuLoop(b, func() { Col2Im(in, col, n, g) })
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(col)), "ns/float")
		})
	}
}
