package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine/data/datatest"
)

const tinyConfig = `{
  "name": "tiny",
  "layers": [
    {"type": "dense", "units": 32, "act": "relu"},
    {"type": "dense", "units": 10}
  ],
  "train": {"epochs": 2, "batch": 50, "seed": 3, "train_examples": 1000,
            "optimizer": {"kind": "adam", "lr": 0.002}}
}`

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// noDisplay checks the display of an environment without DISPLAY.
func noDisplay() error { return checkDisplay(func(string) string { return "" }) }

// fakeDisplay pretends a display is there.
func fakeDisplay() error { return nil }

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", tinyConfig)
	cfg := func(name, body string) string { return writeFile(t, dir, name, body) }
	data := datatest.MNISTDir(t, nil)
	cases := []struct {
		name    string
		args    []string
		want    string // a piece of the error line
		display func() error
	}{
		{"no config", nil, "-config FILE is required", nil},
		{"missing config", []string{"-config", filepath.Join(dir, "nope.json")}, "no such file", nil},
		{"bad json", []string{"-config", cfg("b.json", `{"name": "x",`)}, "JSON", nil},
		{"unknown field", []string{"-config", cfg("u.json", strings.Replace(tinyConfig, `"name"`, `"nmae"`, 1))}, `unknown field "nmae"`, nil},
		{"zero units", []string{"-config", cfg("z.json", strings.Replace(tinyConfig, `"units": 32`, `"units": 0`, 1))}, "units 0", nil},
		{"zero threads", []string{"-config", good, "-threads", "0"}, "-threads", nil},
		{"negative frames", []string{"-config", good, "-frames", "-1"}, "-frames", nil},
		{"screenshot without frames", []string{"-config", good, "-screenshot", "x.png"}, "-screenshot", nil},
		{"unknown flag", []string{"-config", good, "-frobnicate"}, "frobnicate", nil},
		{"stray argument", []string{"-config", good, "extra"}, "unexpected argument", nil},
		{"empty data dir", []string{"-config", good, "-data", t.TempDir()}, "train-images", nil},
		{"missing data dir", []string{"-config", good, "-data", filepath.Join(dir, "nowhere")}, "nowhere", nil},
		{"wrong output width", []string{"-config", cfg("w.json", strings.Replace(tinyConfig, `"units": 10`, `"units": 7`, 1)), "-data", data}, "10 classes", nil},
		{"layer without weights", []string{"-config", good, "-data", data, "-layer", "5"}, "-layer 5", nil},
		{"no display", []string{"-config", good, "-data", data}, "no display", noDisplay},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			display := tc.display
			if display == nil {
				display = fakeDisplay
			}
			code := run(append(tc.args, "-out", t.TempDir()), &stdout, &stderr, display, nil)
			if code != exitBadInput {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitBadInput, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "desktop: ") || !strings.Contains(last, tc.want) {
				t.Fatalf("want a last line \"desktop: …%s…\", got:\n%s", tc.want, stderr.String())
			}
			for _, l := range lines[:len(lines)-1] {
				if strings.HasPrefix(l, "desktop: ") || strings.Contains(l, "panic") {
					t.Fatalf("more than one error line:\n%s", stderr.String())
				}
			}
		})
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-h"}, &stdout, &stderr, noDisplay, nil); code != exitOK {
		t.Fatalf("-h exits %d", code)
	}
	for _, f := range []string{"-config", "-data", "-out", "-threads", "-epochs", "-train-examples", "-test-examples", "-frames", "-screenshot", "-cpuprofile", "-layer"} {
		if !strings.Contains(stderr.String(), f) {
			t.Errorf("-h does not document %s", f)
		}
	}
}
