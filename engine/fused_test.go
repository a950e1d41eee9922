package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/predparams/predparams/engine/gemm"
)

// splitContexts returns contexts with 1, 2 and 3 threads that split every
// loop of at least two iterations, so that small tests exercise the
// parallel paths.
func splitContexts() []*Context {
	var cs []*Context
	for _, threads := range []int{1, 2, 3} {
		cs = append(cs, &Context{Gemm: gemm.Simple{}, Threads: threads, minPart: 1})
	}
	return cs
}

// sameBits reports the first index where a and b differ bit for bit, or -1.
func sameBits(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// specials are values where a branch-free ReLU could go wrong.
var specials = []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-45, -1e-45, 1e-38, -1e-38,
	float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32, 0.5, -0.5}

func TestActMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := append(slices.Clone(specials), randSlice(r, 100)...)
	dy := randSlice(r, len(x))
	for _, a := range []Act{Identity, ReLU, Sigmoid, Tanh} {
		got, want := slices.Clone(x), slices.Clone(x)
		ActForward(a, got)
		refActForward(a, want)
		for i := range got {
			if got[i] != want[i] { // == treats −0 and +0 alike
				t.Errorf("%v forward of %v: %v, want %v", a, x[i], got[i], want[i])
			}
		}
		// The derivative at the outputs of the forward pass, and at the
		// raw values (for ReLU, at negative ones too).
		for _, y := range [][]float32{want, x} {
			gotD, wantD := slices.Clone(dy), slices.Clone(dy)
			ActBackward(a, gotD, y)
			refActBackward(a, wantD, y)
			if i := sameBits(gotD, wantD); i >= 0 && gotD[i] != wantD[i] {
				t.Errorf("%v backward at y = %v: %v, want %v", a, y[i], gotD[i], wantD[i])
			}
		}
	}
}

// fusedShapes are the rows×cols shapes of the fused activation tests.
var fusedShapes = []struct{ rows, cols int }{{1, 1}, {3, 5}, {7, 16}, {100, 10}, {65, 33}, {2000, 20}}

