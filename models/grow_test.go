package models

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gradcheck"
	"github.com/predparams/predparams/kernels"
)

// growing returns p with predict.grow set: ×2 up to n_α = 12.
func growing(p *PredictConfig) *PredictConfig {
	p.Grow = &GrowConfig{Factor: 2, MaxNAlpha: 12}
	return p
}

// growConfig returns the MLP of mlpConfig with 12 units (for 6×6 images) and a
// validation set of 20 and train.grow set.
func growConfig(p1, p2 *PredictConfig, s GrowSchedule) *Config {
	cfg := mlpConfig(12, "relu", p1, p2)
	cfg.Train.Validation = 20
	cfg.Train.Grow = &s
	cfg.Train.Epochs = 4
	return cfg
}

// TestNestedAlpha checks the α of growing layers: every column's α for
// a larger n_α keeps all the positions of a smaller one, the columns
// differ, and for J = 1 the nested α is the α of a layer that does not
// grow (so that a J = 1 run that grows starts where a fixed one does).
func TestNestedAlpha(t *testing.T) {
	const rows, seed = 784, 99
	for _, J := range []int{1, 2, 5} {
		t.Run(fmt.Sprint("J", J), func(t *testing.T) {
			draw := func(n int, nested bool) [][]int {
				t.Helper()
				s := dictSpec{F: Factors{Rows: rows, Units: 10 * J, Columns: J, NAlpha: n}, Nested: nested}
				a, err := drawAlpha(s, seed)
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			prev := draw(8, true)
			for _, n := range []int{16, 32, 157, rows} {
				next := draw(n, true)
				for j := range J {
					if len(next[j]) != n || !slices.IsSorted(next[j]) {
						t.Fatalf("n_α %d, column %d: %d positions, sorted %v", n, j, len(next[j]), slices.IsSorted(next[j]))
					}
					for _, p := range prev[j] {
						if _, ok := slices.BinarySearch(next[j], p); !ok {
							t.Fatalf("column %d: position %d of n_α = %d is not in n_α = %d", j, p, len(prev[j]), n)
						}
					}
				}
				prev = next
			}
			a := draw(39, true)
			for j := 1; j < J; j++ {
				if slices.Equal(a[0], a[j]) {
					t.Errorf("columns 0 and %d have the same α", j)
				}
			}
			fixed, err := kernels.SampleColumns(seed, rows, 39, J)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a[0], fixed[0]) {
				t.Error("column 0's nested α differs from SampleColumns' column 0")
			}
			if J == 1 && !slices.Equal(draw(39, false)[0], a[0]) {
				t.Error("J = 1: the nested α differs from the fixed α")
			}
		})
	}
}

