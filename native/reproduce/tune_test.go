package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/native/reproduce/runstore"
)

// storeTuning stores a tuning run of f's candidate i with the given
// validation errors (percent) per epoch, under commit.
func storeTuning(t *testing.T, root string, f *family, v variant, i int, val []float64, commit string) *Run {
	t.Helper()
	r := f.tuneRun(v, f.cands[i])
	s := fakeSummary(r.Config, val[len(val)-1]/100)
	s.Epochs = len(val)
	s.History = s.History[:0]
	for e, x := range val {
		s.History = append(s.History, fakeSummary(r.Config, x/100).History[0])
		s.History[e].Epoch = e + 1
	}
	r.Config.Train.Epochs = len(val)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	store(t, root, r, map[string]string{runstore.SummaryFile: string(b)})
	if err := runstore.WriteRecord(r.Dir(root), runstore.Record{Commit: commit, Commits: []string{commit}}); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTunerSelects checks the selection of a family: the candidate and
// epoch with the lowest validation error, ties to the earlier epoch and
// candidate; no selection until every candidate is done; the final runs
// carry the selected setting and epoch count.
func TestTunerSelects(t *testing.T) {
	v := variant{quick: true}
	tests := []struct {
		name       string
		vals       [][]float64 // per candidate, per epoch; nil: not done
		cand, epoc int
		resolved   bool
	}{
		{"best at the last epoch of the second", [][]float64{{9, 8}, {7, 6}}, 1, 2, true},
		{"best at an earlier epoch", [][]float64{{9, 5}, {4, 6}}, 1, 1, true},
		{"a tie goes to the earlier epoch", [][]float64{{5, 5}, {6, 7}}, 0, 1, true},
		{"a tie goes to the earlier candidate", [][]float64{{6, 5}, {5, 6}}, 0, 2, true},
		{"a candidate not done", [][]float64{{5, 4}, nil}, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			f := lrFamily(nameTunedMLP, armTRandFixU, v, 0.05, 2, quickLRs, func(lr float64) candidate {
				return mlpCand(nameTunedMLP, v, "relu", "randfixu", "randfixu", 0.05, 1, lr, 0)
			})
			for i, val := range tt.vals {
				if val != nil {
					storeTuning(t, root, f, v, i, val, "abc")
				}
			}
			tn := newTuner(v, []string{root})
			sel, ok := tn.choose(f)
			if ok != tt.resolved {
				t.Fatalf("resolved %v, want %v", ok, tt.resolved)
			}
			runs := tn.runs(f, v.tunedSeeds())
			if !ok {
				if len(runs) != len(f.cands) || len(tn.blocked) != 1 {
					t.Errorf("unresolved: %d runs, %d blocked; want only the %d tuning runs, 1 blocked", len(runs), len(tn.blocked), len(f.cands))
				}
				return
			}
			if sel.cand != tt.cand || sel.epochs != tt.epoc {
				t.Errorf("selected candidate %d, %d epochs; want %d, %d", sel.cand, sel.epochs, tt.cand, tt.epoc)
			}
			finals := runs[len(f.cands):]
			if len(finals) != len(v.tunedSeeds()) {
				t.Fatalf("%d final runs, want %d", len(finals), len(v.tunedSeeds()))
			}
			for i, r := range finals {
				c := r.Config.Train
				if c.Validation != 0 || c.Epochs != tt.epoc || c.Optimizer.LR != quickLRs[tt.cand] || c.Seed != uint64(i+1) || r.Exp != nameTunedMLP {
					t.Errorf("final run %d: %+v in %s", i, c, r.Exp)
				}
			}
			if tr := f.tuneRun(v, f.cands[0]); tr.Config.Train.Validation != quickValidation || tr.Exp != nameTune {
				t.Errorf("tuning run: validation %d in %s", tr.Config.Train.Validation, tr.Exp)
			}
		})
	}
}

