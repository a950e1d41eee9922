package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/models/datasets"
	"github.com/predparams/predparams/native/reproduce/runstore"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		secs float64
		want string
	}{
		{0, "0 s"}, {45.4, "45 s"}, {119, "119 s"}, {120, "2 min"}, {3599, "60 min"}, {7199, "120 min"},
		{7200, "2 h 00 min"}, {7260, "2 h 01 min"}, {36000 + 59*60, "10 h 59 min"},
	}
	for _, tt := range tests {
		if got := duration(tt.secs); got != tt.want {
			t.Errorf("duration(%g) = %q, want %q", tt.secs, got, tt.want)
		}
	}
}

func TestKB(t *testing.T) {
	tests := []struct {
		b    int
		want string
	}{
		{0, "0.0 kB"}, {999, "1.0 kB"}, {12345, "12.3 kB"}, {999999, "1000.0 kB"}, {1000000, "1.00 MB"}, {5326400, "5.33 MB"},
	}
	for _, tt := range tests {
		if got := kb(tt.b); got != tt.want {
			t.Errorf("kb(%d) = %q, want %q", tt.b, got, tt.want)
		}
	}
}

func TestAnchor(t *testing.T) {
	tests := []struct {
		i     int
		title string
		want  string
	}{
		{1, "Dictionaries (the paper's Fig. 4, left) with the reviewers' SE–rand and Emp–Emp", "1-dictionaries-the-papers-fig-4-left-with-the-reviewers-serand-and-empemp"},
		{3, "Equal learned weights: predicting against shrinking, PCA, downsampling and DCT", "3-equal-learned-weights-predicting-against-shrinking-pca-downsampling-and-dct"},
		{2, "Columns: J ∈ {1, 5, 10} for SE–Emp", "2-columns-j--1-5-10-for-seemp"},
		{7, "snake_case-and-dashes", "7-snake_case-and-dashes"},
	}
	for _, tt := range tests {
		if got := anchor(tt.i, tt.title); got != tt.want {
			t.Errorf("anchor(%d, %q) = %q, want %q", tt.i, tt.title, got, tt.want)
		}
	}
	// Every section's anchor is present in the committed report.
	md, err := os.ReadFile("../../docs/RESULTS.md")
	if err != nil {
		t.Skip("no committed report")
	}
	for i, x := range experiments() {
		if a := anchor(i+1, x.title); !strings.Contains(string(md), "(#"+a+")") {
			t.Errorf("RESULTS.md has no link to #%s", a)
		}
	}
}

func TestSlugAndRunName(t *testing.T) {
	tests := []struct {
		exp, arm string
		point    float64
		seed     int
		want     string
	}{
		{"dictionaries", "SE–Emp", 0.05, 1, "dictionaries.se-emp.f0.05.s1"},
		{"dictionaries", "dense", 1, 3, "dictionaries.dense.f1.s3"},
		{"budgets", "14×14 input, dense", 0.1, 2, "budgets.14-14-input-dense.f0.1.s2"},
		{"recipe", "paper: sigmoid, AE pretraining, SGD", 0.2, 1, "recipe.paper-sigmoid-ae-pretraining-sgd.f0.2.s1"},
		{"e", "--A--", 0, 1, "e.a.s1"},
	}
	for _, tt := range tests {
		if got := runName(tt.exp, tt.arm, tt.point, tt.seed); got != tt.want {
			t.Errorf("runName(%q, %q, %g, %d) = %q, want %q", tt.exp, tt.arm, tt.point, tt.seed, got, tt.want)
		}
	}
}

