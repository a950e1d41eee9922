package engine

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
)

// blobs returns a toy dataset: n points in d dimensions around one of k
// random centres, labelled by their centre.
func blobs(n, d, k int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := make([]float32, k*d)
	for i := range centres {
		centres[i] = float32(rng.NormFloat64() * 2)
	}
	ds := &data.Dataset{Name: "blobs", N: n, H: 1, W: 1, C: d, Classes: k, X: make([]float32, n*d), Y: make([]int32, n)}
	for i := 0; i < n; i++ {
		c := rng.IntN(k)
		ds.Y[i] = int32(c)
		for j := 0; j < d; j++ {
			ds.X[i*d+j] = centres[c*d+j] + float32(rng.NormFloat64())
		}
	}
	return ds
}

func newMLP(t testing.TB, d, k, batch int, opt OptimConfig, seed uint64) *Trainer {
	net, err := NewNet(Flat(d), []Layer{&Dense{Out: 32, Act: ReLU, MaxNorm: true}, &Dense{Out: 16, Act: Tanh}, &Dense{Out: k}}, batch, gemm.Simple{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	net.Init(seed)
	o, err := NewOptimizer(opt, net)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(net, o, batch, seed)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestTrainingLearns(t *testing.T) {
	train, test := blobs(2000, 10, 4, 1), blobs(500, 10, 4, 1)
	for _, opt := range []OptimConfig{
		{Kind: "sgd", LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, MaxNorm: 2},
		{Kind: "adam", LR: 1e-3, WeightDecay: 1e-5},
	} {
		tr := newMLP(t, 10, 4, 50, opt, 3)
		before, _ := Evaluate(tr.Net, test, nil)
		for tr.Epoch < 3 {
			tr.TrainStep(train)
		}
		after, _ := Evaluate(tr.Net, test, nil)
		if after > 0.05 || after >= before {
			t.Errorf("%s: test error %.3f before, %.3f after 3 epochs", opt.Kind, before, after)
		}
	}
}

func TestSameSeedSameRun(t *testing.T) {
	ds := blobs(300, 6, 3, 2)
	opt := OptimConfig{Kind: "adam", LR: 1e-3}
	a, b := newMLP(t, 6, 3, 32, opt, 9), newMLP(t, 6, 3, 32, opt, 9)
	for i := 0; i < 25; i++ {
		a.TrainStep(ds)
		b.TrainStep(ds)
	}
	if !slices.Equal(a.Net.Data, b.Net.Data) {
		t.Fatal("two runs with the same seed differ")
	}
	c := newMLP(t, 6, 3, 32, opt, 10)
	for i := 0; i < 25; i++ {
		c.TrainStep(ds)
	}
	if slices.Equal(a.Net.Data, c.Net.Data) {
		t.Fatal("runs with different seeds are identical")
	}
}

func TestShuffleIsPermutation(t *testing.T) {
	p := Shuffle(nil, 1000, 4, 2)
	q := slices.Clone(p)
	slices.Sort(q)
	for i, v := range q {
		if int(v) != i {
			t.Fatalf("not a permutation at %d", i)
		}
	}
	if slices.Equal(p, Shuffle(nil, 1000, 4, 3)) {
		t.Fatal("epochs 2 and 3 have the same order")
	}
}

func TestTrainStepAllocatesNothing(t *testing.T) {
	ds := blobs(1000, 20, 5, 3)
	for _, kind := range []string{"sgd", "adam"} {
		opt := OptimConfig{Kind: kind, LR: 0.01, MaxNorm: 1.9}
		if kind == "sgd" {
			opt.Momentum = 0.5
		}
		tr := newMLP(t, 20, 5, 100, opt, 1)
		tr.TrainStep(ds) // the first step of an epoch may size the permutation
		if a := testing.AllocsPerRun(20, func() { tr.TrainStep(ds) }); a != 0 {
			t.Errorf("%s: %v allocations per step, want 0", kind, a)
		}
	}
}

func TestOptimConfigValidate(t *testing.T) {
	bad := []OptimConfig{
		{Kind: "sgd", LR: 0},
		{Kind: "sgd", LR: -1},
		{Kind: "rmsprop", LR: 0.1},
		{Kind: "sgd", LR: 0.1, Momentum: 1},
		{Kind: "adam", LR: 0.1, Beta2: 1.5},
		{Kind: "sgd", LR: 0.1, WeightDecay: -1},
		{Kind: "sgd", LR: 0.1, LRDecay: 0.5},       // the rate would grow
		{Kind: "adam", LR: 0.1, MinLR: 0.2},        // the floor above the rate
		{Kind: "sgd", LR: 0.1, MomentumFinal: 0.9}, // never reached
		{Kind: "adam", LR: 0.1, Momentum: 0.9},     // ignored by adam
		{Kind: "sgd", LR: 0.1, Beta1: 0.5},         // ignored by sgd
	}
	for _, c := range bad {
		if c.Validate() == nil {
			t.Errorf("%+v: accepted", c)
		}
	}
	for _, c := range []OptimConfig{
		{Kind: "adam", LR: 1e-3},
		{Kind: "adam", LR: 1e-3, LRDecay: 1.0006, MinLR: 1e-5, Beta1: 0.5},
		{Kind: "sgd", LR: 0.1, LRDecay: 1, Momentum: 0.5, MomentumFinal: 0.9, MomentumSteps: 100},
	} {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestMaxNormCapsColumns(t *testing.T) {
	tr := newMLP(t, 10, 4, 50, OptimConfig{Kind: "sgd", LR: 5, MaxNorm: 0.5}, 1)
	ds := blobs(200, 10, 4, 5)
	for i := 0; i < 10; i++ {
		tr.TrainStep(ds)
	}
	w := tr.Net.Params[0]
	for j := 0; j < w.Cols; j++ {
		var s float64
		for i := 0; i < w.Rows; i++ {
			v := float64(w.Data[i*w.Cols+j])
			s += v * v
		}
		if s > 0.5*0.5*(1+1e-5) {
			t.Fatalf("column %d has norm² %v > 0.25", j, s)
		}
	}
}

// TestStepResult checks what TrainStep reports against the minibatch it
// trained, evaluated apart before the update: the same examples (a full
// batch, so the order does not matter), the same correct count, the same
// loss up to summation order, and a short last batch.
func TestStepResult(t *testing.T) {
	ds := blobs(90, 6, 3, 5)
	opt := OptimConfig{Kind: "sgd", LR: 0.1}
	tr := newMLP(t, 6, 3, 90, opt, 4)
	for step := 0; step < 3; step++ {
		errRate, loss := Evaluate(tr.Net, ds, nil)
		res := tr.TrainStep(ds)
		wantCorrect := ds.N - int(errRate*float64(ds.N)+0.5)
		if res.Examples != ds.N || res.Correct != wantCorrect {
			t.Fatalf("step %d: %d of %d correct, want %d of %d", step, res.Correct, res.Examples, wantCorrect, ds.N)
		}
		if d := float64(res.Loss) - loss; d > 1e-5 || d < -1e-5 {
			t.Fatalf("step %d: loss %v, evaluated %v", step, res.Loss, loss)
		}
	}
	short := newMLP(t, 6, 3, 40, opt, 4)
	var got []int
	for short.Epoch == 0 {
		got = append(got, short.TrainStep(ds).Examples)
	}
	if !slices.Equal(got, []int{40, 40, 10}) {
		t.Fatalf("batch sizes of an epoch of 90 by 40: %v", got)
	}
}

// TestNextBatch checks the position API that TrainStep is made of:
// NextBatch walks each epoch's permutation in Batch-sized slices (the
// last short) without advancing, Update advances, and every example is
// visited once per epoch.
func TestNextBatch(t *testing.T) {
	ds := blobs(10, 2, 2, 3)
	tr := newMLP(t, 2, 2, 4, OptimConfig{Kind: "sgd", LR: 0.1}, 7)
	for epoch := range 2 {
		var sizes []int
		seen := map[int32]bool{}
		for tr.Epoch == epoch {
			b := tr.NextBatch(ds)
			if again := tr.NextBatch(ds); !slices.Equal(b, again) {
				t.Fatalf("NextBatch moved without Update: %v then %v", b, again)
			}
			for _, i := range b {
				seen[i] = true
			}
			sizes = append(sizes, len(b))
			tr.Update(ds.N)
		}
		if !slices.Equal(sizes, []int{4, 4, 2}) || len(seen) != ds.N {
			t.Errorf("epoch %d: batch sizes %v, %d distinct examples; want [4 4 2], %d", epoch, sizes, len(seen), ds.N)
		}
	}
	if tr.Updates != 6 || tr.Step != 0 {
		t.Errorf("after two epochs: %d updates at step %d, want 6 at 0", tr.Updates, tr.Step)
	}
}

// TestFrozen checks that a frozen parameter keeps its values through
// optimizer steps, with max-norm and weight decay on, while the others
// move, for both optimizers; and that it moves again once thawed.
func TestFrozen(t *testing.T) {
	ds := blobs(64, 6, 3, 7)
	for _, opt := range []OptimConfig{
		{Kind: "sgd", LR: 0.1, Momentum: 0.9, WeightDecay: 1e-3, MaxNorm: 0.5},
		{Kind: "adam", LR: 1e-2, WeightDecay: 1e-3, MaxNorm: 0.5},
	} {
		tr := newMLP(t, 6, 3, 16, opt, 8)
		frozen := tr.Net.Params[0]
		frozen.Frozen = true
		before := slices.Clone(frozen.Data)
		other := slices.Clone(tr.Net.Params[1].Data)
		for range 5 {
			tr.TrainStep(ds)
		}
		if !slices.Equal(frozen.Data, before) {
			t.Errorf("%s: the frozen %s moved", opt.Kind, frozen.Name)
		}
		if slices.Equal(tr.Net.Params[1].Data, other) {
			t.Errorf("%s: %s did not move", opt.Kind, tr.Net.Params[1].Name)
		}
		frozen.Frozen = false
		tr.TrainStep(ds)
		if slices.Equal(frozen.Data, before) {
			t.Errorf("%s: %s did not move once thawed", opt.Kind, frozen.Name)
		}
	}
}
