package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/predparams/predparams/models"
)

func testConfig(seed uint64, epochs int) *models.Config {
	return mlp("t", "mnist", "relu", []layerSpec{{20, predict("se", 0.1, 1)}},
		models.TrainConfig{Epochs: epochs, Batch: 10, Seed: seed, Optimizer: adam()})
}

func TestHash(t *testing.T) {
	base := trainRun("e", "a", 0.1, 1, testConfig(1, 2))
	tests := []struct {
		name string
		run  *Run
		same bool
	}{
		{"same config", trainRun("e", "other arm", 0.5, 7, testConfig(1, 2)), true},
		{"other seed", trainRun("e", "a", 0.1, 1, testConfig(2, 2)), false},
		{"other epochs", trainRun("e", "a", 0.1, 1, testConfig(1, 3)), false},
		{"same job, other kind", &Run{Exp: "e", Kind: kindCompute, Job: testConfig(1, 2)}, false},
	}
	for _, tt := range tests {
		if got := tt.run.Hash() == base.Hash(); got != tt.same {
			t.Errorf("%s: equal hashes %v, want %v", tt.name, got, tt.same)
		}
	}
	if h := base.Hash(); len(h) != 16 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Errorf("hash %q is not 16 hex digits", h)
	}
}

// TestExperiments checks every run of every variant: training configs
// validate, jobs encode, and one config is never owned by two
// experiments (it would run twice).
func TestExperiments(t *testing.T) {
	for _, v := range []variant{{}, {quick: true}, {fsdd: "x", wallpapers: "w"}, {quick: true, fsdd: "x", wallpapers: "w"}} {
		owner := map[string]string{}
		for _, e := range experiments() {
			runs := e.runs(v)
			if len(runs) == 0 && !(e.needsFSDD && v.fsdd == "") && e.placeholder == "" {
				t.Errorf("%+v: %s has no runs", v, e.name)
			}
			for _, r := range runs {
				if r.Exp == "" || r.Arm == "" || r.Cost <= 0 {
					t.Fatalf("%s: run %+v lacks Exp, Arm or Cost", e.name, r)
				}
				if r.Kind == kindTrain {
					if err := r.Config.Validate(); err != nil {
						t.Fatalf("%s: %s: %v", e.name, r.describe(), err)
					}
				}
				h := r.Hash()
				if o, ok := owner[h]; ok && o != r.Exp {
					t.Errorf("%+v: run %s owned by both %s and %s", v, r.describe(), o, r.Exp)
				}
				owner[h] = r.Exp
			}
		}
	}
}

func TestWidthFor(t *testing.T) {
	tests := []struct{ nin, budget, want int }{
		{784, mlpTrainable(784, []int{45, 45}, 10), 45},
		{50, mlpTrainable(50, []int{166, 166}, 10), 166},
		{784, predictedTrainable(784, 500, 1), 500},
	}
	for _, tt := range tests {
		if got := widthFor(tt.nin, 10, tt.budget); got != tt.want {
			t.Errorf("widthFor(%d, %d) = %d, want %d", tt.nin, tt.budget, got, tt.want)
		}
	}
	if got, want := predictedTrainable(784, 500, 0.05), 39*500+500+25*500+500+5010; got != want {
		t.Errorf("predictedTrainable(0.05) = %d, want %d", got, want)
	}
}

// TestQuickColumnsEndToEnd is the CI smoke test: the quick columns
// experiment (four tiny MNIST runs) through the real trainer, with a
// Ctrl-C in the middle and a resume, then expand and the report, twice,
// byte for byte.
func TestQuickColumnsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four small nets (about 30 s)")
	}
	dir := t.TempDir()
	results, out := filepath.Join(dir, "results"), filepath.Join(dir, "report")
	var stderr bytes.Buffer
	interrupt := make(chan os.Signal, 1)
	e := &environment{stdout: &bytes.Buffer{}, stderr: &stderr, interrupt: interrupt, getenv: func(string) string { return "" }}
	run := func(args ...string) int {
		t.Helper()
		stderr.Reset()
		return e.main(args)
	}

	// Interrupt the first session once a trainer is running.
	go func() {
		time.Sleep(4 * time.Second)
		interrupt <- os.Interrupt
	}()
	code := run("run", "-quick", "-jobs", "2", "-results", results, "columns")
	t.Logf("first session (interrupted):\n%s", stderr.String())
	if code != exitInterrupted && code != exitOK {
		t.Fatalf("interrupted session: exit %d", code)
	}
	if code := run("run", "-quick", "-jobs", "2", "-results", results, "columns"); code != exitOK {
		t.Fatalf("resumed session: exit %d\n%s", code, stderr.String())
	}
	t.Logf("second session:\n%s", stderr.String())
	if code := run("run", "-quick", "-results", results, "columns"); code != exitOK || !strings.Contains(stderr.String(), "0 to run") {
		t.Fatalf("third session recomputed something: exit %d\n%s", code, stderr.String())
	}
	var cmds bytes.Buffer
	e.stdout = &cmds
	if code := run("expand", "-quick", "-results", results, "columns"); code != exitOK || cmds.Len() != 0 {
		t.Fatalf("expand after a complete run: exit %d, commands %q", code, cmds.String())
	}
	if code := run("expand", "-quick", "-results", filepath.Join(dir, "empty"), "columns"); code != exitOK ||
		strings.Count(cmds.String(), "go run ./native/headless -config ") != 4 {
		t.Fatalf("expand on an empty folder: exit %d, commands:\n%s", code, cmds.String())
	}

	if code := run("report", "-quick", "-results", results, "-out", out); code != exitOK {
		t.Fatalf("report: exit %d\n%s", code, stderr.String())
	}
	first := readTree(t, out)
	md := string(first["RESULTS.md"])
	for _, want := range []string{"| fraction f | J=1 | J=5 |", "columns-error.svg", "No run failed."} {
		if !strings.Contains(md, want) {
			t.Errorf("RESULTS.md lacks %q", want)
		}
	}
	if _, ok := first["figures/columns-error.png"]; !ok {
		t.Errorf("no PNG figure; files: %v", keys(first))
	}
	if code := run("report", "-quick", "-results", results, "-out", out); code != exitOK {
		t.Fatalf("second report: exit %d", code)
	}
	second := readTree(t, out)
	if len(first) != len(second) {
		t.Fatalf("the second report wrote %d files, the first %d", len(second), len(first))
	}
	for name, b := range first {
		if !bytes.Equal(b, second[name]) {
			t.Errorf("%s differs between two reports of the same results", name)
		}
	}
}

// readTree returns every file under dir by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