func TestBiasActForward(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sh := range fusedShapes {
		for _, a := range []Act{Identity, ReLU, Sigmoid, Tanh} {
			for _, bias := range []bool{false, true} {
				name := fmt.Sprintf("%dx%d/%v/bias=%v", sh.rows, sh.cols, a, bias)
				x := randSlice(r, sh.rows*sh.cols)
				var b []float32
				if bias {
					b = randSlice(r, sh.cols)
				}
				want := slices.Clone(x)
				for i := range want {
					if b != nil {
						want[i] += b[i%sh.cols]
					}
				}
				refActForward(a, want)
				for _, c := range splitContexts() {
					got := slices.Clone(x)
					BiasActForward(c, got, b, sh.rows, sh.cols, a)
					if i := sameBits(got, want); i >= 0 && got[i] != want[i] {
						t.Fatalf("%s, %d threads: x[%d] = %v, want %v", name, c.Threads, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestActBiasBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, sh := range fusedShapes {
		for _, a := range []Act{Identity, ReLU, Sigmoid, Tanh} {
			name := fmt.Sprintf("%dx%d/%v", sh.rows, sh.cols, a)
			y := randSlice(r, sh.rows*sh.cols)
			refActForward(a, y)
			dy := randSlice(r, len(y))
			db0 := randSlice(r, sh.cols)
			wantDz := slices.Clone(dy)
			refActBackward(a, wantDz, y)
			wantDb := slices.Clone(db0)
			refColumnSums(wantDb, wantDz, sh.rows, sh.cols)
			var first []float32 // db of the first context: the others must match it bit for bit
			for _, c := range splitContexts() {
				dz, db := slices.Clone(dy), slices.Clone(db0)
				ActBiasBackward(c, dz, y, db, sh.rows, sh.cols, a)
				if i := sameBits(dz, wantDz); i >= 0 {
					t.Fatalf("%s, %d threads: dz[%d] = %v, want %v", name, c.Threads, i, dz[i], wantDz[i])
				}
				for j := range db {
					if d := math.Abs(float64(db[j] - wantDb[j])); d > 1e-5*math.Sqrt(float64(sh.rows))*(1+math.Abs(float64(wantDb[j]))) {
						t.Fatalf("%s, %d threads: db[%d] = %v, want %v", name, c.Threads, j, db[j], wantDb[j])
					}
				}
				if first == nil {
					first = db
				} else if i := sameBits(db, first); i >= 0 {
					t.Fatalf("%s: db[%d] is %v with %d threads, %v with 1", name, i, db[i], c.Threads, first[i])
				}
				// set overwrites db with the sums alone.
				dz, db = slices.Clone(dy), slices.Clone(db0)
				actBiasBackward(c, dz, y, db, sh.rows, sh.cols, a, true)
				sums := make([]float32, sh.cols)
				ActBiasBackward(c, slices.Clone(dy), y, sums, sh.rows, sh.cols, a)
				if i := sameBits(db, sums); i >= 0 {
					t.Fatalf("%s, %d threads, set: db[%d] = %v, want %v", name, c.Threads, i, db[i], sums[i])
				}
			}
		}
	}
}

// convGeoms are the geometries of the im2col and convolution tests.
var convGeoms = []struct {
	in                  Shape
	out, k, stride, pad int
}{
	{Shape{5, 5, 1}, 2, 3, 1, 0},
	{Shape{7, 6, 3}, 4, 3, 2, 1},
	{Shape{28, 28, 1}, 3, 5, 1, 2},
	{Shape{12, 12, 20}, 5, 5, 1, 0},
	{Shape{9, 8, 1}, 2, 5, 1, 0},
	{Shape{4, 4, 2}, 1, 1, 1, 0},
	{Shape{6, 7, 2}, 3, 4, 3, 3},
}

func TestIm2ColMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range convGeoms {
		g, err := NewConvGeom(tc.in, tc.k, tc.stride, tc.pad)
		if err != nil {
			t.Fatal(err)
		}
		const n = 3
		rows := n * g.OutH * g.OutW * g.Taps()
		in, dCol := randSlice(r, n*tc.in.Size()), randSlice(r, rows)
		want, wantIn := make([]float32, rows), make([]float32, len(in))
		refIm2Col(want, in, n, g)
		refCol2Im(wantIn, dCol, n, g)
		for _, c := range splitContexts() {
			got, gotIn := randSlice(r, rows), randSlice(r, len(in)) // stale values must be overwritten
			im2col(c, got, in, n, g)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%+v, %d threads: col[%d] = %v, want %v", tc, c.Threads, i, got[i], want[i])
			}
			col2im(c, gotIn, dCol, n, g)
			if i := sameBits(gotIn, wantIn); i >= 0 {
				t.Fatalf("%+v, %d threads: Col2Im [%d] = %v, want %v", tc, c.Threads, i, gotIn[i], wantIn[i])
			}
		}
	}
}

func TestMaxPoolMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	cases := []struct {
		in        Shape
		k, stride int
	}{
		{Shape{24, 24, 20}, 2, 2},
		{Shape{7, 5, 3}, 2, 2}, // odd sizes: the last row and column are left out
		{Shape{8, 8, 50}, 2, 2},
		{Shape{7, 7, 2}, 3, 2},
		{Shape{6, 6, 1}, 3, 3},
		{Shape{5, 4, 2}, 2, 1},
	}
	for _, tc := range cases {
		const n = 3
		l := &MaxPool{K: tc.k, Stride: tc.stride}
		out3, err := l.Setup(tc.in, n)
		if err != nil {
			t.Fatal(err)
		}
		// Few distinct values, so that windows have ties; and negative ones.
		x := make([]float32, n*tc.in.Size())
		for i := range x {
			x[i] = float32(r.IntN(7) - 3)
		}
		want, wantArg := make([]float32, n*out3.Size()), make([]int32, n*out3.Size())
		refMaxPoolForward(want, wantArg, x, n, tc.in, tc.k, tc.stride)
		dy := randSlice(r, len(want))
		wantDx := make([]float32, len(x))
		for o, i := range wantArg {
			wantDx[i] += dy[o]
		}
		for _, c := range splitContexts() {
			got, dx := make([]float32, len(want)), randSlice(r, len(x))
			l.Forward(c, got, x, n)
			if i := sameBits(got, want); i >= 0 || !slices.Equal(l.arg[:len(wantArg)], wantArg) {
				t.Fatalf("%+v, %d threads: out %v arg %v, want %v %v", tc, c.Threads, got, l.arg[:len(wantArg)], want, wantArg)
			}
			l.Backward(c, dx, slices.Clone(dy), x, got, n)
			if i := sameBits(dx, wantDx); i >= 0 {
				t.Fatalf("%+v, %d threads: dIn[%d] = %v, want %v", tc, c.Threads, i, dx[i], wantDx[i])
			}
		}
	}
}

func TestOrderKey(t *testing.T) {
	vals := append(slices.Clone(specials), 2, -2, 3.5, -3.5, 1e10, -1e10)
	for _, a := range vals {
		for _, b := range vals {
			if got, want := orderKey(a) < orderKey(b), a < b; got != want {
				t.Errorf("orderKey(%v) < orderKey(%v) is %v, want %v", a, b, got, want)
			}
			if got, want := orderKey(a) == orderKey(b), a == b; got != want {
				t.Errorf("orderKey(%v) == orderKey(%v) is %v, want %v", a, b, got, want)
			}
		}
	}
}

func TestOptimizerMatchesReference(t *testing.T) {
	for _, threads := range []int{1, 2, 3} {
		for _, wd := range []float64{0, 1e-3} {
			net, err := NewNet(Flat(7), []Layer{&Dense{Out: 30, Act: ReLU}, &Dense{Out: 3}}, 4, gemm.Simple{}, threads)
			if err != nil {
				t.Fatal(err)
			}
			net.Ctx.minPart = 1
			net.Init(1)
			r := rand.New(rand.NewPCG(11, 12))
			copy(net.Grad, randSlice(r, len(net.Grad)))
			cfg := OptimConfig{Kind: "adam", LR: 1e-2, WeightDecay: wd}
			o, err := NewOptimizer(cfg, net)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(net.Data)
			m, v := make([]float32, len(want)), make([]float32, len(want))
			for step := int64(0); step < 3; step++ {
				o.Step(net.Params, step)
				// The old per-parameter loop, with Step's scalars.
				c := o.Config
				bc1, bc2 := 1-math.Pow(c.Beta1, float64(step+1)), 1-math.Pow(c.Beta2, float64(step+1))
				lr := float32(c.LRAt(step))
				stepSize, eps := float32(float64(lr)*math.Sqrt(bc2)/bc1), float32(c.Eps*math.Sqrt(bc2))
				for _, p := range net.Params {
					decay := float32(wd)
					if p.Role != Weight {
						decay = 0
					}
					s := p.Off
					e := s + p.Size()
					refAdamUpdate(want[s:e], net.Grad[s:e], m[s:e], v[s:e], stepSize, float32(c.Beta1), float32(c.Beta2), eps, decay)
				}
			}
			if i := sameBits(net.Data, want); i >= 0 {
				t.Errorf("%d threads, wd %v: w[%d] = %v, want %v", threads, wd, i, net.Data[i], want[i])
			}
		}
	}
}

// wrapped hides a layer's type from Net, which then zeroes its gradients
// and lets it add into them, as for layers of other packages.
type wrapped struct{ Layer }

func TestOverwrittenGradientsMatchAdded(t *testing.T) {
	build := func(wrap bool) *Net {
		layers := []Layer{&Conv2D{Out: 3, K: 3, Act: ReLU}, &MaxPool{K: 2}, &Dense{Out: 5, Act: Tanh}, &Dense{Out: 2, NoBias: true}}
		if wrap {
			for i, l := range layers {
				layers[i] = wrapped{l}
			}
		}
		net, err := NewNet(Shape{8, 8, 2}, layers, 4, gemm.Simple{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		net.Init(3)
		return net
	}
	set, add := build(false), build(true)
	if !slices.Equal(set.sets, []bool{true, false, true, true}) || slices.Contains(add.sets, true) {
		t.Fatalf("sets %v and %v", set.sets, add.sets)
	}
	r := rand.New(rand.NewPCG(13, 14))
	x := randSlice(r, 4*set.In.Size())
	for _, net := range []*Net{set, add} {
		copy(net.Grad, randSlice(r, len(net.Grad))) // stale gradients must not leak in
		net.Forward(x, 4)
		copy(net.OutputGrad(4), randSlice(rand.New(rand.NewPCG(1, 1)), 8))
		net.Backward(x, 4, true)
	}
	for i := range set.Grad {
		if set.Grad[i] != add.Grad[i] {
			t.Fatalf("gradient %d: %v overwritten, %v added", i, set.Grad[i], add.Grad[i])
		}
	}
}

func TestConv2DChunksMatchWholeBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, tc := range convGeoms {
		const n = 5
		for _, chunk := range []int{1, 2, n} {
			l := &Conv2D{Out: tc.out, K: tc.k, Stride: tc.stride, Pad: tc.pad, Act: ReLU}
			net, err := NewNet(tc.in, []Layer{l}, n, gemm.Naive{}, 1)
			if err != nil {
				t.Fatal(err)
			}
			net.Init(1)
			copy(l.B.Data, randSlice(r, len(l.B.Data)))
			l.chunk = chunk
			x := randSlice(r, n*tc.in.Size())
			g := l.Geom
			rows := n * g.OutH * g.OutW
			col := make([]float32, rows*g.Taps())
			want := make([]float32, rows*tc.out)
			ConvForward(&net.Ctx, want, col, x, l.W.Data, l.B.Data, n, tc.out, g, ReLU)
			got := net.Forward(x, n)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%+v chunk %d: out[%d] = %v, want %v", tc, chunk, i, got[i], want[i])
			}
			dy := randSlice(r, len(want))
			wantDx, wantDw, wantDb := make([]float32, len(x)), make([]float32, len(l.W.Grad)), make([]float32, tc.out)
			ConvBackward(&net.Ctx, wantDx, wantDw, wantDb, slices.Clone(dy), col, want, l.W.Data, n, tc.out, g, ReLU)
			copy(net.OutputGrad(n), dy)
			dx := net.Backward(x, n, true)
			for _, c := range []struct {
				name      string
				got, want []float32
			}{{"dIn", dx, wantDx}, {"dw", l.W.Grad, wantDw}, {"db", l.B.Grad, wantDb}} {
				for i := range c.want {
					if math.Abs(float64(c.got[i]-c.want[i])) > 1e-4*(1+math.Abs(float64(c.want[i]))) {
						t.Fatalf("%+v chunk %d: %s[%d] = %v, want %v", tc, chunk, c.name, i, c.got[i], c.want[i])
					}
				}
			}
		}
	}
}

// TestThreadsBitIdentical trains small nets for a few steps on 1, 2 and 3
// threads, splitting every loop it can, and the bench's two models at
// batch 100 on 1 and 2 threads with the usual thresholds: the parameters
// must end bit-identical.
func TestThreadsBitIdentical(t *testing.T) {
	type model struct {
		name   string
		in     Shape
		layers func() []Layer
		batch  int
		split  bool // split every loop
	}
	models := []model{
		{"conv-pool-dense", Shape{9, 9, 2}, func() []Layer {
			return []Layer{&Conv2D{Out: 4, K: 3, Act: ReLU}, &MaxPool{K: 2}, &Conv2D{Out: 3, K: 2, Pad: 1, Act: Tanh},
				&Dense{Out: 6, Act: Sigmoid}, &Activation{Act: ReLU}, &Dense{Out: 3}}
		}, 7, true},
	}
	if !testing.Short() {
		for _, m := range benchModels {
			models = append(models, model{m.name, Shape{28, 28, 1}, m.layers, 100, false})
		}
	}
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			ds := mnistLike(3 * m.batch)
			if m.in != (Shape{28, 28, 1}) {
				ds = blobs(3*m.batch, m.in.Size(), 3, 1)
				ds.H, ds.W, ds.C = m.in.H, m.in.W, m.in.C
			}
			var first []float32
			for _, threads := range []int{1, 2, 3} {
				if !m.split && threads == 3 {
					continue
				}
				tr := trainerOn(t, m.in, m.layers(), m.batch, threads)
				if m.split {
					tr.Net.Ctx.minPart = 1
				}
				for range 3 {
					tr.TrainStep(ds)
				}
				if first == nil {
					first = tr.Net.Data
				} else if i := sameBits(tr.Net.Data, first); i >= 0 {
					t.Fatalf("parameter %d is %v with %d threads, %v with 1", i, tr.Net.Data[i], threads, first[i])
				}
			}
		})
	}
}

