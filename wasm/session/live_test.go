package session

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNeedsRebuild(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Params)
		want   bool
	}{
		{"nothing", func(*Params) {}, false},
		{"learning rate", func(p *Params) { p.LR = 0.01 }, false},
		{"batch", func(p *Params) { p.Batch = 100 }, false},
		{"optimizer", func(p *Params) { p.Optim = "sgd" }, false},
		{"all live ones", func(p *Params) { p.LR, p.Batch, p.Optim = 0.05, 7, "sgd" }, false},
		{"dense spelled out", func(p *Params) { p.Depth, p.Dicts = 2, []string{"se", "dense"} }, true},
		{"hidden", func(p *Params) { p.Hidden = 100 }, true},
		{"dictionary", func(p *Params) { p.Dicts = []string{"emp"} }, true},
		{"fraction", func(p *Params) { p.Fraction = 0.3 }, true},
		{"seed", func(p *Params) { p.Seed = 2 }, true},
		{"length", func(p *Params) { p.Length = 3 }, true},
		{"filters", func(p *Params) { p.Model, p.Filters = "conv", []int{4, 8} }, true},
	} {
		p, q := DefaultParams(), DefaultParams()
		tc.change(&q)
		if got := NeedsRebuild(p, q); got != tc.want {
			t.Errorf("%s: NeedsRebuild = %v, want %v", tc.name, got, tc.want)
		}
	}
	// The page reads the live settings by their JSON names.
	b, err := json.Marshal(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	m, err := NewMenus()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Live, LiveFields()) {
		t.Errorf("the menus name %v live, LiveFields %v", m.Live, LiveFields())
	}
	for _, f := range LiveFields() {
		if _, ok := fields[f]; !ok {
			t.Errorf("live setting %q is not a JSON name of Params", f)
		}
	}
	// A layer left out is a dense one.
	p := DefaultParams()
	p.Depth, p.Dicts = 2, []string{"se"}
	q := p
	q.Dicts = []string{"se", "dense"}
	if NeedsRebuild(p, q) {
		t.Error("a layer left out differs from dense")
	}
}

// TestApply changes the live settings of a running session: each applies
// without touching the weights, takes effect where the contract says,
// and training goes on.
func TestApply(t *testing.T) {
	for _, tc := range []struct {
		name    string
		steps   int // steps of 32 before Apply
		change  func(*Params)
		err     string // an error containing this; "rebuild": a *RebuildError
		batch   int    // the batch in effect after Apply
		pending int    // the batch pending after Apply
		optim   string
	}{
		{"learning rate", 3, func(p *Params) { p.LR = 0.01 }, "", 32, 0, "adam"},
		{"to SGD", 3, func(p *Params) { p.Optim = "sgd" }, "", 32, 0, "sgd"},
		{"smaller batch, whole", 3, func(p *Params) { p.Batch = 16 }, "", 16, 0, "adam"},
		{"larger batch, whole", 4, func(p *Params) { p.Batch = 64 }, "", 64, 0, "adam"},
		{"larger batch, pending", 3, func(p *Params) { p.Batch = 64 }, "", 32, 64, "adam"},
		{"batch above the buffers", 0, func(p *Params) { p.Batch = 200 }, "", 200, 0, "adam"},
		{"all at once", 6, func(p *Params) { p.Batch, p.Optim, p.LR = 40, "sgd", 0.05 }, "", 32, 40, "sgd"},
		{"hidden width", 3, func(p *Params) { p.Hidden = 8 }, "rebuild", 32, 0, "adam"},
		{"batch 0", 3, func(p *Params) { p.Batch = 0 }, "batch size 0", 32, 0, "adam"},
		{"learning rate -1", 3, func(p *Params) { p.LR = -1 }, "learning rate -1", 32, 0, "adam"},
	} {
		p := DefaultParams()
		p.Hidden, p.Batch = 16, 32
		s := newTestSession(t, p)
		for i := 0; i < tc.steps; i++ {
			s.step()
		}
		w, ex, upd := slices.Clone(s.Weights()), s.examples(), s.Run.Trainer.Updates
		q := s.Params
		tc.change(&q)
		err := s.Apply(q)
		switch {
		case tc.err == "rebuild":
			var re *RebuildError
			if !errors.As(err, &re) {
				t.Errorf("%s: Apply = %v, want a *RebuildError", tc.name, err)
			}
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: Apply = %v, want an error with %q", tc.name, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: Apply: %v", tc.name, err)
			continue
		}
		if tc.err != "" && s.Params.Batch != 32 {
			t.Errorf("%s: a refused Apply changed the settings to %+v", tc.name, s.Params)
		}
		l := s.Live()
		if l.Batch != tc.batch || l.PendingBatch != tc.pending || l.Optim != tc.optim {
			t.Errorf("%s: live settings %+v, want batch %d, pending %d, %s", tc.name, l, tc.batch, tc.pending, tc.optim)
		}
		if !slices.Equal(s.Weights(), w) || s.examples() != ex || s.Run.Trainer.Updates != upd {
			t.Errorf("%s: Apply changed the weights or the position", tc.name)
		}
		if tc.optim == "sgd" {
			o := s.Run.Trainer.Opt
			if o.V != nil || o.Config.Momentum != SGDMomentum || o.Origin != upd || slices.ContainsFunc(o.M, func(v float32) bool { return v != 0 }) {
				t.Errorf("%s: the SGD optimizer is not new: momentum %v, origin %d (want %d)", tc.name, o.Config.Momentum, o.Origin, upd)
			}
		}
		// Training goes on: every step takes the batch in effect (a
		// pending one comes into effect before a step), and a pending
		// batch is in effect at the latest at the epoch's end (600
		// examples).
		for i := 0; i < 40; i++ {
			before := s.examples()
			s.step()
			b := s.Live().Batch
			if d := s.examples() - before; d != int64(b) && s.Run.Trainer.Step != 0 {
				t.Fatalf("%s: a step with batch %d went %d examples on", tc.name, b, d)
			}
		}
		if l := s.Live(); l.PendingBatch != 0 || s.Run.Err() != nil {
			t.Errorf("%s: after 40 more steps: %+v, error %v", tc.name, l, s.Run.Err())
		}
	}
}

