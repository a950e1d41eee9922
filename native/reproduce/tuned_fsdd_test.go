package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/native/reproduce/runstore"
	"github.com/predparams/predparams/native/reproduce/stats"
	"github.com/predparams/predparams/native/reproduce/verdict"
)

// withFSDD is a variant with the FSDD folder present.
func withFSDD(quick bool) variant { return variant{quick: quick, fsdd: "x"} }

// TestTunedFSDDPlans checks tuned-fsdd's run plans: the tuning runs
// listed before any result (all of them: no family waits for another),
// the final runs once every family is resolved (6 seeds in full, 2 in
// quick, for 9 and 5 families), the split (fsdd-mixed, 300 validation
// clips), the epochs, the ℓ grid and the narrower net's size; and that
// nothing is listed without the FSDD folder.
func TestTunedFSDDPlans(t *testing.T) {
	const lrs, ls = 4, 3
	tests := []struct {
		quick          bool
		tuning, finals int
		seeds, epochs  int
	}{
		// 2 fractions × (Emp–Emp, Emp2–Emp2 and the narrower net at lrs
		// rates, SE–Emp at lrs × ls), dense at lrs; 9 families.
		{false, 2*(3*lrs+lrs*ls) + lrs, 9 * 6, 6, tuneFSDDEpochs},
		// 1 fraction × (3 × 2 + 2 × 2), dense at 2; 5 families.
		{true, 1*(3*2+2*2) + 2, 5 * 2, 2, quickEpochs},
	}
	for _, tt := range tests {
		v := withFSDD(tt.quick)
		e := expTunedFSDD()
		if runs := e.runsWith(variant{quick: tt.quick}, newTuner(variant{quick: tt.quick}, nil)); len(runs) != 0 {
			t.Errorf("quick %v: %d runs without the FSDD folder", tt.quick, len(runs))
		}
		tn := newTuner(v, []string{t.TempDir()})
		runs := dedupe(e.runsWith(v, tn))
		if len(runs) != tt.tuning || len(tn.blocked) != len(fsddFamilies(v)) {
			t.Errorf("quick %v: %d runs and %d waiting families before any result, want %d and %d", tt.quick, len(runs), len(tn.blocked), tt.tuning, len(fsddFamilies(v)))
		}
		for _, r := range runs {
			c := r.Config
			if r.Exp != nameTune || c.Data != fsddMixedData || c.Train.Validation != fsddValidation || c.Train.Epochs != tt.epochs || c.Train.TrainExamples != 0 {
				t.Errorf("tuning run %s: %s, data %s, validation %d, %d epochs, %d examples", r.describe(), r.Exp, c.Data, c.Train.Validation, c.Train.Epochs, c.Train.TrainExamples)
			}
		}
		all := resolve(t, e, v, t.TempDir(), func(*Run) float64 { return 5 }, func(*Run) float64 { return 2 })
		finals, seeds := 0, map[int]bool{}
		for _, r := range all {
			if err := r.Config.Validate(); err != nil {
				t.Fatalf("%s: %v", r.describe(), err)
			}
			if r.Exp == nameTune {
				continue
			}
			finals++
			seeds[r.Seed] = true
			c := r.Config
			// Tuning stored falling validation errors: the last epoch is selected.
			if r.Exp != nameTunedFSDD || c.Data != fsddMixedData || c.Train.Validation != 0 || c.Train.Epochs != tt.epochs {
				t.Errorf("final run %s: %s, data %s, validation %d, %d epochs", r.describe(), r.Exp, c.Data, c.Train.Validation, c.Train.Epochs)
			}
		}
		if finals != tt.finals || len(seeds) != tt.seeds {
			t.Errorf("quick %v: %d final runs over %d seeds, want %d over %d", tt.quick, finals, len(seeds), tt.finals, tt.seeds)
		}
	}
	// SE's ℓ: 0.5, 1 and 2 times √(1024/n_α); the narrower net has the
	// trained parameters of the Emp–Emp net, within one unit's worth.
	for _, tt := range []struct {
		frac float64
		want []float64
	}{{0.05, []float64{2.24, 4.48, 8.96}}, {0.2, []float64{1.12, 2.23, 4.47}}} {
		got := seLengthsOn(variant{}, tt.frac, fsddInputs)
		for i := range tt.want {
			if got[i] != tt.want[i] {
				t.Errorf("f=%g: ℓ grid %v, want %v", tt.frac, got, tt.want)
				break
			}
		}
		h := fsddNarrowWidth(tt.frac)
		emp, narrow := predictedTrainable(fsddInputs, mnistHidden, tt.frac), mlpTrainable(fsddInputs, []int{h, h}, 10)
		if d := math.Abs(float64(narrow - emp)); d > float64(fsddInputs+h+1) {
			t.Errorf("f=%g: the narrower net (h = %d) trains %d parameters, Emp–Emp %d", tt.frac, h, narrow, emp)
		}
	}
}

