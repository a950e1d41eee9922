package runstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// summary is the test's kind of results: complete when Epochs is 3.
type summary struct {
	Epochs int `json:"epochs"`
}

func check(b []byte) (any, error) {
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	if s.Epochs != 3 {
		return nil, fmt.Errorf("%d epochs, want 3", s.Epochs)
	}
	return &s, nil
}

// write creates the files of a run folder under dir: name → content.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestExists(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"file": "x"})
	tests := []struct {
		path    string
		want    bool
		wantErr bool
	}{
		{filepath.Join(dir, "file"), true, false},
		{dir, true, false},
		{filepath.Join(dir, "missing"), false, false},
		{filepath.Join(dir, "missing", "below"), false, false},
		// A file where a folder is expected is not "does not exist".
		{filepath.Join(dir, "file", "below"), false, true},
	}
	for _, tt := range tests {
		got, err := Exists(tt.path)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("Exists(%s) = %v, %v; want %v, error %v", tt.path, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestReadAndState(t *testing.T) {
	complete := `{"epochs": 3}`
	tests := []struct {
		name  string
		files map[string]string
		// dir, if set, replaces the run folder (relative to the
		// temporary root).
		dir        string
		state      State
		readErr    string // "" (done), "not done", "unreadable" or "other"
		stateIsErr bool
	}{
		{"no folder", nil, "", Pending, "not done", false},
		{"empty folder", map[string]string{"config.json": "{}"}, "", Pending, "not done", false},
		{"done", map[string]string{"summary.json": complete}, "", Done, "", false},
		{"done, checkpoint left behind", map[string]string{"summary.json": complete, "checkpoint.ckpt": "x"}, "", Done, "", false},
		{"interrupted", map[string]string{"checkpoint.ckpt": "x", "metrics.jsonl": "{}\n"}, "", Interrupted, "not done", false},
		{"truncated summary", map[string]string{"summary.json": `{"epochs": 3`}, "", Pending, "unreadable", true},
		{"truncated summary and a checkpoint", map[string]string{"summary.json": `{"epo`, "checkpoint.ckpt": "x"}, "", Interrupted, "unreadable", true},
		{"empty summary", map[string]string{"summary.json": ``}, "", Pending, "unreadable", true},
		{"wrongly typed summary", map[string]string{"summary.json": `{"epochs": "3"}`}, "", Pending, "unreadable", true},
		{"incomplete summary", map[string]string{"summary.json": `{"epochs": 2}`}, "", Pending, "unreadable", true},
		{"summary is a folder", map[string]string{"summary.json/x": ``}, "", Pending, "unreadable", true},
		{"a file in the way of the folder", map[string]string{"run": "x"}, "run/run/sub", Pending, "other", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "run")
			write(t, dir, tt.files)
			if tt.dir != "" {
				dir = filepath.Join(root, tt.dir)
			}
			res, err := Read(dir, check)
			var unreadable *UnreadableError
			switch tt.readErr {
			case "":
				if err != nil || res.Dir != dir || res.Summary.(*summary).Epochs != 3 || string(res.Raw) != complete {
					t.Errorf("Read = %+v, %v; want the summary", res, err)
				}
			case "not done":
				if !errors.Is(err, ErrNotDone) {
					t.Errorf("Read error %v, want ErrNotDone", err)
				}
			case "unreadable":
				if !errors.As(err, &unreadable) || !strings.Contains(err.Error(), SummaryFile) {
					t.Errorf("Read error %v, want an UnreadableError naming %s", err, SummaryFile)
				}
			case "other":
				if err == nil || errors.Is(err, ErrNotDone) || errors.As(err, &unreadable) {
					t.Errorf("Read error %v, want the stat error", err)
				}
			}
			st, err := StateOf(dir, check)
			if st != tt.state || (err != nil) != tt.stateIsErr {
				t.Errorf("StateOf = %v, %v; want %v, error %v", st, err, tt.state, tt.stateIsErr)
			}
		})
	}
}

