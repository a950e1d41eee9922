package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npz"
	"gonum.org/v1/gonum/mat"
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

// blobs returns n examples of d features around one of three centres, the
// class being the centre: an easy tabular problem.
func blobs(n, d int, seed uint64) (x []float64, y []int64) {
	r := rand.New(rand.NewPCG(seed, 1))
	for i := 0; i < n; i++ {
		c := r.IntN(3)
		for k := 0; k < d; k++ {
			v := r.NormFloat64() * 0.5
			if k%3 == c {
				v += 2
			}
			x = append(x, v)
		}
		y = append(y, int64(c))
	}
	return x, y
}

const tableConfig = `{
  "name": "table-emp",
  "data": "table",
  "layers": [
    {"type": "dense", "units": 16, "act": "relu", "predict": {"dict": "DICT", "n_alpha": 3, "columns": 2}},
    {"type": "dense", "units": 3}
  ],
  "train": {"epochs": 5, "batch": 20, "seed": 1, "optimizer": {"kind": "adam", "lr": 0.01}}
}`

// TestOwnData trains a predicted MLP with an Emp dictionary on tabular
// data given as an .npz archive and as CSV files: it must learn the easy
// problem; an SE dictionary, which needs an image grid, must be refused
// with a message that says so.
func TestOwnData(t *testing.T) {
	dir := t.TempDir()
	const d = 9
	xtr, ytr := blobs(300, d, 1)
	xte, yte := blobs(100, d, 2)
	npzPath := filepath.Join(dir, "blobs.npz")
	if err := npz.Write(npzPath, map[string]any{
		"x_train": mat.NewDense(300, d, xtr), "y_train": ytr,
		"x_test": mat.NewDense(100, d, xte), "y_test": yte,
	}); err != nil {
		t.Fatal(err)
	}
	csvDir := filepath.Join(dir, "csv")
	os.Mkdir(csvDir, 0o755)
	for name, xy := range map[string]struct {
		x []float64
		y []int64
	}{"train.csv": {xtr, ytr}, "test.csv": {xte, yte}} {
		var b strings.Builder
		b.WriteString("f0,f1,f2,f3,f4,f5,f6,f7,f8,label\n")
		for i, c := range xy.y {
			for k := 0; k < d; k++ {
				fmt.Fprintf(&b, "%g,", xy.x[i*d+k])
			}
			fmt.Fprintf(&b, "%d\n", c)
		}
		writeFile(t, csvDir, name, b.String())
	}
	emp := writeFile(t, dir, "emp.json", strings.Replace(tableConfig, "DICT", "emp", 1))
	for _, data := range []string{npzPath, csvDir} {
		code, stdout, stderr := runCLI(t, nil, "-config", emp, "-data", data, "-out", filepath.Join(dir, "out"), "-q")
		if code != exitOK {
			t.Fatalf("-data %s: exit %d\n%s", data, code, stderr)
		}
		m := regexp.MustCompile(`test error ([0-9.]+)%`).FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("no test error in %q", stdout)
		}
		if e, _ := strconv.ParseFloat(m[1], 64); e > 10 {
			t.Errorf("-data %s: test error %v%%, want under 10%% on separable blobs", data, e)
		}
	}
	se := writeFile(t, dir, "se.json", strings.Replace(tableConfig, "DICT", "se", 1))
	code, _, stderr := runCLI(t, nil, "-config", se, "-data", npzPath, "-q")
	if code != exitBadInput || !strings.Contains(stderr, "spatial topology") {
		t.Fatalf("se on tabular data: exit %d, %q; want exit 2 and a message about spatial topology", code, stderr)
	}
}
