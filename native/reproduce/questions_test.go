package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/native/reproduce/runstore"
	"github.com/predparams/predparams/native/reproduce/verdict"
)

// questionExps returns the open questions' experiments.
func questionExps() []*experiment {
	var out []*experiment
	for _, e := range experiments() {
		if strings.HasPrefix(e.name, "open-") {
			out = append(out, e)
		}
	}
	return out
}

// storeRun stores a done run under root with a clean commit: its
// summary has test error errPct (percent) and, per epoch, the validation
// errors val (percent; nil: errPct at every epoch).
func storeRun(t *testing.T, root string, r *Run, errPct float64, val []float64) {
	t.Helper()
	s := fakeSummary(r.Config, errPct/100)
	s.FractionLearnedNet = 1
	if p := r.Config.Layers[0].Predict; p != nil {
		s.FractionLearnedNet = p.Fraction
	}
	// Trained parameters in proportion, for the figures that plot them.
	s.TotalTrainable = int(1e6 * s.FractionLearnedNet)
	for i := range s.History {
		if val != nil {
			s.History[i].TestError = val[i] / 100
		}
	}
	if r.Exp == nameTune && r.Config.Train.Grow != nil {
		// A tuning run whose α grows grew after epochs 1 and 3.
		s.Growth = &models.GrowthLog{Steps: []models.Growth{{Epoch: 1}, {Epoch: 3}}}
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	store(t, root, r, map[string]string{runstore.SummaryFile: string(b)})
	if err := runstore.WriteRecord(r.Dir(root), runstore.Record{Commit: "abc", Commits: []string{"abc"}}); err != nil {
		t.Fatal(err)
	}
}

// resolve plays the runner's rounds for e under root without training:
// every tuning run listed is stored with validation errors from
// val(run), falling by a tenth of a point per epoch (so the last epoch
// is selected), until a round lists nothing new; then every final run
// is stored with test error errPct(run) plus 0.01 point per seed. It
// returns the runs of the last round.
func resolve(t *testing.T, e *experiment, v variant, root string, val, errPct func(r *Run) float64) []*Run {
	t.Helper()
	seen := map[string]bool{}
	for round := 0; ; round++ {
		if round > 10 {
			t.Fatalf("%s: the rounds do not end", e.name)
		}
		runs := dedupe(e.runsWith(v, newTuner(v, []string{root})))
		fresh := false
		for _, r := range runs {
			if seen[r.key()] {
				continue
			}
			seen[r.key()], fresh = true, true
			if r.Kind == kindRICA {
				b, _ := json.Marshal(ricaSummary{TestError: (errPct(r) + 0.01*float64(r.Seed)) / 100, Params: 4096, Features: r.Job.(ricaJob).Features, TestN: 10000, PatchImages: 11})
				store(t, root, r, map[string]string{runstore.SummaryFile: string(b)})
				if err := runstore.WriteRecord(r.Dir(root), runstore.Record{Commit: "abc", Commits: []string{"abc"}}); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if r.Exp == nameTune {
				h := make([]float64, r.Config.Train.Epochs)
				for i := range h {
					h[i] = val(r) - 0.1*float64(i)
				}
				storeRun(t, root, r, h[len(h)-1], h)
			} else {
				storeRun(t, root, r, errPct(r)+0.01*float64(r.Seed), nil)
			}
		}
		if !fresh {
			return runs
		}
	}
}

// TestQuestionPlans checks the run plans of the open questions: how many
// tuning runs each lists before any result, how many final runs once
// everything is tuned (stats.DesignN seeds in full, 2 in quick, for every
// arm that enters a verdict), that every config validates, and that no
// run is owned by two experiments.
func TestQuestionPlans(t *testing.T) {
	// Full: the tuned grid's learning rates (tl), the open questions'
	// own (ql), length scales (ls).
	const tl, ql, ls = 4, 3, 3
	tests := []struct {
		exp     string
		v       variant
		tuning  int // tuning runs listed before any result
		finals  int // final runs once every family is resolved
		seeds   int
		waiting int // families that wait for another's tuning at the start
	}{
		// 2 J=1 and 2 J=5 ℓ grids at the tuned grid's points (tl×ls
		// each), a J=1 ℓ grid at 0.02 (ql×ls), ℓ = 2 at 3 fractions (ql
		// each), the tuned grid's dense net (tl). Finals: J=1 and ℓ = 2 at
		// 3 fractions, dense; the union selects the first J=1 candidate
		// here, so its finals are the tuned grid's SE–Emp's.
		{nameQLength, variant{}, 4*tl*ls + ql*ls + 3*ql + tl, (3 + 3 + 1) * 6, 6, 1},
		{nameQLength, variant{quick: true}, 3*2*2 + 1 + 2, (1 + 1 + 1) * 2, 2, 1},
		// SE–Emp, J=5's tuning (tl×ls) and 5 dictionaries at J=5 (ql each).
		{nameQColumns, variant{}, tl*ls + 5*ql, 6 * 6, 6, 0},
		{nameQColumns, variant{quick: true}, 2*2 + 5, 6 * 2, 2, 0},
		// 2 fractions × (upsample ql + SE grid ql×ls), conv 2 × 1.
		{nameQUpsample, variant{}, 2*(ql+ql*ls) + 2, 6 * 6, 6, 0},
		{nameQUpsample, variant{quick: true}, 1*(1+2*2) + 2, 4 * 2, 2, 0},
		// 2 fractions × (2 bases × ql + SE–Emp tl×ls), random atoms of 2 bases at 0.05.
		{nameQBases, variant{}, 2*(2*ql+tl*ls) + 2*ql, 8 * 6, 6, 0},
		{nameQBases, variant{quick: true}, 4 + 4, 5 * 2, 2, 0},
		// 2 fractions × (2 alternating arms × ql × 2 E + LowRank tl + SE–Emp tl×ls).
		{nameQAlternate, variant{}, 2 * (2*ql*2 + tl + tl*ls), 8 * 6, 6, 0},
		{nameQAlternate, variant{quick: true}, 2 + 2 + 4, 4 * 2, 2, 0},
		// SE grids ql×ls at J = 1 and J = 5, RandFixU and RandCon J=5,
		// 3 dense nets at the budget, dense. Finals: 8 families (the
		// union's are SE–Emp's here).
		{nameQFashion, variant{}, 2*ql*ls + 6*ql, 8 * 6, 6, 1},
		{nameQFashion, variant{quick: true}, 2*2*2 + 6, 8 * 2, 2, 1},
		// 2 growing arms × ql × 2 ℓ, the tuned grid's SE–Emp at 2
		// fractions (tl×ls each); finals of all four.
		{nameQGrow, variant{}, 2*ql*2 + 2*tl*ls, 4 * 6, 6, 0},
		{nameQGrow, variant{quick: true}, 2 + 2*2, 3 * 2, 2, 0},
		// RICA: 3 arms, not tuned; 3 more on photographs' patches when
		// the wallpapers are here.
		{nameQRICA, variant{}, 3 * 6, 3 * 6, 6, 0},
		{nameQRICA, variant{quick: true}, 3 * 2, 3 * 2, 2, 0},
		{nameQRICA, variant{wallpapers: "w"}, 6 * 6, 6 * 6, 6, 0},
		{nameQRICA, variant{quick: true, wallpapers: "w"}, 6 * 2, 6 * 2, 2, 0},
	}
	for _, tt := range tests {
		name := tt.exp
		if tt.v.quick {
			name += "/quick"
		}
		if tt.v.wallpapers != "" {
			name += "/wallpapers"
		}
		t.Run(name, func(t *testing.T) {
			e, err := selectExperiments(tt.exp)
			if err != nil {
				t.Fatal(err)
			}
			tn := newTuner(tt.v, []string{t.TempDir()})
			runs := dedupe(e[0].runsWith(tt.v, tn))
			if len(runs) != tt.tuning || len(tn.blocked) < tt.waiting {
				t.Errorf("%d runs and %d waiting families before any result, want %d and at least %d", len(runs), len(tn.blocked), tt.tuning, tt.waiting)
			}
			for _, r := range runs {
				if r.Exp != nameTune && r.Kind == kindTrain {
					t.Errorf("%s listed before any tuning result", r.describe())
				}
			}
			root := t.TempDir()
			all := resolve(t, e[0], tt.v, root, func(*Run) float64 { return 5 }, func(*Run) float64 { return 2 })
			seeds := map[int]bool{}
			finals := 0
			for _, r := range all {
				if r.Kind == kindRICA {
					finals++
					seeds[r.Seed] = true
					if err := r.Job.(ricaJob).validate(); err != nil {
						t.Errorf("%s: %v", r.describe(), err)
					}
					continue
				}
				if err := r.Config.Validate(); err != nil {
					t.Fatalf("%s: %v", r.describe(), err)
				}
				if r.Exp == nameTune {
					continue
				}
				finals++
				seeds[r.Seed] = true
				if r.Config.Train.Validation != 0 {
					t.Errorf("%s: a final run validates", r.describe())
				}
				// Tuning stored 2 (quick) or 20 falling epochs: the last is selected.
				if want := pick(tt.v, tuneMLPEpochs, quickEpochs); r.Config.Train.Epochs != want && !strings.Contains(r.Config.Name, "conv") {
					t.Errorf("%s: %d epochs, want %d", r.describe(), r.Config.Train.Epochs, want)
				}
			}
			if finals != tt.finals || len(seeds) != tt.seeds {
				t.Errorf("%d final runs over %d seeds, want %d over %d", finals, len(seeds), tt.finals, tt.seeds)
			}
		})
	}
}

// TestQuestionHashes pins the folders of a few runs of the open
// questions, and checks that the families reused from the tuned grid
// are its runs (same folders), so that no change to the code moves
// stored results or trains a tuned-grid run twice.
func TestQuestionHashes(t *testing.T) {
	full := variant{}
	tn := newTuner(full, nil)
	first := func(f *family) string { return f.tuneRun(full, f.cands[0]).key() }
	tests := []struct {
		name, got, want string
	}{
		{"open-length J=1 at 0.02", first(seJ1(full, 0.02)), "tune/6716fb5a01842e14"},
		{"open-length J=1 at 0.05 is tuned-mlp's SE–Emp", first(seJ1(full, 0.05)), first(seFamily(full, 0.05))},
		{"open-upsample MLP at 0.0625", first(upsampleFamilies(full)[0]), "tune/e2669d57845ec382"},
		{"open-upsample conv", first(upsampleFamilies(full)[4]), "tune/d536519221aed427"},
		{"open-fashion dense", first(fashionFamilies(full)[len(fashionFamilies(full))-1]), "tune/3b81984495701419"},
		{"open-alternate SE at 0.02", first(alternateFamilies(full, tn)[0]), "tune/29d33b1de03efecf"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	// The J = 5 grid at the tuned grid's points carries its names: the
	// candidates at any ℓ of its grid are the tuned grid's SE–Emp, J=5
	// candidates at that ℓ.
	j5 := seJ5(full, 0.05)
	tuned := map[string]bool{}
	for _, l := range seLengths(full, 0.05) {
		for _, lr := range tuneLRs {
			c := mlpCand(nameTunedMLP, full, "relu", "se", "emp", 0.05, tunedColumns, lr, l)
			tuned[(&family{maxEpochs: tuneMLPEpochs}).tuneRun(full, c).key()] = true
		}
	}
	for _, c := range j5.cands {
		if !tuned[j5.tuneRun(full, c).key()] {
			t.Errorf("J=5 candidate %s is not the tuned grid's", c.label)
		}
	}
}

// TestGrowReplay checks that the final runs of a growing arm grow after
// the epochs at which its selected tuning run grew (before the selected
// epoch count), with no validation set, and that a family whose tuning
// run never grew trains at its starting size.
func TestGrowReplay(t *testing.T) {
	full := variant{}
	e, err := selectExperiments(nameQGrow)
	if err != nil {
		t.Fatal(err)
	}
	all := resolve(t, e[0], full, t.TempDir(), func(*Run) float64 { return 5 }, func(*Run) float64 { return 2 })
	n := 0
	for _, r := range all {
		if r.Exp == nameTune || (r.Arm != armQGrow && r.Arm != armQGrowLR) {
			continue
		}
		n++
		g := r.Config.Train.Grow
		if g == nil || !slices.Equal(g.At, []int{1, 3}) || g.Every != 0 || g.RestartLR != (r.Arm == armQGrowLR) || r.Config.Train.Validation != 0 {
			t.Errorf("%s: train.grow %+v, validation %d; want growth at [1 3], restart_lr %v, no validation", r.describe(), g, r.Config.Train.Validation, r.Arm == armQGrowLR)
		}
	}
	if n != 2*len(full.tunedSeeds()) {
		t.Errorf("%d final runs of the growing arms, want %d", n, 2*len(full.tunedSeeds()))
	}
	c := growCand(full, 0.002, 4, true).cfg
	replayGrowth(c, nil)
	if c.Train.Grow != nil || c.Layers[0].Predict.Grow != nil || c.Layers[1].Predict.Grow != nil {
		t.Error("without growths, the final config still grows")
	}
	c.Train.Epochs, c.Train.Seed = 3, 1
	if err := c.Validate(); err != nil {
		t.Errorf("the final config without growths: %v", err)
	}
}

// TestUnionOwners checks that open-length's "ℓ and J by validation"
// leaves its final runs to the tuned grid, whatever it selects: they are
// the final runs of the tuned grid's "SE–Emp, J by validation", and of
// its SE–Emp or SE–Emp, J=5 arm.
func TestUnionOwners(t *testing.T) {
	full := variant{}
	tests := []struct {
		name  string
		best  func(r *Run) bool // the tuning run with the lowest validation error
		owner string
	}{
		{"J=1 selected", func(r *Run) bool {
			p := r.Config.Layers[0].Predict
			return p != nil && p.Columns == 0 && r.Config.Train.Optimizer.LR == 0.002 && p.Length == seLengths(full, 0.05)[1]
		}, nameTunedMLP},
		{"J=5 at another ℓ selected", func(r *Run) bool {
			p := r.Config.Layers[0].Predict
			return p != nil && p.Columns == tunedColumns && r.Config.Train.Optimizer.LR == 0.004 && p.Length == seLengths(full, 0.05)[2]
		}, nameTunedMLP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			e, _ := selectExperiments(nameQLength)
			val := func(r *Run) float64 {
				// SE–Emp (J = 1) selects the middle ℓ: the union's J = 5
				// candidates at another ℓ are not the tuned grid's.
				if tt.best(r) {
					return 3
				}
				if r.Config.Layers[0].Predict != nil && r.Config.Layers[0].Predict.Length == seLengths(full, 0.05)[1] {
					return 4
				}
				return 5
			}
			resolve(t, e[0], full, root, val, func(*Run) float64 { return 2 })
			tn := newTuner(full, []string{root})
			u := ljUnion(full)
			sel, ok := tn.choose(u)
			if !ok {
				t.Fatal("the union is not resolved")
			}
			r := u.finalRun(sel, 1)
			if r.Exp != tt.owner {
				t.Errorf("final run owned by %s, want %s", r.Exp, tt.owner)
			}
			union := seUnion(full, 0.05)
			usel, _ := tn.choose(union)
			if want := union.finalRun(usel, 1).key(); r.key() != want {
				t.Errorf("final run %s, want the tuned grid's union's %s", r.key(), want)
			}
			arm := seFamily(full, 0.05)
			if tt.name != "J=1 selected" {
				arm = seJ5Family(full, 0.05)
			}
			asel, ok := tn.choose(arm)
			if !ok {
				t.Fatal("the selected arm is not resolved")
			}
			if want := arm.finalRun(asel, 1).key(); r.key() != want {
				t.Errorf("final run %s, want the tuned grid's %s arm's %s", r.key(), arm.arm, want)
			}
		})
	}
}

// TestLowRankFraction checks the learned count of the LowRank net at
// lowRankFraction against the models package's own count, and that it is
// within 5% of the fixed-dictionary net's.
func TestLowRankFraction(t *testing.T) {
	ds := data.Random(20, 28, 28, 1, 10, 1)
	count := func(dict string, frac float64, columns int) int {
		c := mlp("t", "mnist", "relu", []layerSpec{{mnistHidden, predict(dict, frac, columns)}, {mnistHidden, predict(dict, frac, columns)}},
			models.TrainConfig{Epochs: 1, Batch: 10, Seed: 1, Optimizer: adam()})
		run, err := models.NewRun(c, ds, ds, models.Env{Gemm: gemm.Best(1), Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		return run.Model.Accounting().TotalTrainable
	}
	tests := []struct {
		frac    float64
		columns int
	}{{0.05, 1}, {0.05, tunedColumns}, {0.2, tunedColumns}}
	for _, tt := range tests {
		f := lowRankFraction(tt.frac, tt.columns)
		want := count("randfixu", tt.frac, 1)
		got := count("lowrank", f, tt.columns)
		if math.Abs(float64(got-want)) > 0.05*float64(want) {
			t.Errorf("f=%g, J=%d: LowRank at %g learns %d, the fixed dictionary %d", tt.frac, tt.columns, f, got, want)
		}
	}
}

// byArm returns a fabricated test error per run: m's for the runs of
// its arms, def for the others.
func byArm(m map[string]float64, def float64) func(r *Run) float64 {
	return func(r *Run) float64 {
		if e, ok := m[r.Arm]; ok {
			return e
		}
		return def
	}
}

// TestQuestionVerdicts renders the open questions' sections from
// fabricated results and checks their claims' verdicts.
func TestQuestionVerdicts(t *testing.T) {
	full := variant{wallpapers: "w"}
	tests := []struct {
		name   string
		exp    string
		errPct func(r *Run) float64
		claim  string
		want   verdict.Verdict
	}{
		{"bases: SE lower", nameQBases, byArm(map[string]float64{armTSE: 1.5}, 2), "Fourier and Haar", verdict.Holds},
		{"bases: all equal", nameQBases, byArm(nil, 2), "Fourier and Haar", verdict.DoesNotHold},
		{"upsample: SE lower in the MLP", nameQUpsample, byArm(map[string]float64{armTSE: 1.5}, 2), "7×7 or 14×14", verdict.Holds},
		{"upsample: conv equal", nameQUpsample, byArm(map[string]float64{armTSE: 1.5}, 2), "in conv layers", verdict.DoesNotHold},
		{"alternate: beats LowRank", nameQAlternate, byArm(map[string]float64{armQSEAlt: 1.5, armQEmpAlt: 1.5}, 2), "beats LowRank", verdict.Holds},
		{"alternate: worse than fixed", nameQAlternate, byArm(map[string]float64{armQSEAlt: 2.5}, 2), "keeping the SE–Emp dictionary fixed", verdict.DoesNotHold},
		{"length: tuned ℓ lower", nameQLength, byArm(map[string]float64{armQPaperL: 2.5}, 2), "beats the paper's ℓ = 2", verdict.Holds},
		{"length: ℓ = 2 worse", nameQLength, byArm(map[string]float64{armQPaperL: 3}, 2), "beats the paper's ℓ = 2", verdict.Holds},
		{"columns: SE J=5 lower", nameQColumns, byArm(map[string]float64{armTSE5: 1.5}, 2), "beats RandFixU and RandCon", verdict.Holds},
		{"fashion: a point worse than dense", nameQFashion, byArm(map[string]float64{armDense: 9}, 10), "over 95%", verdict.DoesNotHold},
		{"fashion: beats the down-sized net", nameQFashion, byArm(map[string]float64{armTNarrow: 11}, 10), "down-sized dense net", verdict.Holds},
		{"grow: as good as fixed 20%", nameQGrow, byArm(nil, 2), "loses nothing", verdict.Holds},
		{"grow: a point worse than fixed 20%", nameQGrow, byArm(map[string]float64{armQGrowLR: 3}, 2), "loses nothing", verdict.DoesNotHold},
		{"grow: beats fixed 5%", nameQGrow, func(r *Run) float64 {
			if r.Arm == armTSE && r.Point == 0.05 {
				return 3
			}
			return 2
		}, "beats a fixed α at 5%", verdict.Holds},
		{"rica: twice the predicted features as good", nameQRICA, byArm(map[string]float64{armRPred2K: 20, armRLearned: 20.05}, 25), "Twice as many half-predicted RICA features match or beat the full set (Fig. 6), on Fashion", verdict.Holds},
		{"rica: twice the predicted features a point worse", nameQRICA, byArm(map[string]float64{armRPred2K: 21, armRLearned: 20}, 25), "Twice as many half-predicted RICA features match or beat the full set (Fig. 6), on Fashion", verdict.DoesNotHold},
		{"rica on photographs: twice the predicted features as good", nameQRICA, byArm(map[string]float64{armRPhotoPred2K: 20, armRPhotoLearned: 20.05, armRPred2K: 30}, 25), "Twice as many half-predicted RICA features match or beat the full set (Fig. 6), filters from photographs", verdict.Holds},
		{"rica on photographs: half predicted a point worse", nameQRICA, byArm(map[string]float64{armRPhotoPredK: 21, armRPhotoLearned: 20, armRPredK: 20}, 20), "Predicting half of each RICA filter at the same number of features costs no accuracy (Fig. 6), filters from photographs", verdict.DoesNotHold},
		{"rica on Fashion-MNIST unmoved by the photographs' arms", nameQRICA, byArm(map[string]float64{armRPhotoPredK: 21, armRPhotoLearned: 20, armRPredK: 20}, 20), "Predicting half of each RICA filter at the same number of features costs no accuracy (Fig. 6), on Fashion", verdict.Holds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			e, err := selectExperiments(tt.exp)
			if err != nil {
				t.Fatal(err)
			}
			resolve(t, e[0], full, root, func(*Run) float64 { return 5 }, tt.errPct)
			if got := claimed(t, render(t, e[0], full, root), tt.claim); got != tt.want {
				t.Errorf("%q: %q, want %q", tt.claim, got, tt.want)
			}
		})
	}
}

// TestQuestionSectionsDeterministic renders the open questions' sections
// twice from the same fabricated results: byte-identical text and
// figures, and a figure in every section that has final runs.
func TestQuestionSectionsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("draws figures")
	}
	full := variant{wallpapers: "w"} // every arm, the RICA arms on photographs too
	root := t.TempDir()
	for _, e := range questionExps() {
		resolve(t, e, full, root, func(*Run) float64 { return 5 }, func(r *Run) float64 { return 2 + float64(len(r.Arm)%5)/10 })
	}
	renderAll := func() (string, map[string][]byte) {
		rs := newResultSet([]string{root})
		tn := newTuner(full, []string{root})
		tn.clean = rs.counts
		dir := t.TempDir()
		var b bytes.Buffer
		for _, e := range questionExps() {
			s := &section{exp: e, v: full, rs: rs, t: tn, runs: e.runsWith(full, tn), figDir: dir, figRel: "figures"}
			e.report(s)
			if s.err != nil {
				t.Fatal(s.err)
			}
			if e.placeholder == "" && len(s.figures) == 0 {
				t.Errorf("%s: no figure", e.name)
			}
			b.Write(s.buf.Bytes())
		}
		figs := map[string][]byte{}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, f := range files {
			figs[filepath.Base(f)], _ = os.ReadFile(f)
		}
		return b.String(), figs
	}
	a, fa := renderAll()
	b, fb := renderAll()
	if a != b {
		t.Error("two renderings of the same results differ")
	}
	if len(fa) == 0 || len(fa) != len(fb) {
		t.Fatalf("%d and %d figures", len(fa), len(fb))
	}
	for name, x := range fa {
		if !bytes.Equal(x, fb[name]) {
			t.Errorf("figure %s differs between renderings", name)
		}
	}
	if strings.Contains(a, "not measured yet") {
		t.Errorf("a claim or figure is not measured with every run stored")
	}
}

// Per-epoch seconds of training on 60,000 images on one thread of this
// machine (2 cores shared with the running grid and other work), the
// anchors of TestQuestionsBudget's estimate:
//   - SE–Emp, J = 1 (any fixed dictionary alike): f = 0.02: 1.13 and
//     f = 0.05: 1.30 (the earlier grid's summaries in docs/results, mean
//     of 3 seeds); f = 0.2: 6.3 (the slowest of the tuned grid's first
//     tuning runs at f = 0.2, 50,000 images scaled to 60,000: Emp–Emp
//     6.29, RandFixU 6.31, SE–Emp 3.93); f = 0.5: 8.1 (the earlier
//     grid's 4.61 times 1.75, the ratio of the fresh to the earlier
//     SE–Emp time at f = 0.2); linear in f between anchors.
//   - J = 5: 3 times J = 1 (the earlier grid: 3.6 times at f = 0.05, 2.9
//     at f = 0.2).
//   - U learned (LowRank, alternating): twice J = 1, at least 2.6 (the
//     earlier grid's LowRank at f = 0.05).
//   - dense MLPs: 11.92 for 784-500-500-10 (the earlier grid), in
//     proportion to the trained weights for narrower nets, at least 0.4
//     (its narrowest budget net: 0.38).
//   - the MNIST convnet: 20 (the earlier grid's 12-epoch runs: 14–17).
var epochAnchors = []struct{ f, s float64 }{{0, 1.13}, {0.02, 1.13}, {0.05, 1.30}, {0.2, 6.3}, {0.5, 8.1}, {1, 11.92}}

// epochSeconds estimates a config's seconds per epoch of 60,000 images.
func epochSeconds(c *models.Config) float64 {
	if c.Layers[0].Type == "conv" {
		return 20
	}
	p := c.Layers[0].Predict
	if p == nil {
		in, _ := inputShape(c.Data)
		return math.Max(0.4, 11.92*float64(mlpTrainable(in.Size(), []int{c.Layers[0].Units, c.Layers[1].Units}, 10))/float64(mlpTrainable(784, []int{500, 500}, 10)))
	}
	s := epochAnchors[len(epochAnchors)-1].s
	for i := 1; i < len(epochAnchors); i++ {
		a, b := epochAnchors[i-1], epochAnchors[i]
		if p.Fraction <= b.f {
			s = a.s + (b.s-a.s)*(p.Fraction-a.f)/(b.f-a.f)
			break
		}
	}
	if p.Dict == "lowrank" || p.Alternate > 0 {
		s = math.Max(2*s, 2.6)
	}
	if p.Columns > 1 {
		s *= 3
	}
	return s
}

// TestQuestionsBudget estimates the open questions' cost in run-hours
// (one run on one core for an hour) and checks it against issue 17's
// budget: about 4 hours of wall time on 2 cores. Every tuning run trains
// its full length on 50,000 images; every final run is assumed to train
// to the tuning cap (an upper bound: selection usually stops earlier),
// with the ℓ-and-J unions selecting J = 5 (their dearer case); runs the
// tuned grid lists are its cost, not counted here; 3 s of start-up per
// run.
func TestQuestionsBudget(t *testing.T) {
	const budget = 8.0                 // run-hours: 4 hours on 2 cores
	full := variant{wallpapers: "any"} // the RICA arms on photographs count
	root := t.TempDir()
	val := func(r *Run) float64 {
		if p := r.Config.Layers[0].Predict; p != nil && p.Columns > 1 {
			return 4
		}
		return 5
	}
	tunedKeys := map[string]bool{}
	total, totalTune, totalFinal := 0.0, 0.0, 0.0
	seen := map[string]bool{}
	// The tuned grid's runs once everything is resolved.
	for _, e := range experiments() {
		if e.isTuned() && strings.HasPrefix(e.name, "tuned-") {
			for _, r := range resolve(t, e, full, root, val, func(*Run) float64 { return 2 }) {
				tunedKeys[r.key()] = true
			}
		}
	}
	for _, e := range questionExps() {
		tune, final := 0.0, 0.0
		n := 0
		for _, r := range resolve(t, e, full, root, val, func(*Run) float64 { return 2 }) {
			if tunedKeys[r.key()] || seen[r.key()] {
				continue
			}
			seen[r.key()] = true
			n++
			if r.Kind == kindRICA {
				// Measured: 42 s for the dearest arm (k = 128) in full;
				// the arms on photographs take as long (side by side).
				final += 45
				continue
			}
			images := 60000.0
			if r.Config.Train.Validation > 0 {
				images -= float64(r.Config.Train.Validation)
			}
			secs := 3 + float64(r.Config.Train.Epochs)*epochSeconds(r.Config)*images/60000
			if r.Exp == nameTune {
				tune += secs
			} else {
				final += secs
			}
		}
		t.Logf("| %s | %d | %.2f h | %.2f h | %.2f run-hours |", e.name, n, tune/3600, final/3600, (tune+final)/3600)
		totalTune, totalFinal, total = totalTune+tune, totalFinal+final, total+tune+final
	}
	t.Logf("| all | | %.2f h | %.2f h | %.2f run-hours, %.1f h of wall time on 2 jobs |", totalTune/3600, totalFinal/3600, total/3600, total/3600/2)
	if total/3600 > budget {
		t.Errorf("the open questions cost %.2f run-hours, over the budget of %g", total/3600, budget)
	}
}

// TestDataFolder checks where the runner and expand send each data set:
// Fashion-MNIST and its derived sets read their own default folder, not
// the MNIST folder given with -mnist.
func TestDataFolder(t *testing.T) {
	tests := []struct{ data, want string }{
		{"mnist", "/m"}, {"", "/m"}, {"mnist14", "/m"}, {"mnist-pca50", "/m"},
		{"fashion", ""}, {"fashion14", ""}, {"fashion-pca50", ""},
		{"fsdd", "/f"}, {"fsdd-mfcc", "/f"},
	}
	for _, tt := range tests {
		if got := dataFolder(tt.data, "/m", "/f"); got != tt.want {
			t.Errorf("dataFolder(%q) = %q, want %q", tt.data, got, tt.want)
		}
	}
	if s, n := inputShape("fashion14"); s.Size() != 196 || n != mnistTrainN {
		t.Errorf("inputShape(fashion14) = %v, %d", s, n)
	}
}