func TestFind(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	write(t, a, map[string]string{"e/1/summary.json": `{"epochs": 1}`, "e/3/checkpoint.ckpt": "x"})
	write(t, b, map[string]string{"e/1/summary.json": `{"epochs": 3}`, "e/2/summary.json": `{"epochs": 3}`})
	write(t, c, map[string]string{"e/2/summary.json": `{"epochs": 3}`})
	tests := []struct {
		roots   []string
		sub     string
		wantDir string
		wantErr string
	}{
		{[]string{a, b}, "e/1", filepath.Join(b, "e/1"), ""},        // a's is incomplete: b's counts
		{[]string{b, a}, "e/1", filepath.Join(b, "e/1"), ""},        // order does not matter then
		{[]string{c, b}, "e/2", filepath.Join(c, "e/2"), ""},        // the first root that has it
		{[]string{b, c}, "e/2", filepath.Join(b, "e/2"), ""},        //
		{[]string{a}, "e/1", "", "unreadable"},                      // only an incomplete one
		{[]string{a, b, c}, "e/3", "", "not done"},                  // interrupted is not done
		{[]string{}, "e/1", "", "not done"},                         // no roots
		{[]string{filepath.Join(a, "nope")}, "e/1", "", "not done"}, // a missing root
	}
	for _, tt := range tests {
		res, err := Find(tt.roots, tt.sub, check)
		switch tt.wantErr {
		case "":
			if err != nil || res.Dir != tt.wantDir {
				t.Errorf("Find(%v, %s) = %+v, %v; want %s", tt.roots, tt.sub, res, err, tt.wantDir)
			}
		case "unreadable":
			var u *UnreadableError
			if !errors.As(err, &u) {
				t.Errorf("Find(%v, %s) error %v, want UnreadableError", tt.roots, tt.sub, err)
			}
		case "not done":
			if !errors.Is(err, ErrNotDone) {
				t.Errorf("Find(%v, %s) error %v, want ErrNotDone", tt.roots, tt.sub, err)
			}
		}
	}
}

func TestRecord(t *testing.T) {
	dir := t.TempDir()
	if got := ReadRecord(dir); !reflect.DeepEqual(got, Record{}) {
		t.Errorf("missing run.json: %+v", got)
	}
	rec := Record{Commit: "abc", Commits: []string{"abc0-dirty", "abc"}, Source: "0123", WallSeconds: 12.5, Sessions: 2, Threads: 1}
	if err := WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	if got := ReadRecord(dir); !reflect.DeepEqual(got, rec) {
		t.Errorf("ReadRecord = %+v, want %+v", got, rec)
	}
	write(t, dir, map[string]string{RecordFile: `{"commit": "x", "wall_seconds": "many"}`})
	if got := ReadRecord(dir); !reflect.DeepEqual(got, Record{}) {
		t.Errorf("unreadable run.json: %+v, want the zero record", got)
	}
}

func TestSessions(t *testing.T) {
	root := filepath.Join(t.TempDir(), "results")
	if got := ReadSessions(root); got != nil {
		t.Errorf("no file: %v", got)
	}
	s1 := Session{Label: "all", Commit: "c1", Jobs: 2, Finished: 15, WallSeconds: 60}
	s2 := Session{Label: "columns", Commit: "c2", Jobs: 1, Failed: 1, Interrupted: true}
	for _, s := range []Session{s1, s2} {
		if err := AppendSession(root, s); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(filepath.Join(root, SessionsFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n{not json}\n{\"label\": 3}\n")
	f.Close()
	if err := AppendSession(root, s1); err != nil {
		t.Fatal(err)
	}
	got := ReadSessions(root)
	if len(got) != 3 || got[0] != s1 || got[1] != s2 || got[2] != s1 {
		t.Errorf("ReadSessions = %+v, want s1, s2, s1", got)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f.json")
	for _, content := range []string{"first", "second, longer", ""} {
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != content {
			t.Errorf("read back %q, %v; want %q", b, err, content)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode())
	}
	// A folder in the way: an error, and nothing left behind.
	if err := os.MkdirAll(filepath.Join(dir, "busy", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "busy"), []byte("x")); err == nil {
		t.Errorf("no error writing over a folder")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("after a failed write the folder holds %d entries, want 2", len(entries))
	}
}

func TestWriteIfChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := WriteIfChanged(path, []byte("a")); err != nil {
		t.Fatal(err)
	}
	st1, _ := os.Stat(path)
	if err := WriteIfChanged(path, []byte("a")); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(path)
	if !os.SameFile(st1, st2) {
		t.Errorf("an unchanged file was replaced")
	}
	if err := WriteIfChanged(path, []byte("b")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "b" {
		t.Errorf("changed file holds %q", b)
	}
}