// TestTunedFSDDHashes pins the folders of the earlier fsdd runs (stored
// results depend on them; TestStoredRuns checks all of them against
// docs/results when it is there) and of tuned-fsdd's first tuning runs,
// so that a change to the code that moves them is seen.
func TestTunedFSDDHashes(t *testing.T) {
	old := dedupe(expFSDD().runs(withFSDD(false)))
	fams := fsddFamilies(variant{})
	first := func(i int) string { return fams[i].tuneRun(variant{}, fams[i].cands[0]).key() }
	tests := []struct{ name, got, want string }{
		{"fsdd: runs", strings.Repeat("x", len(old)), strings.Repeat("x", 85)},
		{"fsdd: Emp–Emp at 0.05, seed 1", old[0].key(), "fsdd/202b0e8ffdb38093"},
		{"fsdd: dense, seed 5", old[len(old)-1].key(), "fsdd/9f4502c595bae1dd"},
		{"tuned-fsdd: Emp–Emp at 0.05", first(0), "tune/5ad3b09ae3344e75"},
		{"tuned-fsdd: SE–Emp at 0.2", first(6), "tune/87ba36cce8fbc1b1"},
		{"tuned-fsdd: dense", first(8), "tune/9b9032e1e8a1e77e"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

// TestTunedFSDDVerdicts renders tuned-fsdd's section from fabricated
// results and checks its claims' verdicts; the cases at 0.25 points pin
// the margin of one test clip (the tuned grid's 0.2 points would refute
// them).
func TestTunedFSDDVerdicts(t *testing.T) {
	v := withFSDD(false)
	tests := []struct {
		name   string
		errPct func(r *Run) float64
		claim  string
		want   verdict.Verdict
	}{
		{"no loss: as good as dense", byArm(nil, 2), "Emp–Emp) predict 95% (f = 0.05) and 80% (f = 0.2)", verdict.Holds},
		{"no loss: 0.25 points worse, inside one clip", byArm(map[string]float64{armDense: 2}, 2.25), "without loss on non-image data", verdict.Holds},
		{"no loss: a point worse", byArm(map[string]float64{armDense: 2}, 3), "without loss on non-image data", verdict.DoesNotHold},
		{"no loss: a point worse at 5% only", func(r *Run) float64 {
			if r.Arm == armTEmpEmp && r.Point == 0.05 {
				return 3
			}
			return 2
		}, "without loss on non-image data", verdict.DoesNotHold},
		{"down-sized: beaten", byArm(map[string]float64{armTNarrow: 3}, 2), "beats a down-sized dense net on FSDD", verdict.Holds},
		{"down-sized: as good", byArm(nil, 2), "beats a down-sized dense net on FSDD", verdict.DoesNotHold},
		{"down-sized: better", byArm(map[string]float64{armTNarrow: 1.5}, 2), "beats a down-sized dense net on FSDD", verdict.DoesNotHold},
		{"topology: as good as SE", byArm(nil, 2), "no topology needed", verdict.Holds},
		{"topology: 0.25 points worse than SE", byArm(map[string]float64{armTEmpEmp: 2.25}, 2), "no topology needed", verdict.Holds},
		{"topology: a point worse than SE", byArm(map[string]float64{armTEmpEmp: 3}, 2), "no topology needed", verdict.DoesNotHold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			e := expTunedFSDD()
			resolve(t, e, v, root, func(*Run) float64 { return 5 }, tt.errPct)
			if got := claimed(t, render(t, e, v, root), tt.claim); got != tt.want {
				t.Errorf("%q: %q, want %q", tt.claim, got, tt.want)
			}
		})
	}
	// Without results, or without the FSDD folder, every claim waits.
	for _, v := range []variant{withFSDD(false), {}} {
		for claim, got := range render(t, expTunedFSDD(), v, t.TempDir()) {
			if got != verdict.NotMeasured {
				t.Errorf("fsdd %q, no results: %q: %q", v.fsdd, claim, got)
			}
		}
	}
}

// TestTunedFSDDSkipped checks that list and expand skip tuned-fsdd,
// saying why, without the FSDD folder, and list it with one.
func TestTunedFSDDSkipped(t *testing.T) {
	results := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "-results", results, "tuned-fsdd"}, "0/  0 runs done"},
		{[]string{"list", "-results", results, "-fsdd", filepath.Join(results, "missing"), "tuned-fsdd"}, "skipped: no FSDD folder"},
		{[]string{"list", "-results", results, "-fsdd", results, "tuned-fsdd"}, "0/ 52 runs done"},
	} {
		e, stdout, stderr := testEnv()
		if code := e.main(tt.args); code != exitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr)
		}
		if !strings.Contains(stdout.String(), tt.want) {
			t.Errorf("%v: %q, want %q", tt.args, stdout, tt.want)
		}
	}
}

