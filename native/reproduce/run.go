package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/predparams/predparams/models"
)

// Kinds of run: what executes a run's job.
const (
	kindTrain = "train" // the headless trainer on a models.Config
	kindStep  = "step"  // stepbench: time per training step (experiment 7)
	kindDist  = "dist"  // distbench: data-parallel steps over TCP (experiment 8)
)

// A Run is one unit of work of an experiment: a training run (a model
// config) or a measurement job. Its results live in
// RESULTS/<Exp>/<Hash()>/; the hash covers the whole job, seed and epochs
// included, so a finished run is never recomputed and a changed config is
// a new run.
type Run struct {
	// Exp is the experiment that owns the results folder. Experiments
	// share runs: the columns experiment's J = 1 runs are the
	// dictionaries experiment's SE–Emp runs.
	Exp string
	// Kind is kindTrain, kindStep or kindDist.
	Kind string
	// Config is the model config of a training run.
	Config *models.Config
	// Job is the measurement job of a step or dist run; it is written to
	// config.json.
	Job any
	// Arm names the curve or table row the run belongs to ("SE–Emp",
	// "dense", …), Point its x value (usually the fraction learned asked
	// for) and Seed its repetition.
	Arm   string
	Point float64
	Seed  int
	// Cost is an estimate of the run's work in multiply-adds, for the ETA.
	Cost float64
	// Exclusive runs are timing measurements: the runner starts them
	// after every other run, one at a time, with nothing else running.
	Exclusive bool
}

// job returns what config.json holds and the hash covers.
func (r *Run) job() any {
	if r.Kind == kindTrain {
		return r.Config
	}
	return r.Job
}

// canonicalJSON encodes v with sorted object keys and no insignificant
// space, so equal jobs give equal bytes whatever the field order of the
// Go structs.
func canonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	return json.Marshal(generic)
}

// Hash returns the first 16 hex digits of the SHA-256 of the run's kind
// and canonical job: its results folder name. A training run hashes its
// config alone.
func (r *Run) Hash() string {
	b, err := canonicalJSON(r.job())
	if err != nil {
		panic(err) // jobs hold only plain values
	}
	if r.Kind != kindTrain {
		b = append([]byte(r.Kind+"\n"), b...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Dir returns the run's results folder under root.
func (r *Run) Dir(root string) string { return filepath.Join(root, r.Exp, r.Hash()) }

// configJSON returns config.json's content: the job as indented canonical
// JSON.
func (r *Run) configJSON() ([]byte, error) {
	b, err := canonicalJSON(r.job())
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// writeConfig writes config.json into the run's folder under root unless
// it is already there with the same content.
func (r *Run) writeConfig(root string) (string, error) {
	dir := r.Dir(root)
	b, err := r.configJSON()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "config.json")
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, b, 0o644)
}

// Result files in a run's folder.
const (
	summaryFile    = "summary.json"
	checkpointFile = "checkpoint.ckpt"
	errorFile      = "error.txt"
)

// state is where a run stands on disk.
type state int

const (
	pending     state = iota // nothing yet
	interrupted              // a checkpoint to resume from
	done                     // summary.json written
)

// stateIn returns the run's state in the folder dir.
func stateIn(dir string) state {
	if exists(filepath.Join(dir, summaryFile)) {
		return done
	}
	if exists(filepath.Join(dir, checkpointFile)) {
		return interrupted
	}
	return pending
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

// findDone returns the folder holding the run's summary.json, looking in
// each results root in turn, or "" if none has it.
func findDone(r *Run, roots []string) string {
	for _, root := range roots {
		if dir := r.Dir(root); exists(filepath.Join(dir, summaryFile)) {
			return dir
		}
	}
	return ""
}

// dedupe returns runs without repeats (same Exp and hash), keeping the
// first occurrence's order.
func dedupe(runs []*Run) []*Run {
	seen := map[string]bool{}
	var out []*Run
	for _, r := range runs {
		key := r.Exp + "/" + r.Hash()
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, r)
	}
	return out
}

// describe returns a short label of the run for progress lines.
func (r *Run) describe() string {
	s := fmt.Sprintf("%s/%s", r.Exp, r.Arm)
	if r.Point != 0 {
		s += fmt.Sprintf(" @%g", r.Point)
	}
	return s + fmt.Sprintf(" seed %d", r.Seed)
}