// trainerOn builds layers on in with Adam and gemm.Best(threads).
func trainerOn(t testing.TB, in Shape, layers []Layer, batch, threads int) *Trainer {
	net, err := NewNet(in, layers, batch, gemm.Best(threads), threads)
	if err != nil {
		t.Fatal(err)
	}
	net.Init(2)
	opt, err := NewOptimizer(OptimConfig{Kind: "adam", LR: 1e-2, WeightDecay: 1e-4}, net)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(net, opt, batch, 2)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestSplitTrainStepAllocatesNothing(t *testing.T) {
	ds := blobs(200, 2*9*9, 3, 1)
	ds.H, ds.W, ds.C = 9, 9, 2
	layers := []Layer{&Conv2D{Out: 4, K: 3, Act: ReLU}, &MaxPool{K: 2}, &Dense{Out: 6, Act: ReLU}, &Activation{Act: Tanh}, &Dense{Out: 3}}
	tr := trainerOn(t, Shape{9, 9, 2}, layers, 20, 2)
	tr.Net.Ctx.minPart = 1
	tr.TrainStep(ds) // starts the helpers and sizes the scratch space
	if a := testing.AllocsPerRun(20, func() { tr.TrainStep(ds) }); a != 0 {
		t.Errorf("%v allocations per step on 2 threads, want 0", a)
	}
}

// TestOptimizerFlushesTinyState trains parameters whose gradient is zero
// after the first update, for long enough that their state would decay
// into the subnormal range: Step must flush it to zero instead, and the
// parameters must end where the unflushed updates take them.
func TestOptimizerFlushesTinyState(t *testing.T) {
	for _, cfg := range []OptimConfig{
		{Kind: "adam", LR: 1e-3, Beta1: 0.5},
		{Kind: "adam", LR: 1e-3},
		{Kind: "sgd", LR: 0.1, Momentum: 0.9},
		{Kind: "sgd", LR: 0.1, Momentum: 0.3},
	} {
		net, err := NewNet(Flat(3), []Layer{&Dense{Out: 4}}, 1, gemm.Simple{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		net.Init(1)
		o, err := NewOptimizer(cfg, net)
		if err != nil {
			t.Fatal(err)
		}
		// The reference: the same updates without flushing, in float64.
		want := make([]float64, len(net.Data))
		for i, w := range net.Data {
			want[i] = float64(w)
		}
		m, v := make([]float64, len(want)), make([]float64, len(want))
		c := o.Config
		for step := int64(0); step < 3000; step++ {
			g := 0.0
			if step == 0 {
				g = 1e-3
			}
			for i := range net.Grad {
				net.Grad[i] = float32(g)
			}
			o.Step(net.Params, step)
			for i := range want {
				if c.Kind == "sgd" {
					m[i] = c.Momentum*m[i] - c.LR*g
					want[i] += m[i]
					continue
				}
				m[i] = c.Beta1*m[i] + (1-c.Beta1)*g
				v[i] = c.Beta2*v[i] + (1-c.Beta2)*g*g
				bc1, bc2 := 1-math.Pow(c.Beta1, float64(step+1)), 1-math.Pow(c.Beta2, float64(step+1))
				want[i] -= c.LR * (m[i] / bc1) / (math.Sqrt(v[i]/bc2) + c.Eps)
			}
		}
		for _, state := range [][]float32{o.M, o.V} {
			for i, s := range state {
				if s != 0 && math.Abs(float64(s)) < 1.2e-38 {
					t.Fatalf("%+v: state[%d] = %v is subnormal", cfg, i, s)
				}
			}
		}
		for i, w := range net.Data {
			if math.Abs(float64(w)-want[i]) > 1e-6*(1+math.Abs(want[i])) {
				t.Errorf("%+v: w[%d] = %v, want %v", cfg, i, w, want[i])
			}
		}
	}
}
