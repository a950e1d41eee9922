package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/predparams/predparams/native/reproduce/runstore"
)

// TestExec runs expanded lines through exec: bad input is one line and
// exit 2, the command's exit status comes back, and every session is
// recorded in run.json (outside a checkout the commit is "unknown"); an
// interrupt reaches the command.
func TestExec(t *testing.T) {
	root := t.TempDir()
	run := filepath.Join(root, "results", "x", "0123456789abcdef")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, runstore.ConfigFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	interrupt := make(chan os.Signal, 1)
	var stderr bytes.Buffer
	e := &environment{stdout: &bytes.Buffer{}, stderr: &stderr, interrupt: interrupt, root: root, getenv: func(string) string { return "" }}
	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   string
		sessions int // in run.json afterwards
	}{
		{"no folder", []string{"exec", "--", "true"}, exitBadInput, "want -out RUN-DIR", 0},
		{"no command", []string{"exec", "-out", run}, exitBadInput, "want -out RUN-DIR", 0},
		{"not a run folder", []string{"exec", "-out", root, "--", "true"}, exitBadInput, "is not a run folder", 0},
		{"a failing command", []string{"exec", "-out", run, "--", "sh", "-c", "exit 3"}, 3, "", 1},
		{"a command that succeeds", []string{"exec", "-out", run, "--", "true"}, exitOK, "", 2},
		{"a missing command", []string{"exec", "-out", run, "--", "/nonexistent/x"}, exitFailure, "no such file", 2},
	}
	for _, tt := range tests {
		stderr.Reset()
		code := e.main(tt.args)
		rec := runstore.ReadRecord(run)
		if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) || rec.Sessions != tt.sessions {
			t.Errorf("%s: exit %d, stderr %q, %d sessions; want %d, %q, %d", tt.name, code, stderr.String(), rec.Sessions, tt.code, tt.stderr, tt.sessions)
		}
	}
	if rec := runstore.ReadRecord(run); rec.Commit != "unknown" || len(rec.Commits) != 1 || rec.Threads != 1 {
		t.Errorf("run.json %+v, want commit \"unknown\" once, one thread", rec)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		interrupt <- os.Interrupt
	}()
	start := time.Now()
	if code := e.main([]string{"exec", "-out", run, "--", "sleep", "20"}); code != exitInterrupted || time.Since(start) > 10*time.Second {
		t.Errorf("interrupted: exit %d after %v, want %d at once", code, time.Since(start), exitInterrupted)
	}
	if rec := runstore.ReadRecord(run); rec.Sessions != 3 {
		t.Errorf("an interrupted session is not recorded: %d sessions", rec.Sessions)
	}
}