func TestInputShapeAndCost(t *testing.T) {
	tests := []struct {
		data string
		size int
		n    int
	}{
		{"mnist", 784, 60000}, {"", 784, 60000}, {"mnist14", 196, 60000}, {"mnist7", 49, 60000},
		{"mnist-pca50", 50, 60000}, {"fsdd", datasets.FSDDFrames * 32, 2700}, {"fsdd-mfcc", datasets.FSDDFrames * datasets.FSDDMFCCs, 2700},
		{"fsdd-mixed", datasets.FSDDFrames * 32, 2700},
	}
	for _, tt := range tests {
		s, n := inputShape(tt.data)
		if s.Size() != tt.size || n != tt.n {
			t.Errorf("inputShape(%q) = %v (%d), %d; want %d, %d", tt.data, s, s.Size(), n, tt.size, tt.n)
		}
	}
	// The dense 784-500-500-10 MLP, 10 epochs of 60,000: three times
	// the forward multiply-adds, plus the start-up.
	dense := denseMLP(variant{}, 1)
	macs := float64(784*500 + 500*500 + 500*10)
	if got, want := dense.Cost, 3*macs*60000*10+2e9; math.Abs(got-want) > 1 {
		t.Errorf("dense cost %g, want %g", got, want)
	}
	quick := denseMLP(variant{quick: true}, 1)
	if got, want := quick.Cost, 3*macs*3000*2+2e9; math.Abs(got-want) > 1 {
		t.Errorf("quick dense cost %g, want %g", got, want)
	}
	// Pretraining adds its epochs per hidden layer; a convnet costs more
	// than its dense softmax.
	if f := faithfulRun(variant{}, 0, 1); f.Cost <= dense.Cost {
		t.Errorf("the pretrained net costs %g, not more than %g", f.Cost, dense.Cost)
	}
	if c := convRun(variant{}, 0, 1, false); c.Cost <= 2e9 {
		t.Errorf("convnet cost %g", c.Cost)
	}
}

func TestShape(t *testing.T) {
	tests := []struct {
		run  *Run
		want string
	}{
		{denseMLP(variant{}, 1), "784-500-500-10"},
		{predictedMLP(nameDictionaries, "SE–Emp", variant{}, "se", "emp", 0.1, 1, 1), "784-500 se-500 emp-10"},
		{predictedMLP(nameColumns, "J=5", variant{}, "se", "emp", 0.1, 5, 1), "784-500 se×J5-500 emp×J5-10"},
	}
	for _, tt := range tests {
		if got := shape(tt.run.Config); got != tt.want {
			t.Errorf("shape = %q, want %q", got, tt.want)
		}
	}
}

func TestVariant(t *testing.T) {
	full, quick := variant{}, variant{quick: true}
	if got := full.seeds(3); len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Errorf("full seeds %v", got)
	}
	if got := full.seeds(5); len(got) != 5 {
		t.Errorf("full seeds(5) %v", got)
	}
	if got := quick.seeds(5); len(got) != 1 || got[0] != 1 {
		t.Errorf("quick seeds %v", got)
	}
	if pick(full, "a", "b") != "a" || pick(quick, "a", "b") != "b" {
		t.Errorf("pick")
	}
	if len(full.fractions()) != len(fullFractions) || len(quick.fractions()) != len(quickFractions) {
		t.Errorf("fractions")
	}
	if got := nAlpha(0.05, 784); got != 39 {
		t.Errorf("nAlpha(0.05, 784) = %d", got)
	}
	if got := nAlpha(0.0001, 784); got != 1 {
		t.Errorf("nAlpha of a tiny fraction = %d, want 1", got)
	}
}

func TestSelectExperiments(t *testing.T) {
	all, err := selectExperiments("all")
	if err != nil || len(all) != len(experiments()) {
		t.Fatalf("all: %d, %v", len(all), err)
	}
	for _, x := range all {
		one, err := selectExperiments(x.name)
		if err != nil || len(one) != 1 || one[0].name != x.name {
			t.Errorf("%s: %v, %v", x.name, one, err)
		}
	}
	if _, err := selectExperiments("stepbench"); err == nil || !strings.Contains(err.Error(), "compute") {
		t.Errorf("an unknown name: %v", err)
	}
	if got := experimentNames(); got != "dictionaries, columns, budgets, convnet, fsdd, recipe, compute, communication, tuned-mlp, tuned-budgets, tuned-convnet, tuned-empsource, open-length, open-columns, open-upsample, open-bases, open-grow, open-alternate, open-rica, open-fashion, tuned-fsdd" {
		t.Errorf("experimentNames() = %q", got)
	}
}

func TestDedupeAndDescribe(t *testing.T) {
	a := predictedMLP(nameDictionaries, "SE–Emp", variant{quick: true}, "se", "emp", 0.05, 1, 1)
	b := columnsRun(variant{quick: true}, 1, 0.05, 1) // the same run under the arm J=1
	c := columnsRun(variant{quick: true}, 5, 0.05, 1)
	got := dedupe([]*Run{a, b, c, a})
	if len(got) != 2 || got[0] != a || got[1] != c {
		t.Errorf("dedupe kept %d runs", len(got))
	}
	if d := a.describe(); d != "dictionaries/SE–Emp @0.05 seed 1" {
		t.Errorf("describe = %q", d)
	}
	if d := denseMLP(variant{}, 2).describe(); d != "dictionaries/dense @1 seed 2" {
		t.Errorf("describe = %q", d)
	}
	if d := (&Run{Exp: "compute", Arm: "wasm", Seed: 3}).describe(); d != "compute/wasm seed 3" {
		t.Errorf("describe = %q", d)
	}
}

