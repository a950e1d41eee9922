package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/native/reproduce/verdict"
)

// fill stores a complete summary for each of runs under root, with test
// error errPct(r) percent plus 0.01 point per seed (so that seeds
// spread); runs for which errPct returns NaN are left out.
func fill(t *testing.T, root string, runs []*Run, errPct func(r *Run) float64) {
	t.Helper()
	for _, r := range dedupe(runs) {
		e := errPct(r)
		if math.IsNaN(e) {
			continue
		}
		b, err := json.Marshal(fakeSummary(r.Config, (e+0.01*float64(r.Seed))/100))
		if err != nil {
			t.Fatal(err)
		}
		store(t, root, r, map[string]string{"summary.json": string(b)})
	}
}

// render writes the section of experiment x from the results under root
// and returns its verdicts by claim.
func render(t *testing.T, x *experiment, v variant, root string) map[string]verdict.Verdict {
	t.Helper()
	rs := newResultSet([]string{root})
	tn := newTuner(v, []string{root})
	tn.clean = rs.counts
	s := &section{exp: x, v: v, rs: rs, t: tn, runs: x.runsWith(v, tn), figDir: t.TempDir(), figRel: "figures"}
	x.report(s)
	if s.err != nil {
		t.Fatal(s.err)
	}
	out := map[string]verdict.Verdict{}
	for _, row := range append(s.verdicts, s.tunedRows...) {
		out[row.claim] = row.verdict
	}
	return out
}

// claimed returns the verdict of the one claim containing part.
func claimed(t *testing.T, verdicts map[string]verdict.Verdict, part string) verdict.Verdict {
	t.Helper()
	var found []verdict.Verdict
	for c, v := range verdicts {
		if strings.Contains(c, part) {
			found = append(found, v)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d claims contain %q among %v", len(found), part, verdicts)
	}
	return found[0]
}

// TestReportVerdicts renders sections from fabricated results and checks
// the verdicts of their claims: the rules of the verdict package as the
// report applies them, from summary.json to the verdicts table.
func TestReportVerdicts(t *testing.T) {
	full := variant{}
	tests := []struct {
		name   string
		exp    *experiment
		errPct func(r *Run) float64
		claim  string
		want   verdict.Verdict
	}{
		{"columns: J=5 lower everywhere", expColumns(), func(r *Run) float64 {
			return map[string]float64{"J=1": 2, "J=5": 1.5, "J=10": 1.8}[r.Arm]
		}, "More columns", verdict.Holds},
		{"columns: J=5 lower at small fractions only", expColumns(), func(r *Run) float64 {
			if r.Arm == "J=5" && r.Point <= 0.05 {
				return 1.5
			}
			return 2
		}, "More columns", verdict.PartlyHolds},
		{"columns: equal", expColumns(), func(r *Run) float64 { return 2 }, "More columns", verdict.DoesNotHold},
		{"columns: one seed only", expColumns(), func(r *Run) float64 {
			if r.Seed > 1 {
				return math.NaN()
			}
			return map[string]float64{"J=1": 2, "J=5": 1}[r.Arm]
		}, "More columns", verdict.NotMeasured},
		{"columns: nothing stored", expColumns(), func(r *Run) float64 { return math.NaN() }, "More columns", verdict.NotMeasured},

		{"dictionaries: SE–Emp beats the controls", expDictionaries(), dictErrors(1.8, 3, 1.6), "SE–Emp and SE–Emp2 beat RandFixU", verdict.Holds},
		{"dictionaries: controls as good", expDictionaries(), dictErrors(2, 2, 1.6), "SE–Emp and SE–Emp2 beat RandFixU", verdict.DoesNotHold},
		{"dictionaries: 95% within noise of dense", expDictionaries(), dictErrors(1.6, 3, 1.6), "Over 95%", verdict.Holds},
		{"dictionaries: 95% 0.3 points worse", expDictionaries(), dictErrors(1.9, 3, 1.6), "Over 95%", verdict.PartlyHolds},
		{"dictionaries: 95% a point worse", expDictionaries(), dictErrors(2.6, 3, 1.6), "Over 95%", verdict.DoesNotHold},
		{"dictionaries: SE–rand as good as SE–Emp", expDictionaries(), dictErrors(1.8, 3, 1.6), "SE–Emp beats SE–rand", verdict.DoesNotHold},
		{"dictionaries: Emp–Emp no worse", expDictionaries(), dictErrors(1.8, 3, 1.6), "Emp alone (Emp–Emp)", verdict.Holds},

		{"convnet: 0.05 point worse", expConvnet(), convErrors(1.05, 1.0), "(Fig. 5), on MNIST", verdict.Holds},
		{"convnet: 0.2 point worse", expConvnet(), convErrors(1.2, 1.0), "(Fig. 5), on MNIST", verdict.PartlyHolds},
		{"convnet: a point worse", expConvnet(), convErrors(2, 1.0), "(Fig. 5), on MNIST", verdict.DoesNotHold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			fill(t, root, tt.exp.runs(full), tt.errPct)
			got := claimed(t, render(t, tt.exp, full, root), tt.claim)
			if got != tt.want {
				t.Errorf("%q: %q, want %q", tt.claim, got, tt.want)
			}
		})
	}
}

