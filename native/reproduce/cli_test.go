package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testEnv() (*environment, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	return &environment{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, interrupt: make(chan os.Signal)}, &stdout, &stderr
}

func TestUsageListsEveryCommand(t *testing.T) {
	e, _, stderr := testEnv()
	if code := e.main([]string{"-h"}); code != exitOK {
		t.Fatalf("-h: exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(stderr.String(), "  "+c.name+" ") {
			t.Errorf("usage lacks %s:\n%s", c.name, stderr)
		}
		if c.alias != "" && !strings.Contains(stderr.String(), "also: "+c.alias) {
			t.Errorf("usage lacks the alias %s", c.alias)
		}
	}
	for _, name := range []string{"list", "run", "expand", "report", "computebench", "stepbench", "communicationbench",
		"distbench", "communicationworker", "distworker", "ricabench"} {
		if _, ok := lookup(name); !ok {
			t.Errorf("%s is not a command", name)
		}
	}
	if _, ok := lookup(""); ok {
		t.Errorf("the empty name is a command")
	}
}

// fixture is a results folder and a report folder for command tests.
type fixture struct {
	dir, results, empty, file, out string
}

func newFixture(t *testing.T) fixture {
	dir := t.TempDir()
	f := fixture{dir: dir, results: filepath.Join(dir, "results"), empty: filepath.Join(dir, "empty"),
		file: filepath.Join(dir, "file"), out: filepath.Join(dir, "report")}
	for _, d := range []string{f.empty, f.out} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(f.file, []byte("not a folder\n"), 0o644)
	// One complete quick run, and one whose summary is truncated.
	runs := dedupe(expColumns().runs(variant{quick: true}))
	store(t, f.results, runs[0], map[string]string{"summary.json": complete(t, runs[0])})
	store(t, f.results, runs[1], map[string]string{"summary.json": complete(t, runs[1])[:100]})
	return f
}

func TestCommandLineErrors(t *testing.T) {
	f := newFixture(t)
	fuller := filepath.Join(f.dir, "fuller")
	os.MkdirAll(fuller, 0o755)
	os.WriteFile(filepath.Join(fuller, "RESULTS.md"), []byte("# Results\n\nVariant: quick. Runs with results: 7 of 9 listed (shared runs counted once per section).\n"), 0o644)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitBadInput, "missing command"},
		{[]string{"fly"}, exitBadInput, "unknown command"},
		{[]string{"run", "nope"}, exitBadInput, "unknown experiment"},
		{[]string{"run"}, exitBadInput, "name an experiment"},
		{[]string{"run", "-jobs", "0", "columns"}, exitBadInput, "-jobs 0"},
		{[]string{"expand", "-bogus", "all"}, exitBadInput, "flag provided but not defined"},
		{[]string{"run", "columns", "extra"}, exitBadInput, "unexpected argument"},
		{[]string{"report", "-results", filepath.Join(f.dir, "typo")}, exitBadInput, "no results folder"},
		{[]string{"report", "-quick", "-results", f.empty, "-out", f.out}, exitBadInput, "holds no run's summary.json"},
		{[]string{"report", "-results", f.file}, exitBadInput, "is not a folder"},
		{[]string{"report", "-results", f.results, "-results", filepath.Join(f.dir, "typo")}, exitBadInput, "no results folder"},
		{[]string{"report", "-quick", "-results", f.results, "-out", fuller}, exitBadInput, "results of 7 runs, these folders of 3: not replaced"},
		{[]string{"list", "-results", f.file}, exitBadInput, "is not a folder"},
		{[]string{"run", "-results", f.file, "columns"}, exitBadInput, "is not a folder"},
		{[]string{"expand", "-results", f.file, "columns"}, exitBadInput, "is not a folder"},
		{[]string{"computebench"}, exitBadInput, "computebench: -job FILE and -out DIR are required"},
		{[]string{"stepbench", "-out", f.dir}, exitBadInput, "computebench: -job FILE and -out DIR are required"},
		{[]string{"computebench", "-job", f.file, "-out", f.dir}, exitBadInput, "invalid character"},
		{[]string{"communicationbench", "-job", f.file}, exitBadInput, "communicationbench: -job FILE and -out DIR are required"},
		{[]string{"distworker", "-job", filepath.Join(f.dir, "none.json")}, exitBadInput, "no such file"},
		{[]string{"ricabench", "-out", f.dir}, exitBadInput, "ricabench: -job FILE and -out DIR are required"},
		{[]string{"ricabench", "-job", f.file, "-out", f.dir}, exitBadInput, "invalid character"},
		{[]string{"ricabench", "-job", f.ricaJob(t, "no-features.json", `{"data":"fashion","patch":8,"patches":10,"features":0,"lambda":0.1,"iterations":1,"stride":4,"epochs":1,"seed":1}`), "-out", f.dir}, exitBadInput, "0 features"},
		{[]string{"ricabench", "-job", f.ricaJob(t, "extra.json", `{"data":"fashion","patch":8,"patches":10,"features":4,"lambda":0.1,"iterations":1,"stride":4,"epochs":1,"seed":1,"extra":1}`), "-out", f.dir}, exitBadInput, "unknown field"},
	}
	for _, tt := range tests {
		e, _, stderr := testEnv()
		code := e.main(tt.args)
		msg := stderr.String()
		if code != tt.code || !strings.Contains(msg, tt.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line containing %q", tt.args, code, msg, tt.code, tt.want)
		}
	}
	// The refused report left the fuller one alone; -force replaces it.
	if b, _ := os.ReadFile(filepath.Join(fuller, "RESULTS.md")); !strings.Contains(string(b), "7 of 9") {
		t.Errorf("the fuller report was replaced")
	}
	e, _, stderr := testEnv()
	if code := e.main([]string{"report", "-quick", "-force", "-results", f.results, "-out", fuller}); code != exitOK {
		t.Fatalf("report -force: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(fuller, "RESULTS.md")); !strings.Contains(string(b), "Runs with results: 3 of") {
		t.Errorf("report -force did not replace RESULTS.md")
	}
}