func TestTuningWallSeconds(t *testing.T) {
	own := predictedMLP(nameDictionaries, "SE–Emp", variant{quick: true}, "se", "emp", 0.05, 1, 1)
	tune1 := *own
	tune2 := *predictedMLP(nameDictionaries, "SE–Emp", variant{quick: true}, "se", "emp", 0.05, 1, 2)
	tune1.Exp, tune2.Exp = nameTune, nameTune
	rs := newResultSet(nil)
	rs.cache[own.key()] = &loaded{rec: runstore.Record{WallSeconds: 100}}
	rs.cache[tune1.key()] = &loaded{rec: runstore.Record{WallSeconds: 7}}
	rs.cache[tune2.key()] = nil // not done
	// tune1 is listed by both sections and counted once; own belongs
	// to its section's row, not to the tuning row.
	sections := []*section{
		{rs: rs, runs: []*Run{own, &tune1, &tune2}},
		{rs: rs, runs: []*Run{&tune1}},
	}
	if secs, n := tuningWallSeconds(sections); secs != 7 || n != 1 {
		t.Errorf("tuningWallSeconds = %g s over %d runs, want 7 s over 1", secs, n)
	}
}

func TestReportedFound(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		content string
		n       int
		ok      bool
	}{
		{"Variant: full. Runs with results: 512 of 520 listed (shared runs…)", 512, true},
		{"Runs with results: 0 of 9 listed", 0, true},
		{"# Results\nnothing here\n", 0, false},
		{"", 0, false},
	}
	for i, tt := range tests {
		p := filepath.Join(dir, "R"+string(rune('a'+i)))
		os.WriteFile(p, []byte(tt.content), 0o644)
		if n, ok := reportedFound(p); n != tt.n || ok != tt.ok {
			t.Errorf("%q: %d, %v; want %d, %v", tt.content, n, ok, tt.n, tt.ok)
		}
	}
	if _, ok := reportedFound(filepath.Join(dir, "missing")); ok {
		t.Errorf("a missing report has a count")
	}
}

func TestCheckFolders(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	tests := []struct {
		paths     []string
		mustExist bool
		want      string
	}{
		{[]string{dir}, true, ""},
		{[]string{filepath.Join(dir, "new")}, false, ""},
		{[]string{filepath.Join(dir, "new")}, true, "no results folder"},
		{[]string{dir, file}, false, "is not a folder"},
		{[]string{filepath.Join(file, "below")}, false, "not a directory"},
	}
	for _, tt := range tests {
		err := checkFolders(tt.paths, tt.mustExist)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("checkFolders(%v, %v) = %v, want %q", tt.paths, tt.mustExist, err, tt.want)
		}
	}
}

func TestSeriesAndTicks(t *testing.T) {
	var s series
	s.add(1, 2, 0.1)
	s.add(math.NaN(), 2, 0)
	s.add(2, math.NaN(), 0)
	s.add(3, 4, 0.2)
	if len(s.xs) != 2 || s.xs[1] != 3 || s.ys[1] != 4 || s.errs[1] != 0.2 {
		t.Errorf("series %+v, want the two points without NaN", s)
	}
	for _, tt := range []struct {
		v    float64
		log  bool
		want bool
	}{{1, false, false}, {0, false, false}, {0, true, true}, {-1, true, true}, {math.NaN(), false, true}, {math.Inf(1), false, true}} {
		if got := bad(tt.v, tt.log); got != tt.want {
			t.Errorf("bad(%g, %v) = %v", tt.v, tt.log, got)
		}
	}
	tests := []struct {
		lo, hi float64
		want   string
	}{
		{0.02, 1, "0.02 0.05 0.1 0.2 0.5 1"},
		{1.2, 3.5, "2 3"}, // 1-2-5 gives one tick, every mantissa two
		{100, 5000, "100 200 500 1000 2000 5000"},
	}
	for _, tt := range tests {
		var labels []string
		for _, tk := range niceTicks(tt.lo, tt.hi) {
			labels = append(labels, tk.Label)
		}
		if got := strings.Join(labels, " "); got != tt.want {
			t.Errorf("niceTicks(%g, %g) = %s, want %s", tt.lo, tt.hi, got, tt.want)
		}
	}
}
