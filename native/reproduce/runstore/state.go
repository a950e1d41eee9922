package runstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// A Check decodes a run's summary.json and returns it, or an error when
// the bytes do not parse or the results are not complete. It must not
// panic, whatever the bytes.
type Check func(summary []byte) (any, error)

// A Result is a done run's stored results.
type Result struct {
	Dir string
	// Raw is summary.json as stored; Summary is what Check made of it.
	Raw     []byte
	Summary any
	Record  Record
}

// ErrNotDone is Read's error for a folder without summary.json.
var ErrNotDone = errors.New("no " + SummaryFile)

// An UnreadableError says why a summary.json that exists is not a run's
// results: it could not be read, does not parse, or is not complete.
type UnreadableError struct {
	Path string
	Err  error
}

func (e *UnreadableError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *UnreadableError) Unwrap() error { return e.Err }

// Read returns the results of the run in dir. Its error is ErrNotDone
// when the folder has no summary.json (or there is no such folder), an
// *UnreadableError when summary.json is there but check rejects it or it
// cannot be read, and the stat error when the folder cannot be examined
// (a file in the way, no permission).
func Read(dir string, check Check) (*Result, error) {
	path := filepath.Join(dir, SummaryFile)
	ok, err := Exists(path)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotDone
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &UnreadableError{Path: path, Err: err}
	}
	sum, err := check(b)
	if err != nil {
		return nil, &UnreadableError{Path: path, Err: err}
	}
	return &Result{Dir: dir, Raw: b, Summary: sum, Record: ReadRecord(dir)}, nil
}

// State is where a run stands on disk.
type State int

const (
	Pending     State = iota // nothing usable yet
	Interrupted              // not done, and a checkpoint to resume from
	Done                     // summary.json there, parsed and complete
)

func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Interrupted:
		return "interrupted"
	case Done:
		return "done"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// StateOf returns the state of the run in dir. A summary.json that check
// rejects does not make the run done: the state is Interrupted or
// Pending, and the error (an *UnreadableError) says why, so that the
// caller can tell the user the run will be redone. Any other error means
// the folder cannot be examined; the state is then Pending.
func StateOf(dir string, check Check) (State, error) {
	_, err := Read(dir, check)
	if err == nil {
		return Done, nil
	}
	var unreadable *UnreadableError
	if !errors.Is(err, ErrNotDone) && !errors.As(err, &unreadable) {
		return Pending, err
	}
	ckpt, cerr := Exists(filepath.Join(dir, CheckpointFile))
	if cerr != nil {
		return Pending, cerr
	}
	if errors.Is(err, ErrNotDone) {
		err = nil
	}
	if ckpt {
		return Interrupted, err
	}
	return Pending, err
}

// Find returns the results of the run whose folder is sub (experiment and
// hash) under the first of roots that has it done. The error is
// ErrNotDone when no root has a summary.json for it; otherwise, when none
// is done, it is the first other error met (an *UnreadableError, or a
// folder that cannot be examined).
func Find(roots []string, sub string, check Check) (*Result, error) {
	var first error
	for _, root := range roots {
		r, err := Read(filepath.Join(root, sub), check)
		if err == nil {
			return r, nil
		}
		if first == nil && !errors.Is(err, ErrNotDone) {
			first = err
		}
	}
	if first == nil {
		first = ErrNotDone
	}
	return nil, first
}

// Record is run.json: where and how long a run ran, accumulated over the
// sessions that worked on it.
type Record struct {
	// Commit is the code state of the last session that worked on the
	// run, Commits every distinct one in order (a run resumed under
	// another commit has two).
	Commit  string   `json:"commit"`
	Commits []string `json:"commits,omitempty"`
	// Source is a digest of the Go sources the trainer is built from,
	// which tells apart uncommitted states of the code.
	Source      string  `json:"source,omitempty"`
	WallSeconds float64 `json:"wall_seconds"`
	Sessions    int     `json:"sessions"`
	Threads     int     `json:"threads"`
}

// ReadRecord returns the run's run.json, or the zero Record when it is
// missing or does not parse (the record is informative: wall times).
func ReadRecord(dir string) Record {
	var rec Record
	if b, err := os.ReadFile(filepath.Join(dir, RecordFile)); err == nil {
		if json.Unmarshal(b, &rec) != nil {
			return Record{}
		}
	}
	return rec
}

// AddSession records in dir's run.json one more session of a run, made
// at code state commit (source digest source) in seconds of wall time
// with one thread.
func AddSession(dir, commit, source string, seconds float64) error {
	rec := ReadRecord(dir)
	rec.Commit, rec.Source, rec.Threads = commit, source, 1
	if !slices.Contains(rec.Commits, commit) {
		rec.Commits = append(rec.Commits, commit)
	}
	rec.WallSeconds += seconds
	rec.Sessions++
	return WriteRecord(dir, rec)
}

// WriteRecord replaces the run's run.json by rec.
func WriteRecord(dir string, rec Record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, RecordFile), append(b, '\n'))
}