// TestUnreadableRuns checks that a truncated summary counts as not done
// everywhere: list, expand and report, which names it.
func TestUnreadableRuns(t *testing.T) {
	f := newFixture(t)
	runs := dedupe(expColumns().runs(variant{quick: true}))
	bad := runs[1]

	e, stdout, stderr := testEnv()
	if code := e.main([]string{"list", "-quick", "-results", f.results, "columns"}); code != exitOK {
		t.Fatalf("list: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout.String(), "  1/  4 runs done") || !strings.Contains(stdout.String(), "1 unreadable") {
		t.Errorf("list: %q, want 1/4 done and 1 unreadable", stdout)
	}

	e, stdout, stderr = testEnv()
	if code := e.main([]string{"expand", "-quick", "-results", f.results, "columns"}); code != exitOK {
		t.Fatalf("expand: exit %d: %s", code, stderr)
	}
	if n := strings.Count(stdout.String(), "\n"); n != 3 || !strings.Contains(stdout.String(), bad.Hash()) {
		t.Errorf("expand listed %d commands, want 3 including %s:\n%s", n, bad.Hash(), stdout)
	}
	if !strings.Contains(stderr.String(), bad.Hash()) {
		t.Errorf("expand does not say why %s is listed again: %s", bad.key(), stderr)
	}

	e, _, stderr = testEnv()
	if code := e.main([]string{"report", "-quick", "-results", f.results, "-out", f.out}); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "report: could not read "+bad.key()) {
		t.Errorf("report's stderr does not name %s:\n%s", bad.key(), stderr)
	}
	md, _ := os.ReadFile(filepath.Join(f.out, "RESULTS.md"))
	for _, want := range []string{"1 runs could not be read", "`" + bad.key() + "`", "unexpected end of JSON input"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("RESULTS.md lacks %q", want)
		}
	}
}

// TestRunRefusesUncommittedCode runs the full variant from a folder that
// is not a git checkout (its code state unknown): run must refuse with
// one line and exit 2, before building or running anything.
func TestRunRefusesUncommittedCode(t *testing.T) {
	e, _, stderr := testEnv()
	e.root = t.TempDir()
	code := e.main([]string{"run", "-results", filepath.Join(e.root, "results"), "columns"})
	if msg := stderr.String(); code != exitBadInput || !strings.Contains(msg, "uncommitted changes") || strings.Count(msg, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want exit 2 and one line about uncommitted changes", code, msg)
	}
	if commit, dirty := codeState(e.root); commit != "unknown" || !dirty {
		t.Errorf("codeState outside git = %q, %v", commit, dirty)
	}
}