// TestGrowKeepsWAndState trains a run one epoch, grows it, and checks
// the carry-over: α_j ⊂ α'_j, W = UV changes by rounding only (the KRR
// and raw forms, J = 1 and > 1, dense and conv, a data-driven layer
// above a grown one), the old rows of V and their optimizer state are
// kept (scaled by the gains' ratio in the raw form), the new rows' state
// is zero, every other parameter and state is copied, and the trainer
// keeps its position.
func TestGrowKeepsWAndState(t *testing.T) {
	ds := synthImages(80, 6, 6, 1, 3, 21)
	test := synthImages(20, 6, 6, 1, 3, 22)
	s := GrowSchedule{Every: 1, Patience: 1}
	conv := func() *Config {
		cfg := growConfig(nil, nil, s)
		cfg.Layers = []LayerConfig{
			{Type: "conv", Filters: 4, K: 3, Act: "relu", Predict: &PredictConfig{Dict: "se", NAlpha: 3, Columns: 2,
				Grow: &GrowConfig{Add: 2, MaxNAlpha: 7}}},
			{Type: "maxpool", K: 2},
			{Type: "dense", Units: 3},
		}
		return cfg
	}
	cases := []struct {
		name string
		cfg  *Config
	}{
		{"se krr J1, emp krr J1", growConfig(growing(&PredictConfig{Dict: "se", NAlpha: 3}), growing(&PredictConfig{Dict: "emp", NAlpha: 3}), s)},
		{"se krr J3, emp2 krr J2", growConfig(growing(&PredictConfig{Dict: "se", NAlpha: 3, Columns: 3}), growing(&PredictConfig{Dict: "emp2", NAlpha: 3, Columns: 2}), s)},
		{"se raw J2, emp raw J3", growConfig(growing(&PredictConfig{Dict: "se", Form: "raw", NAlpha: 3, Columns: 2}), growing(&PredictConfig{Dict: "emp", Form: "raw", NAlpha: 3, Columns: 3}), s)},
		{"se below a fixed emp", growConfig(growing(&PredictConfig{Dict: "se", NAlpha: 3, Columns: 2}), &PredictConfig{Dict: "emp", NAlpha: 4, Columns: 2}, s)},
		{"conv se J2", conv()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewRun(c.cfg, ds, test, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			for !r.Step().EpochEnd {
			}
			r.EndEpoch()
			old, oldOpt, oldTr := r.Model, r.Trainer.Opt, r.Trainer
			before := make([][]float32, len(old.Net.Layers))
			for i := range before {
				w, _, _ := old.Weights(i, nil)
				before[i] = slices.Clone(w)
			}
			if err := r.grow(1); err != nil {
				t.Fatal(err)
			}
			m, opt := r.Model, r.Trainer.Opt
			if m == old || len(r.Growth.Steps) != 1 {
				t.Fatal("the run did not grow")
			}
			if tr := r.Trainer; tr.Epoch != oldTr.Epoch || tr.Step != oldTr.Step || tr.Updates != oldTr.Updates {
				t.Errorf("trainer at %d/%d/%d, was at %d/%d/%d", tr.Epoch, tr.Step, tr.Updates, oldTr.Epoch, oldTr.Step, oldTr.Updates)
			}
			step := r.Growth.Steps[0]
			t.Logf("relative change of W per layer: %.2g", step.WChange)
			for i, l := range m.Net.Layers {
				if after, _, _ := m.Weights(i, nil); after != nil {
					if d := relChange(before[i], after); d > 1e-5 || math.Abs(d-step.WChange[i]) > 1e-9 {
						t.Errorf("layer %d: W changed by %.3g (logged %.3g), want rounding only", i, d, step.WChange[i])
					}
				}
				od, nd := old.Dictionary(i), m.Dictionary(i)
				if nd == nil || nd.NAlpha == od.NAlpha {
					if nd != nil && !slices.Equal(nd.u, od.u) {
						t.Errorf("layer %d did not grow, but its dictionary changed", i)
					}
					for k, p := range l.Params() {
						op := old.Net.Layers[i].Params()[k]
						if !slices.Equal(p.Data, op.Data) || !slices.Equal(stateOf(opt, p), stateOf(oldOpt, op)) {
							t.Errorf("parameter %s or its state was not copied", p.Name)
						}
					}
					continue
				}
				if step.From[i] != od.NAlpha || step.To[i] != nd.NAlpha || nd.NAlpha <= od.NAlpha {
					t.Errorf("layer %d: logged %d → %d, the dictionaries have %d → %d", i, step.From[i], step.To[i], od.NAlpha, nd.NAlpha)
				}
				checkGrownV(t, od, nd, predictedOf(old.Net.Layers[i]).V, predictedOf(l).V, oldOpt, opt)
			}
		})
	}
}

// stateOf returns p's optimizer state in o: M, then V.
func stateOf(o *engine.Optimizer, p *engine.Param) []float32 {
	s := slices.Clone(o.M[p.Off : p.Off+p.Size()])
	if o.V != nil {
		s = append(s, o.V[p.Off:p.Off+p.Size()]...)
	}
	return s
}