// TestLRExtension checks that a grid whose largest learning rate is
// selected grows upwards by doublings of the selected candidate, up to
// lrCap, and resolves at the best of all; that the quick variant does
// not extend; and that a diverged candidate is never selected.
func TestLRExtension(t *testing.T) {
	full := variant{}
	tests := []struct {
		name     string
		bestLR   float64 // the validation error falls towards this rate
		diverged float64 // this rate's run diverges (0: none)
		wantLRs  []float64
		wantSel  float64
	}{
		{"inside the grid", 0.002, 0, []float64{0.001, 0.002, 0.004, 0.008}, 0.002},
		{"one doubling", 0.016, 0, []float64{0.001, 0.002, 0.004, 0.008, 0.016, 0.032}, 0.016},
		{"at the cap", 1, 0, []float64{0.001, 0.002, 0.004, 0.008, 0.016, 0.032}, 0.032},
		{"the doubling diverges", 1, 0.016, []float64{0.001, 0.002, 0.004, 0.008, 0.016}, 0.008},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			build := func() *family {
				return lrFamily(nameTunedMLP, armTRandFixU, full, 0.05, 2, tuneLRs, func(lr float64) candidate {
					return mlpCand(nameTunedMLP, full, "relu", "randfixu", "randfixu", 0.05, 1, lr, 0)
				})
			}
			// Play the runner's rounds: store every listed tuning run.
			var f *family
			for round := 0; ; round++ {
				if round > 10 {
					t.Fatal("the rounds do not end")
				}
				f = build()
				tn := newTuner(full, []string{root})
				fresh := false
				for _, r := range tn.runs(f, full.tunedSeeds()) {
					if r.Exp != nameTune {
						continue
					}
					if _, err := r.find([]string{root}); err == nil {
						continue
					}
					lr := r.Config.Train.Optimizer.LR
					i := slices.IndexFunc(f.cands, func(c candidate) bool { return c.cfg.Train.Optimizer.LR == lr })
					stored := storeTuning(t, root, f, full, i, []float64{5 + math.Abs(math.Log2(lr/tt.bestLR)), 3 + math.Abs(math.Log2(lr/tt.bestLR))}, "abc")
					if lr == tt.diverged {
						s := fakeSummary(stored.Config, 0.9)
						s.History, s.Epochs, s.Diverged = nil, 0, "training diverged at step 3 (loss = NaN): lower the learning rate"
						b, _ := json.Marshal(s)
						store(t, root, stored, map[string]string{runstore.SummaryFile: string(b)})
					}
					fresh = true
				}
				if !fresh {
					break
				}
			}
			var lrs []float64
			for _, c := range f.cands {
				lrs = append(lrs, c.cfg.Train.Optimizer.LR)
			}
			sel, ok := newTuner(full, []string{root}).choose(f)
			if !ok || !slices.Equal(lrs, tt.wantLRs) || f.cands[sel.cand].cfg.Train.Optimizer.LR != tt.wantSel {
				t.Errorf("resolved %v with learning rates %v, selected %v; want %v, %v", ok, lrs, f.cands[sel.cand].cfg.Train.Optimizer.LR, tt.wantLRs, tt.wantSel)
			}
			if want := fmt.Sprintf("lr %g", tt.wantSel); !strings.HasPrefix(f.cands[sel.cand].label, want) {
				t.Errorf("label %q, want %q", f.cands[sel.cand].label, want)
			}
		})
	}
	// The quick variant keeps its grid.
	quick := variant{quick: true}
	root := t.TempDir()
	f := lrFamily(nameTunedMLP, armTRandFixU, quick, 0.05, 2, quickLRs, func(lr float64) candidate {
		return mlpCand(nameTunedMLP, quick, "relu", "randfixu", "randfixu", 0.05, 1, lr, 0)
	})
	storeTuning(t, root, f, quick, 0, []float64{9, 8}, "abc")
	storeTuning(t, root, f, quick, 1, []float64{7, 6}, "abc")
	if sel, ok := newTuner(quick, []string{root}).choose(f); !ok || sel.cand != 1 || len(f.cands) != len(quickLRs) {
		t.Errorf("quick: resolved %v at candidate %d of %d, want the top of its %d", ok, sel.cand, len(f.cands), len(quickLRs))
	}
}

// TestTunerRefusesDirtyTuning checks that the report's tuner does not
// resolve a family from tuning runs of uncommitted code, and that the
// report's count refuses them; the quick variant counts any code state.
func TestTunerRefusesDirtyTuning(t *testing.T) {
	v := variant{quick: true}
	tests := []struct {
		commit  string
		anyCode bool
		counts  bool
	}{
		{"abc", false, true},
		{"abc-dirty", false, false},
		{"unknown", false, false},
		{"", false, false},
		{"abc-dirty", true, true},
	}
	for _, tt := range tests {
		root := t.TempDir()
		f := lrFamily(nameTunedMLP, armTRandFixU, v, 0.05, 2, quickLRs, func(lr float64) candidate {
			return mlpCand(nameTunedMLP, v, "relu", "randfixu", "randfixu", 0.05, 1, lr, 0)
		})
		var first *Run
		for i := range f.cands {
			r := storeTuning(t, root, f, v, i, []float64{5, 4}, tt.commit)
			if i == 0 {
				first = r
			}
		}
		rs := newResultSet([]string{root})
		rs.anyCode = tt.anyCode
		tn := newTuner(v, []string{root})
		tn.clean = rs.counts
		if _, ok := tn.choose(f); ok != tt.counts {
			t.Errorf("commit %q, any code %v: resolved %v, want %v", tt.commit, tt.anyCode, ok, tt.counts)
		}
		if got := rs.counts(first); got != tt.counts {
			t.Errorf("commit %q: counts %v, want %v", tt.commit, got, tt.counts)
		}
	}
}