// TestFSDDMarginPower simulates the power quoted in fsddMarginNote: with
// 6 seeds a side, a spread of 0.7 points and no true difference, how
// often a point shows "no loss" at margins of 0.2 points, one clip and
// two clips.
func TestFSDDMarginPower(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	r := rand.New(rand.NewPCG(1, 2))
	const reps, sd = 10000, 0.7
	for _, tt := range []struct{ margin, want float64 }{{0.2, 0.11}, {fsddMargin, 0.18}, {2 * fsddMargin, 0.44}} {
		n := 0
		for range reps {
			var a, b stats.Sample
			for range 6 {
				a.Vals, b.Vals = append(a.Vals, sd*r.NormFloat64()), append(b.Vals, sd*r.NormFloat64())
			}
			if stats.Welch(a, b).PBelow(tt.margin) <= stats.Alpha {
				n++
			}
		}
		if got := float64(n) / reps; math.Abs(got-tt.want) > 0.02 {
			t.Errorf("margin %.3f: no loss shown %.3f of the time, the report says %.2f", tt.margin, got, tt.want)
		}
	}
}

// TestTunedFSDDCost estimates tuned-fsdd's cost in run-hours from the
// earlier fsdd runs in docs/results (README.md quotes its log): each
// run's training seconds per epoch of 2,700 clips and its start-up (wall
// time minus training time: reading the clips, the features, the
// dictionaries), per arm and fraction, mean over seeds (SE–Emp at any ℓ
// as section 5's). Tuning runs train 60 epochs of 2,400 clips; final runs
// are assumed at the cap, 60 epochs of 2,700 (an upper bound). It also
// checks the figures that justify the cap: section 5's mean test error
// in epochs 31–35 and 36–40.
func TestTunedFSDDCost(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(storedResults, nameFSDD, "*", runstore.SummaryFile))
	if len(dirs) == 0 {
		t.Skip("no stored fsdd results")
	}
	type anchor struct{ epoch, startup, n float64 }
	anchors := map[string]*anchor{}
	var late [2]float64 // epochs 31–35 and 36–40, summed over runs
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var s models.Summary
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		rec := runstore.ReadRecord(filepath.Dir(p))
		key := strings.TrimPrefix(s.Name[:strings.LastIndex(s.Name, ".s")], nameFSDD+".")
		a := anchors[key]
		if a == nil {
			a = &anchor{}
			anchors[key] = a
		}
		a.epoch += s.Seconds / float64(s.Epochs)
		a.startup += rec.WallSeconds - s.Seconds
		a.n++
		f, err := os.Open(filepath.Join(filepath.Dir(p), "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var m models.EpochMetrics
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			if m.Epoch > 30 {
				late[(m.Epoch-31)/5] += 100 * m.TestError / 5
			}
		}
		f.Close()
	}
	for i, want := range []float64{3.14, 3.01} {
		if got := late[i] / float64(len(dirs)); math.Abs(got-want) > 0.005 {
			t.Errorf("section 5's mean test error in epochs %d–%d: %.3f%%, the setup says %.2f%%", 31+5*i, 35+5*i, got, want)
		}
	}
	v := withFSDD(false)
	for _, c := range []struct {
		name string
		val  func(r *Run) float64
	}{
		{"grid only", func(*Run) float64 { return 5 }},
		// The largest rate always wins: every family extends to lrCap.
		{"every family extended to lrCap", func(r *Run) float64 { return 5 - 100*r.Config.Train.Optimizer.LR }},
	} {
		tune, final := 0.0, 0.0
		n := 0
		for _, r := range resolve(t, expTunedFSDD(), v, t.TempDir(), c.val, func(*Run) float64 { return 2 }) {
			arm, _, _ := strings.Cut(r.Arm, " [") // a tuning run's arm names its candidate
			key := fmt.Sprintf("%s.f%g", slug(arm), r.Point)
			a := anchors[key]
			if a == nil {
				t.Fatalf("%s: no earlier fsdd run %s", r.describe(), key)
			}
			clips := float64(fsddTrainClips - r.Config.Train.Validation)
			secs := a.startup/a.n + a.epoch/a.n*float64(r.Config.Train.Epochs)*clips/fsddTrainClips
			n++
			if r.Exp == nameTune {
				tune += secs
			} else {
				final += secs
			}
		}
		t.Logf("%s: %d runs, tuning %.2f h, final runs %.2f h, %.2f run-hours", c.name, n, tune/3600, final/3600, (tune+final)/3600)
	}
}