// checkGrownV checks the V of a grown layer against the V before.
func checkGrownV(t *testing.T, od, nd *Dictionary, ov, nv *engine.Param, oldOpt, opt *engine.Optimizer) {
	t.Helper()
	units := nv.Cols
	per := units / nd.Columns
	newRows := 0
	for j := range nd.Columns {
		scale := od.Gain[j] / nd.Gain[j]
		if (nd.form == "krr") != (scale == 1) {
			t.Errorf("column %d: gain ratio %v in the %s form", j, scale, nd.form)
		}
		for r, pos := range nd.Alpha[j] {
			q, kept := slices.BinarySearch(od.Alpha[j], pos)
			if !kept {
				newRows++
			}
			for c := range per {
				i := r*units + j*per + c
				switch {
				case kept:
					oi := q*units + j*per + c
					if want := float32(float64(ov.Data[oi]) * scale); nv.Data[i] != want {
						t.Fatalf("V[%d, %d] = %v, want %v (old row %d × %v)", r, j*per+c, nv.Data[i], want, q, scale)
					}
					if opt.M[nv.Off+i] != oldOpt.M[ov.Off+oi] || opt.V[nv.Off+i] != oldOpt.V[ov.Off+oi] {
						t.Fatalf("V[%d, %d]: optimizer state not carried over", r, j*per+c)
					}
				case opt.M[nv.Off+i] != 0 || opt.V[nv.Off+i] != 0:
					t.Fatalf("V[%d, %d], a new row: optimizer state %v, %v, want 0", r, j*per+c, opt.M[nv.Off+i], opt.V[nv.Off+i])
				case nd.form == "raw" && nv.Data[i] != 0:
					t.Fatalf("V[%d, %d], a new row of the raw form: %v, want 0", r, j*per+c, nv.Data[i])
				}
			}
		}
	}
	if newRows != nd.Columns*(nd.NAlpha-od.NAlpha) {
		t.Errorf("%d new rows of V, want %d", newRows, nd.Columns*(nd.NAlpha-od.NAlpha))
	}
}

// TestGrowSchedule drives the growth check with given validation
// errors and checks at which epochs the layers grow and why growth
// stops.
func TestGrowSchedule(t *testing.T) {
	ds := synthImages(60, 6, 6, 1, 3, 23)
	cases := []struct {
		name    string
		s       GrowSchedule
		max     int // the cap on n_α (from 2, ×2)
		errs    []float64
		grows   []int // epochs at whose end the layer grows
		stopped string
		at      int
	}{
		{"improving", GrowSchedule{Every: 1, Patience: 1}, 16, []float64{.5, .4, .3, .2, .1, .05}, nil, "", 0},
		{"plateau then a useful growth", GrowSchedule{Every: 1, Patience: 1}, 16, []float64{.5, .5, .4, .4, .3, .3}, []int{2, 4}, "", 0},
		{"growth that does not help", GrowSchedule{Every: 1, Patience: 1}, 16, []float64{.5, .5, .5, .5, .5, .5}, []int{2}, "patience", 3},
		{"patience 2", GrowSchedule{Every: 1, Patience: 2}, 16, []float64{.5, .5, .5, .5, .5, .5}, []int{2, 3}, "patience", 4},
		{"worse counts as a plateau", GrowSchedule{Every: 1, Patience: 1}, 16, []float64{.5, .6, .4, .3, .2, .1}, []int{2}, "", 0},
		{"min_improvement", GrowSchedule{Every: 1, Patience: 3, MinImprovement: .02}, 16, []float64{.5, .495, .49, .3, .2, .1}, []int{2, 3}, "", 0},
		{"every 2", GrowSchedule{Every: 2, Patience: 1}, 16, []float64{.5, .4, .45, .41, .3, .35}, []int{4}, "", 0},
		{"cap", GrowSchedule{Every: 1, Patience: 5}, 8, []float64{.5, .5, .5, .5, .5, .5}, []int{2, 3}, "max", 3},
		{"not after the last epoch", GrowSchedule{Every: 1, Patience: 1}, 16, []float64{.5, .4, .3, .2, .1, .1}, nil, "", 0},
		// A replayed schedule ignores the validation error.
		{"at", GrowSchedule{At: []int{1, 3}}, 16, []float64{.5, .4, .3, .2, .1, .05}, []int{1, 3}, "schedule", 3},
		{"at beyond the cap", GrowSchedule{At: []int{1, 2, 4}}, 8, []float64{.5, .5, .5, .5, .5, .5}, []int{1, 2}, "max", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &PredictConfig{Dict: "se", NAlpha: 2, Grow: &GrowConfig{Factor: 2, MaxNAlpha: c.max}}
			cfg := growConfig(p, nil, c.s)
			cfg.Train.Epochs = len(c.errs)
			r, err := NewRun(cfg, ds, ds, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			var grows []int
			for i, e := range c.errs {
				r.History = append(r.History, EpochMetrics{Epoch: i + 1, Validation: &Evaluation{Error: e}})
				n := len(r.Growth.Steps)
				r.checkGrowth(i + 1)
				if len(r.Growth.Steps) > n {
					grows = append(grows, i+1)
				}
			}
			if !slices.Equal(grows, c.grows) || r.Growth.Stopped != c.stopped || r.Growth.StoppedEpoch != c.at {
				t.Errorf("grew at %v, stopped %q at %d; want %v, %q at %d", grows, r.Growth.Stopped, r.Growth.StoppedEpoch, c.grows, c.stopped, c.at)
			}
			want := 2
			for k, s := range r.Growth.Steps {
				want = min(2*want, c.max)
				if s.To[0] != want || s.Epoch != c.grows[k] {
					t.Errorf("growth %d: to %v after epoch %d, want n_α %d", k, s.To, s.Epoch, want)
				}
			}
			if got := r.Model.NAlpha()[0]; got != want {
				t.Errorf("n_α %d at the end, want %d", got, want)
			}
		})
	}
}