// dictErrors returns test errors for the dictionaries experiment: SE–Emp
// and SE–Emp2 at good, the other dictionaries at controls (SE–rand and
// Emp–Emp at good, as the rebuttal's controls), dense at dense.
func dictErrors(good, controls, dense float64) func(r *Run) float64 {
	return func(r *Run) float64 {
		switch r.Arm {
		case "SE–Emp", "SE–Emp2", "SE–rand", "Emp–Emp", "J=5", "J=10":
			return good
		case armDense:
			return dense
		}
		return controls
	}
}

// convErrors returns test errors for the convnet experiment: predicted
// arms at pred, dense ones at dense.
func convErrors(pred, dense float64) func(r *Run) float64 {
	return func(r *Run) float64 {
		if r.Arm == armDense || r.Arm == armConvDenseLong {
			return dense
		}
		return pred
	}
}

// TestReportOfNothing renders every section without results: every
// verdict is "not measured yet" or "cannot be tested here".
func TestReportOfNothing(t *testing.T) {
	root := t.TempDir()
	for _, v := range []variant{{}, {quick: true, fsdd: "any", wallpapers: "any"}} {
		for _, x := range experiments() {
			for claim, got := range render(t, x, v, root) {
				// The exchange's size is computed, not measured.
				computed := strings.HasPrefix(claim, "Predicted parameters shrink what data-parallel training must exchange")
				// A placeholder's claims are not run.
				placeholder := x.placeholder != "" && got == verdict.NotRun
				if got != verdict.NotMeasured && got != verdict.NotAvailable && !computed && !placeholder {
					t.Errorf("%s: %q: %q without results", x.name, claim, got)
				}
			}
		}
	}
}

// TestReportByteIdentical regenerates the report of the stored results
// into a temporary folder and compares it with the committed
// docs/RESULTS.md and figures.
func TestReportByteIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("draws every figure (a few seconds)")
	}
	if _, err := os.Stat(storedResults); err != nil {
		t.Skip("no stored results")
	}
	out := t.TempDir()
	abs, _ := filepath.Abs(storedResults)
	// The header names the results folder relative to RESULTS.md.
	docs := filepath.Join(out, "docs")
	if _, err := writeReport(reportOptions{v: variant{fsdd: "any", wallpapers: "any"}, results: []string{abs}, out: docs}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(docs, "RESULTS.md"))
	want, err := os.ReadFile("../../docs/RESULTS.md")
	if err != nil {
		t.Fatal(err)
	}
	gs := strings.Replace(string(got), relAll(docs, []string{abs})[0], "results", 1)
	if gs != string(want) {
		t.Errorf("RESULTS.md differs from the committed one")
	}
	// Every pair of verdictPairs finds its claims in both grids: a claim
	// renamed in one grid would drop out of "How the verdicts changed".
	_, table, _ := strings.Cut(gs, "## How the verdicts changed")
	table, _, _ = strings.Cut(table, "\n## ")
	if rows := strings.Count(table, "\n| ") - 1; rows != len(verdictPairs) {
		t.Errorf("\"How the verdicts changed\" has %d rows, want one per pair, %d", rows, len(verdictPairs))
	}
	figs, _ := filepath.Glob(filepath.Join(docs, "figures", "*"))
	for _, f := range figs {
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Join("../../docs/figures", filepath.Base(f)))
		if err != nil || string(a) != string(b) {
			t.Errorf("%s differs from the committed figure", filepath.Base(f))
		}
	}
}