func TestCleanCommit(t *testing.T) {
	for c, want := range map[string]bool{"0123456789ab": true, "0123456789ab-dirty": false, "unknown": false, "": false} {
		if got := cleanCommit(c); got != want {
			t.Errorf("cleanCommit(%q) = %v, want %v", c, got, want)
		}
	}
}

// TestTunerReadsValidation checks that the tuner selects on the held-out
// set's errors: those of EpochMetrics.Validation where the history has
// them (train.validation evaluates it beside the test set), the test
// errors of runs made while the held-out set replaced the test set
// (commit 466dd9c) otherwise, and never the test errors of a history that
// has validation errors. finals lists nothing until the family resolves,
// then the selected setting for every seed.
func TestTunerReadsValidation(t *testing.T) {
	v := variant{quick: true}
	tests := []struct {
		name      string
		test, val [][]float64 // per candidate, per epoch; val nil: no validation metrics
		cand, ep  int
	}{
		{"validation metrics decide", [][]float64{{1, 1}, {9, 9}}, [][]float64{{8, 7}, {6, 5}}, 1, 2},
		{"validation at an earlier epoch", [][]float64{{9, 1}, {1, 9}}, [][]float64{{3, 4}, {5, 6}}, 0, 1},
		{"old runs: the test errors are the validation errors", [][]float64{{8, 7}, {6, 9}}, nil, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			f := lrFamily(nameTunedMLP, armTRandFixU, v, 0.05, 2, quickLRs, func(lr float64) candidate {
				return mlpCand(nameTunedMLP, v, "relu", "randfixu", "randfixu", 0.05, 1, lr, 0)
			})
			tn := newTuner(v, []string{root})
			if got := tn.finals(f, v.tunedSeeds()); got != nil {
				t.Fatalf("%d final runs before any tuning", len(got))
			}
			for i, test := range tt.test {
				r := storeTuning(t, root, f, v, i, test, "abc")
				if tt.val == nil {
					continue
				}
				raw, err := os.ReadFile(filepath.Join(r.Dir(root), runstore.SummaryFile))
				if err != nil {
					t.Fatal(err)
				}
				var ms models.Summary
				if err := json.Unmarshal(raw, &ms); err != nil {
					t.Fatal(err)
				}
				for e := range ms.History {
					ms.History[e].Validation = &models.Evaluation{Error: tt.val[i][e] / 100}
				}
				b, err := json.Marshal(ms)
				if err != nil {
					t.Fatal(err)
				}
				store(t, root, r, map[string]string{runstore.SummaryFile: string(b)})
			}
			sel, ok := tn.choose(f)
			if !ok || sel.cand != tt.cand || sel.epochs != tt.ep {
				t.Fatalf("selected candidate %d, %d epochs (resolved %v); want %d, %d", sel.cand, sel.epochs, ok, tt.cand, tt.ep)
			}
			finals := tn.finals(f, v.tunedSeeds())
			if len(finals) != len(v.tunedSeeds()) {
				t.Fatalf("%d final runs, want %d", len(finals), len(v.tunedSeeds()))
			}
			for i, r := range finals {
				if c := r.Config.Train; c.Epochs != tt.ep || c.Optimizer.LR != quickLRs[tt.cand] || c.Seed != uint64(i+1) {
					t.Errorf("final run %d: %+v", i, c)
				}
			}
		})
	}
}

// TestOutcome checks the progress line's account of a finished run: its
// test error and fraction learned, or that it has no summary.
func TestOutcome(t *testing.T) {
	v := variant{quick: true}
	f := lrFamily(nameTunedMLP, armTRandFixU, v, 0.05, 2, quickLRs, func(lr float64) candidate {
		return mlpCand(nameTunedMLP, v, "relu", "randfixu", "randfixu", 0.05, 1, lr, 0)
	})
	root := t.TempDir()
	r := f.tuneRun(v, f.cands[0])
	if got := outcome(r, root); got != "no summary" {
		t.Errorf("before its summary: %q", got)
	}
	s := fakeSummary(r.Config, 0.0123)
	s.FractionLearned = 0.05
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	store(t, root, r, map[string]string{runstore.SummaryFile: string(b)})
	if got, want := outcome(r, root), "test error 1.23%, fraction learned 0.0500"; got != want {
		t.Errorf("outcome %q, want %q", got, want)
	}
}
