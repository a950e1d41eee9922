package engine

import (
	"slices"
	"testing"
)

// TestSetBatch checks that the batch size changes only where the epoch's
// examples so far fill whole batches of the new size, and that the
// position (examples seen) is kept.
func TestSetBatch(t *testing.T) {
	ds := blobs(300, 6, 3, 2)
	for _, tc := range []struct {
		name     string
		steps, n int // steps of 32 taken, then SetBatch(n)
		step     int // the new Step; -1: SetBatch fails
	}{
		{"at the start", 0, 25, 0},
		{"smaller, whole", 2, 16, 4},
		{"larger, whole", 3, 48, 2},
		{"same", 3, 32, 3},
		{"not whole", 2, 48, -1},
		{"above MaxBatch", 0, 65, -1},
		{"zero", 0, 0, -1},
	} {
		tr := newMLP(t, 6, 3, 32, OptimConfig{Kind: "adam", LR: 1e-3}, 1)
		if err := tr.Net.SetMaxBatch(64); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < tc.steps; i++ {
			tr.TrainStep(ds)
		}
		err := tr.SetBatch(tc.n)
		if tc.step < 0 {
			if err == nil || tr.Batch != 32 || tr.Step != tc.steps {
				t.Errorf("%s: SetBatch(%d) = %v, batch %d, step %d: want an error and no change", tc.name, tc.n, err, tr.Batch, tr.Step)
			}
			continue
		}
		if err != nil || tr.Batch != tc.n || tr.Step != tc.step {
			t.Errorf("%s: SetBatch(%d) = %v, batch %d, step %d: want batch %d, step %d", tc.name, tc.n, err, tr.Batch, tr.Step, tc.n, tc.step)
			continue
		}
		if r := tr.TrainStep(ds); r.Examples != tc.n {
			t.Errorf("%s: the next step trained %d examples, want %d", tc.name, r.Examples, tc.n)
		}
	}
}

// TestSetMaxBatch checks that a net set up again for larger batches keeps
// its parameters and trains as one built for them from the start.
func TestSetMaxBatch(t *testing.T) {
	ds := blobs(400, 6, 3, 2)
	opt := OptimConfig{Kind: "sgd", LR: 0.05, Momentum: 0.9, MaxNorm: 2}
	grown := newMLP(t, 6, 3, 32, opt, 4)
	built := newMLP(t, 6, 3, 32, opt, 4)
	if err := built.Net.SetMaxBatch(96); err != nil { // only the buffers; same as built for 96
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		grown.TrainStep(ds)
		built.TrainStep(ds)
	}
	before := slices.Clone(grown.Net.Data)
	if err := grown.Net.SetMaxBatch(96); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(grown.Net.Data, before) {
		t.Fatal("SetMaxBatch changed the parameters")
	}
	for _, p := range grown.Net.Params {
		if &p.Data[0] != &grown.Net.Data[p.Off] || &p.Grad[0] != &grown.Net.Grad[p.Off] {
			t.Fatalf("parameter %s is not a view into Data and Grad at %d", p.Name, p.Off)
		}
	}
	for _, tr := range []*Trainer{grown, built} {
		if err := tr.SetBatch(96); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ { // across the end of the epoch
			tr.TrainStep(ds)
		}
	}
	if !slices.Equal(grown.Net.Data, built.Net.Data) {
		t.Error("the net set up again for batches of 96 trains differently from one set up for them before training")
	}
	if err := grown.Net.SetMaxBatch(0); err == nil {
		t.Error("SetMaxBatch(0) succeeded")
	}
}

// TestOptimizerOrigin checks that an optimizer whose state was zeroed at
// update t takes the steps a new optimizer takes from update 0: Adam's
// bias corrections count from its Origin.
func TestOptimizerOrigin(t *testing.T) {
	ds := blobs(200, 6, 3, 5)
	for _, opt := range []OptimConfig{{Kind: "adam", LR: 1e-3}, {Kind: "sgd", LR: 0.05, Momentum: 0.9}} {
		a := newMLP(t, 6, 3, 20, opt, 6)
		b := newMLP(t, 6, 3, 20, opt, 6)
		const at = 37
		b.Opt.M[0], b.Updates = 1, at // state to be zeroed, a later update
		b.Opt.Reset(at)
		for i := 0; i < 5; i++ {
			a.TrainStep(ds)
			b.TrainStep(ds)
		}
		if !slices.Equal(a.Net.Data, b.Net.Data) {
			t.Errorf("%s: the state zeroed at update %d steps unlike a new one", opt.Kind, at)
		}
	}
}
