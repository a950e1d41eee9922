package runstore

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Files in a run's folder.
const (
	ConfigFile     = "config.json"     // the job, as ConfigJSON writes it
	SummaryFile    = "summary.json"    // the results; written last, so its presence marks the end
	MetricsFile    = "metrics.jsonl"   // one line per epoch (training runs)
	CheckpointFile = "checkpoint.ckpt" // an interrupted training run's state
	ErrorFile      = "error.txt"       // why the last attempt failed
	RecordFile     = "run.json"        // Record: where and how long the run ran
	LockFile       = "lock"            // held by the process writing into the folder
)

// SessionsFile, in a results folder (not a run's), logs the runner's
// sessions, one JSON line each.
const SessionsFile = "sessions.jsonl"

// Exists reports whether path exists. Only a "does not exist" error
// means no; any other error (a file where a folder is expected, no
// permission) is returned.
func Exists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

// WriteFileAtomic replaces path by b: it writes a temporary file in the
// same folder and renames it over path, so that readers see the old
// content or the new, never part of it. The folder is created if needed.
func WriteFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// WriteIfChanged writes b to path (atomically) unless the file already
// holds exactly b, so that regenerating unchanged files touches nothing.
func WriteIfChanged(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	return WriteFileAtomic(path, b)
}