// TestTunedFSDDSection renders tuned-fsdd's section from fabricated
// results: every family selected, a figure drawn, no claim waiting, and
// the margin stated before the table.
func TestTunedFSDDSection(t *testing.T) {
	if testing.Short() {
		t.Skip("draws a figure")
	}
	v := withFSDD(false)
	root := t.TempDir()
	e := expTunedFSDD()
	resolve(t, e, v, root, func(*Run) float64 { return 5 }, func(r *Run) float64 { return 2 + float64(len(r.Arm)%5)/10 })
	rs := newResultSet([]string{root})
	tn := newTuner(v, []string{root})
	tn.clean = rs.counts
	s := &section{exp: e, v: v, rs: rs, t: tn, runs: e.runsWith(v, tn), figDir: t.TempDir(), figRel: "figures"}
	e.report(s)
	if s.err != nil {
		t.Fatal(s.err)
	}
	text := s.buf.String()
	if len(s.figures) == 0 || strings.Contains(text, "not measured yet") || strings.Contains(text, "tuning not done yet") {
		t.Errorf("%d figures; section:\n%s", len(s.figures), text)
	}
	if m, tab := strings.Index(text, "**Margin, stated before any run"), strings.Index(text, "| arm |"); m < 0 || tab < m {
		t.Errorf("the margin is not stated before the table (at %d, table at %d)", m, tab)
	}
	if len(s.tunedRows) != 3 {
		t.Errorf("%d claims, want 3", len(s.tunedRows))
	}
}
