package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const tinyPredicted = `{
  "name": "tiny-predicted",
  "layers": [
    {"type": "dense", "units": 20, "act": "relu", "predict": {"dict": "se", "fraction": 0.05, "columns": 2}},
    {"type": "dense", "units": 20, "act": "relu", "predict": {"dict": "emp", "fraction": 0.2, "columns": 2}},
    {"type": "dense", "units": 10}
  ],
  "train": {"epochs": 1, "batch": 50, "seed": 3, "train_examples": 600,
            "optimizer": {"kind": "adam", "lr": 0.002}}
}`

// TestExportImport trains a predicted model with -export, evaluates the
// compact file with -import, converts it to the materialised form with
// -import -export -materialise, and evaluates that: the three test
// errors must be the same.
func TestExportImport(t *testing.T) {
	dir := t.TempDir()
	config := writeFile(t, dir, "tiny.json", tinyPredicted)
	compact, dense := filepath.Join(dir, "c.safetensors"), filepath.Join(dir, "d.safetensors")
	testErr := regexp.MustCompile(`test error ([0-9.]+)%`)
	errorOf := func(stdout string) string {
		t.Helper()
		m := testErr.FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("no test error in %q", stdout)
		}
		return m[1]
	}
	code, stdout, stderr := runCLI(t, nil, "-config", config, "-out", filepath.Join(dir, "out"), "-export", compact, "-q")
	if code != exitOK || !strings.Contains(stdout, "exported "+compact+" (predparams.compact/1") {
		t.Fatalf("training with -export: exit %d\n%s%s", code, stdout, stderr)
	}
	trained := errorOf(stdout)
	code, stdout, stderr = runCLI(t, nil, "-import", compact, "-export", dense, "-materialise", "-q")
	if code != exitOK || !strings.Contains(stdout, "(compact form)") || !strings.Contains(stdout, "predparams.dense/1") {
		t.Fatalf("-import compact: exit %d\n%s%s", code, stdout, stderr)
	}
	if got := errorOf(stdout); got != trained {
		t.Fatalf("compact import: test error %s%%, trained %s%%", got, trained)
	}
	code, stdout, stderr = runCLI(t, nil, "-import", dense, "-q")
	if code != exitOK || !strings.Contains(stdout, "(materialised form)") {
		t.Fatalf("-import materialised: exit %d\n%s%s", code, stdout, stderr)
	}
	if got := errorOf(stdout); got != trained {
		t.Fatalf("materialised import: test error %s%%, trained %s%%", got, trained)
	}
	cs, _ := os.Stat(compact)
	ds, _ := os.Stat(dense)
	if cs.Size() >= ds.Size() {
		t.Errorf("compact file %d bytes, materialised %d: want it smaller", cs.Size(), ds.Size())
	}
}

func TestInteropBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", tinyConfig)
	junk := writeFile(t, dir, "junk.safetensors", "not a safetensors file")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"materialise alone", []string{"-config", good, "-materialise"}, "-materialise needs -export"},
		{"import and epochs", []string{"-import", junk, "-epochs", "3"}, "without training"},
		{"import and resume", []string{"-import", junk, "-resume", "-out", dir}, "cannot -resume"},
		{"import missing", []string{"-import", filepath.Join(dir, "nope.safetensors")}, "no such file"},
		{"import junk", []string{"-import", junk}, "safetensors"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, nil, tc.args...)
			if code != exitBadInput || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and one line mentioning %q", code, stderr, tc.want)
			}
		})
	}
}
