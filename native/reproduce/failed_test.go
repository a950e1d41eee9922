package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/native/reproduce/runstore"
)

// script writes an executable shell script into dir and returns its path.
func script(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "trainer.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFailedRuns runs the quick columns grid with trainers that fail in
// two ways, and checks what the runner records and the report says.
func TestFailedRuns(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	tests := []struct {
		name, body string
		// inError is in every error.txt; inReport in RESULTS.md's list
		// of failed runs.
		inError, inReport string
	}{
		{"exits 2 with a message", `echo "loading the data" >&2; echo "headless: config: units 0, want ≥ 1" >&2; exit 2`,
			"exit status 2", "headless: config: units 0, want ≥ 1"},
		{"exits 0 without a summary", `exit 0`,
			"exited without writing a complete summary.json", "exited without writing a complete summary.json"},
		{"writes a truncated summary", `while [ "$1" != "-out" ]; do shift; done; printf '{"epochs": 2' > "$2/summary.json"`,
			"unexpected end of JSON input", "unexpected end of JSON input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			results, out := filepath.Join(dir, "results"), filepath.Join(dir, "report")
			trainer := script(t, dir, tt.body)
			e, _, stderr := testEnv()
			code := e.main([]string{"run", "-quick", "-jobs", "2", "-headless", trainer, "-results", results, "columns"})
			if code != exitFailure || !strings.Contains(stderr.String(), "4 runs failed") {
				t.Fatalf("run: exit %d, want %d and 4 failures:\n%s", code, exitFailure, stderr)
			}
			runs := dedupe(expColumns().runs(variant{quick: true}))
			for _, r := range runs {
				b, err := os.ReadFile(filepath.Join(r.Dir(results), runstore.ErrorFile))
				if err != nil || !strings.Contains(string(b), tt.inError) || !strings.HasPrefix(string(b), "command: "+trainer) {
					t.Errorf("%s: error.txt %q, %v; want the command and %q", r.key(), b, err, tt.inError)
				}
				if rec := runstore.ReadRecord(r.Dir(results)); rec.Sessions != 1 || rec.Threads != 1 {
					t.Errorf("%s: run.json %+v", r.key(), rec)
				}
				if ok, _ := runstore.Exists(filepath.Join(r.Dir(results), runstore.LockFile)); ok {
					t.Errorf("%s: a failed run kept its lock", r.key())
				}
			}
			sessions := runstore.ReadSessions(results)
			if len(sessions) != 1 || sessions[0].Failed != 4 || sessions[0].Finished != 0 || sessions[0].Label != "columns" {
				t.Errorf("sessions %+v", sessions)
			}
			// A run's folder exists, so report runs; the failures are
			// listed with the trainer's last line.
			store(t, results, runs[0], map[string]string{"summary.json": complete(t, runs[0])})
			os.Remove(filepath.Join(runs[0].Dir(results), runstore.ErrorFile))
			e, _, stderr = testEnv()
			if code := e.main([]string{"report", "-quick", "-results", results, "-out", out}); code != exitOK {
				t.Fatalf("report: exit %d: %s", code, stderr)
			}
			md, _ := os.ReadFile(filepath.Join(out, "RESULTS.md"))
			section := string(md[strings.Index(string(md), "## Failed and missing runs"):])
			if !strings.Contains(section, tt.inReport) {
				t.Errorf("the report's failed runs lack %q:\n%s", tt.inReport, section)
			}
			if !strings.Contains(section, "3 runs failed") && !strings.Contains(section, "3 runs could not be read") {
				t.Errorf("the report does not count 3 failed runs:\n%s", section)
			}
			if !strings.Contains(string(md), "Sessions of `run` recorded in `results/sessions.jsonl`: 1, ") {
				t.Errorf("the report does not count the session")
			}
		})
	}
}
