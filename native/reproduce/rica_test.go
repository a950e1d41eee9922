package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine/data"
)

// ricaJob writes a job file called name into the fixture's folder and
// returns its path.
func (f *fixture) ricaJob(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// smallRICA is a job that runs in a fraction of a second on 12×12
// random images.
func smallRICA(features int, frac float64) ricaJob {
	j := ricaJob{Data: "random", Patch: 4, Patches: 200, Features: features, Lambda: 0.1, Iterations: 5, Stride: 4, Epochs: 2, Seed: 3}
	if frac > 0 {
		j.Fraction, j.Length = frac, 2
	}
	return j
}

func TestRICAJobValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(j *ricaJob)
		want string // "" for valid
	}{
		{"valid", func(*ricaJob) {}, ""},
		{"valid, predicted", func(j *ricaJob) { j.Fraction, j.Length = 0.5, 2 }, ""},
		{"patch too small", func(j *ricaJob) { j.Patch = 1 }, "patch 1"},
		{"no stride", func(j *ricaJob) { j.Stride = 0 }, "stride 0"},
		{"no features", func(j *ricaJob) { j.Features = 0 }, "0 features"},
		{"λ zero", func(j *ricaJob) { j.Lambda = 0 }, "λ 0"},
		{"fraction above 1", func(j *ricaJob) { j.Fraction, j.Length = 1.5, 2 }, "fraction 1.5"},
		{"fraction without length", func(j *ricaJob) { j.Fraction = 0.5 }, "length 0"},
	}
	for _, tt := range tests {
		j := smallRICA(4, 0)
		tt.edit(&j)
		err := j.validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestRunRICA runs small RICA jobs end to end: the learned and predicted
// parameter counts, a test error in range, and the same result twice
// from the same seed.
func TestRunRICA(t *testing.T) {
	train := data.Random(60, 12, 12, 1, 3, 1)
	test := data.Random(30, 12, 12, 1, 3, 2)
	tests := []struct {
		name   string
		job    ricaJob
		params int
	}{
		{"learned", smallRICA(6, 0), 6 * 16},
		{"half predicted", smallRICA(6, 0.5), 8 * 6},
		{"twice the features, half predicted", smallRICA(12, 0.5), 8 * 12},
	}
	for _, tt := range tests {
		a, err := runRICA(tt.job, train, test)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		b, err := runRICA(tt.job, train, test)
		if err != nil {
			t.Fatal(err)
		}
		if a.Params != tt.params || a.Features != tt.job.Features || a.TestN != 30 || a.TrainN != 60 || a.TestError < 0 || a.TestError > 1 {
			t.Errorf("%s: %+v; want %d parameters, 30 test and 60 training images", tt.name, a, tt.params)
		}
		if a.TestError != b.TestError || a.Objective != b.Objective {
			t.Errorf("%s: two runs of one seed: %g, %g and %g, %g", tt.name, a.TestError, b.TestError, a.Objective, b.Objective)
		}
	}
	if _, err := runRICA(smallRICA(4, 0), data.Random(10, 3, 3, 1, 2, 1), test); err == nil {
		t.Error("3×3 images for 4×4 patches: no error")
	}
}

func TestCheckRICASummary(t *testing.T) {
	r := ricaRuns(variant{quick: true})[0]
	job := r.Job.(ricaJob)
	good, _ := json.Marshal(ricaSummary{TestError: 0.2, Params: 4096, Features: job.Features, TestN: 10000})
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"complete", string(good), true},
		{"truncated", string(good[:len(good)/2]), false},
		{"no test images", `{"test_error":0.2,"features":64,"test_n":0}`, false},
		{"other features", `{"test_error":0.2,"features":3,"test_n":10}`, false},
		{"error above 1", `{"test_error":2,"features":64,"test_n":10}`, false},
	}
	for _, tt := range tests {
		_, err := r.check([]byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// TestRICAPlan checks the RICA experiment's runs: 3 arms × 6 seeds, one
// folder each, parameters equal between k learned and 2k half predicted,
// a pinned folder, and the command that runs it.
func TestRICAPlan(t *testing.T) {
	runs := ricaRuns(variant{})
	if len(runs) != 18 || len(dedupe(runs)) != 18 {
		t.Fatalf("%d runs, %d distinct; want 18", len(runs), len(dedupe(runs)))
	}
	if got, want := runs[0].key(), "open-rica/4e36e6c08b19076a"; got != want {
		t.Errorf("first run %s, want %s", got, want)
	}
	learned, pred2 := runs[0].Job.(ricaJob), runs[12].Job.(ricaJob)
	n := ricaPatch * ricaPatch
	if learned.Features*n != nAlpha(pred2.Fraction, n)*pred2.Features {
		t.Errorf("k learned: %d parameters; 2k half predicted: %d", learned.Features*n, nAlpha(pred2.Fraction, n)*pred2.Features)
	}
	rn := &runner{root: "/r", self: "/bin/reproduce"}
	if got := strings.Join(rn.command(runs[0]), " "); !strings.HasPrefix(got, "/bin/reproduce ricabench -job /r/open-rica/") {
		t.Errorf("command %q", got)
	}
	if got := expandCommand(runs[0], "d", "", "", false); got != "go run ./native/reproduce ricabench -job d/config.json -out d" {
		t.Errorf("expand %q", got)
	}
}