// TestLiveSchedule checks that the learning rate keeps halving every
// HalfLife examples across batch changes: the rate is a function of the
// examples seen, whatever the batch sizes.
func TestLiveSchedule(t *testing.T) {
	p := DefaultParams()
	p.Hidden, p.Batch = 8, 50
	s := newTestSession(t, p)
	rate := func() float64 { return s.Live().LR }
	want := func() float64 { return max(p.LR*math.Pow(2, -float64(s.examples())/HalfLife), p.LR/20) }
	for _, b := range []int{50, 100, 20, 300, 75} {
		q := s.Params
		q.Batch = b
		if err := s.Apply(q); err != nil {
			t.Fatal(err)
		}
		for s.Live().PendingBatch != 0 || s.Run.Trainer.Step%3 != 1 {
			s.step()
		}
		if got := rate(); math.Abs(got-want())/want() > 1e-9 {
			t.Fatalf("batch %d after %d examples: rate %v, want %v", b, s.examples(), got, want())
		}
	}
	// A new starting rate: the schedule goes on from it.
	q := s.Params
	q.LR = 0.01
	p.LR = 0.01
	if err := s.Apply(q); err != nil {
		t.Fatal(err)
	}
	if got := rate(); math.Abs(got-want())/want() > 1e-9 {
		t.Fatalf("after a new rate: %v, want %v", got, want())
	}
}

// TestApplyParallel applies the same change in two data-parallel workers
// before the same step: their weights stay bit-identical, and a batch
// smaller than the number of workers is refused.
func TestApplyParallel(t *testing.T) {
	p := DefaultParams()
	p.Hidden, p.Batch = 16, 32
	ws := parallelRun(t, p, 2, 3)
	q := ws[0].Params
	q.Batch, q.Optim = 48, "sgd"
	for _, w := range ws {
		if err := w.Apply(q); err != nil {
			t.Fatal(err)
		}
	}
	step := func() { parallelStep(t, ws) }
	for i := 0; i < 10; i++ {
		step()
	}
	if l := ws[0].Live(); l.Batch != 48 || l.Optim != "sgd" {
		t.Errorf("after 10 steps: %+v", l)
	}
	if !slices.Equal(ws[0].Weights(), ws[1].Weights()) {
		t.Error("the workers' weights differ after the same change")
	}
	q.Batch = 1
	if err := ws[0].Apply(q); err == nil || !strings.Contains(err.Error(), "at least one example per worker") {
		t.Errorf("batch 1 for 2 workers: %v", err)
	}
}

// TestApplyConv grows the buffers of the convnet, with predicted conv
// layers, for a larger batch, and switches it to SGD: it trains on.
func TestApplyConv(t *testing.T) {
	p := DefaultParams()
	p.Model, p.Hidden, p.Batch, p.Dicts = "conv", 16, 16, []string{"se", "se", "dense"}
	s := newTestSession(t, p)
	for i := 0; i < 3; i++ {
		s.step()
	}
	q := s.Params
	q.Batch, q.Optim = 96, "sgd"
	if err := s.Apply(q); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		s.step()
	}
	loss, _ := s.win.mean()
	if l := s.Live(); l.Batch != 96 || l.PendingBatch != 0 || s.Run.Err() != nil || math.IsNaN(loss) {
		t.Errorf("after 12 steps: %+v, loss %v, error %v", l, loss, s.Run.Err())
	}
	// 48 examples at 16, three more steps of 16 to 96 (whole batches
	// of 96), then 96 at a time: 576, a short step to the epoch's end
	// at 600, and three steps of 96.
	if got, want := s.examples(), int64(600+3*96); got != want {
		t.Errorf("%d examples seen, want %d", got, want)
	}
}