// TestRestartLR checks train.grow.restart_lr: after a growth the
// learning-rate schedule starts again, and without it it goes on.
func TestRestartLR(t *testing.T) {
	ds := synthImages(60, 6, 6, 1, 3, 26)
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprint("restart ", restart), func(t *testing.T) {
			cfg := growConfig(growing(&PredictConfig{Dict: "se", NAlpha: 3}), nil, GrowSchedule{At: []int{2}, RestartLR: restart})
			cfg.Train.Optimizer.LRDecay = 1.01
			r, err := NewRun(cfg, ds, ds, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			runToEnd(r)
			steps := r.Trainer.Updates / int64(cfg.Train.Epochs)
			o := cfg.Train.Optimizer
			want := []float64{o.LRAt(steps), o.LRAt(2 * steps), o.LRAt(3 * steps), o.LRAt(4 * steps)}
			if restart {
				want[2], want[3] = o.LRAt(steps), o.LRAt(2*steps)
			}
			for i, h := range r.History {
				if math.Abs(h.LR-want[i]) > 1e-12*want[i] {
					t.Errorf("epoch %d ended at learning rate %v, want %v", h.Epoch, h.LR, want[i])
				}
			}
			if g := r.Growth.Steps; len(g) != 1 || g[0].Updates != 2*steps {
				t.Errorf("growth log %+v, want one growth after %d updates", g, 2*steps)
			}
		})
	}
}

// TestGrowResume stops a run that grows (at an epoch's end right after
// a growth, and in the middle of the epoch after it), reloads it from
// its checkpoint, and checks that it ends bit-identical to a run that
// never stopped: parameters, optimizer state, history and growth log.
func TestGrowResume(t *testing.T) {
	train := synthImages(80, 6, 6, 1, 3, 24)
	test := synthImages(20, 6, 6, 1, 3, 25)
	// min_improvement 0.99 makes every check but the first a plateau
	// (unless the error falls a hundredfold): the layers grow after
	// epochs 2 (to 6) and 3 (to 12).
	// The learning rate decays and restarts at each growth, so that a
	// resumed run must restore the schedule's start too.
	cfg := growConfig(growing(&PredictConfig{Dict: "se", NAlpha: 3, Columns: 2}), growing(&PredictConfig{Dict: "emp", NAlpha: 3, Columns: 2}),
		GrowSchedule{Every: 1, Patience: 3, MinImprovement: 0.99, RestartLR: true})
	cfg.Train.Epochs = 5
	cfg.Train.Optimizer.LRDecay = 1.01
	whole, err := NewRun(cfg, train, test, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(whole)
	if g := whole.Growth; len(g.Steps) != 2 || g.Stopped != "max" || !slices.Equal(whole.Model.NAlpha(), []int{12, 12, 0}) {
		t.Fatalf("the uninterrupted run grew %d times to %v, stopped %q", len(g.Steps), whole.Model.NAlpha(), g.Stopped)
	}
	for _, steps := range []int{12, 15} { // 6 steps per epoch: after epoch 2, and in epoch 3
		t.Run(fmt.Sprint(steps, " steps"), func(t *testing.T) {
			first, err := NewRun(cfg, train, test, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			for range steps {
				if first.Step().EpochEnd {
					first.FinishEpoch()
				}
			}
			if len(first.Growth.Steps) != 1 {
				t.Fatalf("%d growths before the checkpoint, want 1", len(first.Growth.Steps))
			}
			path := filepath.Join(t.TempDir(), "run.ckpt")
			if err := first.Save(path); err != nil {
				t.Fatal(err)
			}
			resumed, err := LoadRun(path, train, test, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(resumed.Model.NAlpha(), first.Model.NAlpha()) {
				t.Fatalf("resumed at n_α %v, saved at %v", resumed.Model.NAlpha(), first.Model.NAlpha())
			}
			runToEnd(resumed)
			if !slices.Equal(resumed.Model.Net.Data, whole.Model.Net.Data) {
				t.Error("the resumed run's parameters differ from the uninterrupted run's")
			}
			if !slices.Equal(resumed.Trainer.Opt.M, whole.Trainer.Opt.M) || !slices.Equal(resumed.Trainer.Opt.V, whole.Trainer.Opt.V) {
				t.Error("the resumed run's optimizer state differs")
			}
			if a, b := timeless(t, resumed.History), timeless(t, whole.History); a != b {
				t.Errorf("history:\n%s\nwant\n%s", a, b)
			}
			if a, b := timeless(t, resumed.Growth), timeless(t, whole.Growth); a != b {
				t.Errorf("growth log:\n%s\nwant\n%s", a, b)
			}
		})
	}
}

// timeless returns v as JSON without the fields that measure time.
func timeless(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	var strip func(any)
	strip = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if strings.Contains(k, "seconds") || k == "examples_per_s" {
					delete(x, k)
				}
				strip(v)
			}
		case []any:
			for _, v := range x {
				strip(v)
			}
		}
	}
	strip(x)
	b, _ = json.Marshal(x)
	return string(b)
}

// TestGrownGradients checks a grown net's backward by finite
// differences.
func TestGrownGradients(t *testing.T) {
	ds := synthImages(60, 6, 6, 1, 3, 26)
	for _, J := range []int{1, 3} {
		t.Run(fmt.Sprint("J", J), func(t *testing.T) {
			cfg := growConfig(growing(&PredictConfig{Dict: "se", NAlpha: 3, Columns: J}), growing(&PredictConfig{Dict: "emp", NAlpha: 3, Columns: J}),
				GrowSchedule{Every: 1, Patience: 1})
			cfg.Layers[0].Act, cfg.Layers[1].Act = "tanh", "tanh"
			r, err := NewRun(cfg, ds, ds, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.grow(1); err != nil {
				t.Fatal(err)
			}
			if got := r.Model.NAlpha(); !slices.Equal(got, []int{6, 6, 0}) {
				t.Fatalf("grown to %v", got)
			}
			randomizeParams(r.Model.Net, 12)
			const n = 3
			x := slices.Clone(ds.X[:n*ds.Dim()])
			gradcheck.Check(t, r.Model.Net, x, n, 1)
		})
	}
}

// TestValidationSet checks train.validation: the last N training
// examples are held out (from the whole set, before train_examples),
// data-driven dictionaries do not see them, and every epoch closed by
// FinishEpoch is evaluated on them.
func TestValidationSet(t *testing.T) {
	ds := synthImages(70, 6, 6, 1, 3, 27)
	cfg := mlpConfig(6, "relu", &PredictConfig{Dict: "emp", NAlpha: 3}, nil)
	cfg.Train.Validation, cfg.Train.TrainExamples, cfg.Train.Epochs = 20, 40, 2
	r, err := NewRun(cfg, ds, ds, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	dim := ds.Dim()
	if v := r.Validation; v == nil || v.N != 20 || &v.X[0] != &ds.X[50*dim] || &v.Y[0] != &ds.Y[50] {
		t.Fatal("the validation set is not the last 20 training examples")
	}
	if r.Train.N != 40 || &r.Train.X[0] != &ds.X[0] {
		t.Fatalf("training on %d examples, want the first 40", r.Train.N)
	}
	if d := r.Model.Dictionary(0); d.Examples != 40 {
		t.Errorf("the emp dictionary is computed from %d examples, want the 40 trained on", d.Examples)
	}
	runToEnd(r)
	for _, h := range r.History {
		if h.Validation == nil {
			t.Fatalf("epoch %d: no validation metrics", h.Epoch)
		}
		if e, l := engine.Evaluate(r.Model.Net, r.Validation, nil); h.Epoch == 2 && (e != h.Validation.Error || l != h.Validation.Loss) {
			t.Errorf("validation %v, %v; the net gives %v, %v", h.Validation.Error, h.Validation.Loss, e, l)
		}
	}
	if s := r.Summary(); s.ValidationN != 20 || s.Validation != r.History[1].Validation || s.TrainN != 40 {
		t.Errorf("summary: %d validation examples, %v, %d training", s.ValidationN, s.Validation, s.TrainN)
	}
	b, err := json.Marshal(r.History[0])
	if err != nil || !strings.Contains(string(b), `"validation":{"error":`) {
		t.Errorf("metrics line %s", b)
	}

	cfg.Train.Validation, cfg.Train.TrainExamples = 70, 0
	if _, err := NewRun(cfg, ds, ds, testEnv); err == nil || !strings.Contains(err.Error(), "train.validation 70") {
		t.Errorf("holding out every example: error %v", err)
	}
	cfg.Train.Validation = 0
	plain, err := NewRun(cfg, ds, ds, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(plain)
	b, _ = json.Marshal(plain.History[0])
	if plain.Validation != nil || strings.Contains(string(b), "validation") || strings.Contains(string(b), "n_alpha") {
		t.Errorf("without a validation set: metrics line %s", b)
	}
}

// TestGrowConfigValidation checks what train.grow, predict.grow and
// train.validation refuse.
func TestGrowConfigValidation(t *testing.T) {
	s := GrowSchedule{Every: 1, Patience: 1}
	cases := []struct {
		name string
		edit func(c *Config)
		want string // "" for valid
	}{
		{"valid", func(c *Config) {}, ""},
		{"valid add and max_fraction", func(c *Config) {
			c.Layers[0].Predict.Grow = &GrowConfig{Add: 3, MaxFraction: 0.5}
		}, ""},
		{"negative validation", func(c *Config) { c.Train.Validation = -1 }, "train.validation -1"},
		{"grow without validation", func(c *Config) { c.Train.Validation = 0 }, "needs train.validation"},
		{"schedule without a growing layer", func(c *Config) { c.Layers[0].Predict.Grow = nil }, "no layer has predict.grow"},
		{"growing layer without a schedule", func(c *Config) { c.Train.Grow = nil }, "needs train.grow"},
		{"every 0", func(c *Config) { c.Train.Grow.Every = 0 }, "every 0"},
		{"patience 0", func(c *Config) { c.Train.Grow.Patience = 0 }, "patience 0"},
		{"min_improvement 1", func(c *Config) { c.Train.Grow.MinImprovement = 1 }, "min_improvement 1"},
		{"negative min_improvement", func(c *Config) { c.Train.Grow.MinImprovement = -0.1 }, "min_improvement -0.1"},
		{"pretrain", func(c *Config) {
			for i := range c.Layers[:2] {
				c.Layers[i].Act = "sigmoid"
			}
			c.Train.Pretrain = &PretrainConfig{Epochs: 1, Optimizer: engine.OptimConfig{Kind: "sgd", LR: 0.1}}
		}, "train.pretrain"},
		{"factor and add", func(c *Config) { c.Layers[0].Predict.Grow.Add = 2 }, "exactly one of factor and add"},
		{"neither factor nor add", func(c *Config) { c.Layers[0].Predict.Grow.Factor = 0 }, "exactly one of factor and add"},
		{"factor 1", func(c *Config) { c.Layers[0].Predict.Grow.Factor = 1 }, "factor 1"},
		{"negative add", func(c *Config) { c.Layers[0].Predict.Grow = &GrowConfig{Add: -1, MaxNAlpha: 12} }, "add -1"},
		{"two caps", func(c *Config) { c.Layers[0].Predict.Grow.MaxFraction = 0.5 }, "exactly one of max_fraction and max_n_alpha"},
		{"no cap", func(c *Config) { c.Layers[0].Predict.Grow.MaxNAlpha = 0 }, "exactly one of max_fraction and max_n_alpha"},
		{"max_fraction above 1", func(c *Config) { c.Layers[0].Predict.Grow = &GrowConfig{Factor: 2, MaxFraction: 1.5} }, "max_fraction 1.5"},
		{"cap below the start", func(c *Config) { c.Layers[0].Predict.Grow.MaxNAlpha = 3 }, "max_n_alpha 3"},
		{"fraction cap below the start", func(c *Config) {
			c.Layers[0].Predict.NAlpha, c.Layers[0].Predict.Fraction = 0, 0.2
			c.Layers[0].Predict.Grow = &GrowConfig{Factor: 2, MaxFraction: 0.1}
		}, "max_fraction 0.1"},
		{"a kind that does not grow", func(c *Config) { c.Layers[0].Predict.Dict = "randcon" }, "predict.grow applies to the se, emp and emp2"},
		{"normalize", func(c *Config) { c.Layers[0].Predict.Normalize = true }, "normalize"},
		{"alternate", func(c *Config) { c.Layers[0].Predict.Alternate = 1 }, "alternate"},
		{"at without validation", func(c *Config) {
			c.Train.Grow, c.Train.Validation = &GrowSchedule{At: []int{1, 3}, RestartLR: true}, 0
		}, ""},
		{"at and every", func(c *Config) { c.Train.Grow.At = []int{1} }, "set one or the other"},
		{"at not ascending", func(c *Config) { c.Train.Grow = &GrowSchedule{At: []int{2, 2}} }, "want ascending epochs from 1 to 3"},
		{"at the last epoch", func(c *Config) { c.Train.Grow = &GrowSchedule{At: []int{4}} }, "want ascending"},
		{"at epoch 0", func(c *Config) { c.Train.Grow = &GrowSchedule{At: []int{0}} }, "want ascending"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := growConfig(growing(&PredictConfig{Dict: "se", NAlpha: 3}), nil, s)
			c.edit(cfg)
			err := cfg.Validate()
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
	// What only the layer's size tells: caps beyond the layer, at build.
	ds := synthImages(30, 6, 6, 1, 3, 28)
	cfg := growConfig(&PredictConfig{Dict: "se", NAlpha: 3, Grow: &GrowConfig{Factor: 2, MaxNAlpha: 37}}, nil, s)
	if _, err := NewRun(cfg, ds, ds, testEnv); err == nil || !strings.Contains(err.Error(), "must exceed the starting n_α = 3 and not exceed the layer's 36") {
		t.Errorf("a cap beyond the layer's 36 positions: error %v", err)
	}
	// A conv layer's tied α does not grow.
	conv := growConfig(nil, nil, s)
	conv.Layers = []LayerConfig{
		{Type: "conv", Filters: 4, K: 3, Predict: &PredictConfig{Dict: "se", Fraction: 0.2, Tied: true, Grow: &GrowConfig{Factor: 2, MaxFraction: 0.5}}},
		{Type: "dense", Units: 3},
	}
	if err := conv.Validate(); err == nil || !strings.Contains(err.Error(), "tied") {
		t.Errorf("tied: error %v", err)
	}
}

// TestGrowJSON parses a config that grows, to pin the JSON names.
func TestGrowJSON(t *testing.T) {
	const js = `{"name": "g", "layers": [
		{"type": "dense", "units": 6, "act": "relu", "predict": {"dict": "se", "fraction": 0.01, "grow": {"factor": 2, "max_fraction": 0.2}}},
		{"type": "dense", "units": 3}],
		"train": {"epochs": 2, "batch": 10, "seed": 1, "optimizer": {"kind": "adam", "lr": 0.01},
		"validation": 100, "grow": {"every": 1, "patience": 2, "min_improvement": 0.05}}}`
	cfg, err := ParseConfig(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	want := GrowSchedule{Every: 1, Patience: 2, MinImprovement: 0.05}
	if g := cfg.Layers[0].Predict.Grow; cfg.Train.Validation != 100 || !reflect.DeepEqual(*cfg.Train.Grow, want) || *g != (GrowConfig{Factor: 2, MaxFraction: 0.2}) {
		t.Errorf("parsed %+v, %+v, %+v", cfg.Train.Validation, cfg.Train.Grow, g)
	}
}

// TestGrowFootprint checks that a layer that grows counts at its cap in
// the memory footprint: the shipped growing config needs what the same
// model at 20% does.
func TestGrowFootprint(t *testing.T) {
	grow, err := LoadConfig("configs/mnist-mlp-se-emp-1col-grow.json")
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := LoadConfig("configs/mnist-mlp-se-emp-5pct-1col.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range fixed.Layers[:2] {
		fixed.Layers[i].Predict.Fraction = 0.2
	}
	in := engine.Shape{H: 28, W: 28, C: 1}
	if g, f := Footprint(grow, in, 50000), Footprint(fixed, in, 50000); g != f {
		t.Errorf("footprint %.0f bytes growing to 20%%, %.0f at 20%%", g, f)
	}
}
