package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/native/reproduce/runstore"
)

// Kinds of run: what executes a run's job. The values are hashed into
// the folder names of stored results (see Run.Hash), so they keep the
// names they were first stored under.
const (
	kindTrain         = "train" // the headless trainer on a models.Config
	kindCompute       = "step"  // computebench: time per training step (the compute experiment)
	kindCommunication = "dist"  // commbench: data-parallel steps over TCP (the communication experiment)
	kindRICA          = "rica"  // ricabench: RICA features and a classifier (the open questions' Fig. 6)
)

// A runKind says how the runner treats one kind of run.
type runKind struct {
	// hashed is what Run.Hash puts before the job: "" for training
	// runs, whose folders predate the other kinds, the kind otherwise.
	hashed string
	// check decodes a run's summary.json and reports whether the run
	// is complete; it must not panic on any bytes.
	check func(r *Run, summary []byte) (any, error)
}

// runKinds is the registry of kinds.
var runKinds = map[string]runKind{
	kindTrain:         {hashed: "", check: checkTrainSummary},
	kindCompute:       {hashed: kindCompute, check: checkComputeSummary},
	kindCommunication: {hashed: kindCommunication, check: checkCommunicationSummary},
	kindRICA:          {hashed: kindRICA, check: checkRICASummary},
}

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
	// Kind is kindTrain, kindCompute, kindCommunication or kindRICA.
	Kind string
	// Config is the model config of a training run.
	Config *models.Config
	// Job is the measurement job of a compute or communication run; it
	// is written to config.json.
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

// Hash returns the run's folder name, runstore.Hash of its kind and job
// (a training run hashes its config alone).
func (r *Run) Hash() string {
	h, err := runstore.Hash(runKinds[r.Kind].hashed, r.job())
	if err != nil {
		panic(err) // jobs hold only plain values
	}
	return h
}

// key is the run's folder relative to a results root: experiment/hash.
func (r *Run) key() string { return r.Exp + "/" + r.Hash() }

// Dir returns the run's results folder under root.
func (r *Run) Dir(root string) string { return filepath.Join(root, r.Exp, r.Hash()) }

// writeConfig writes config.json into the run's folder under root unless
// it is already there with the same content.
func (r *Run) writeConfig(root string) (string, error) {
	b, err := runstore.ConfigJSON(r.job())
	if err != nil {
		return "", err
	}
	path := filepath.Join(r.Dir(root), runstore.ConfigFile)
	return path, runstore.WriteIfChanged(path, b)
}

// check decodes the run's summary.json and reports whether it is
// complete.
func (r *Run) check(b []byte) (any, error) {
	k, ok := runKinds[r.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind of run %q", r.Kind)
	}
	return k.check(r, b)
}

// state returns where the run stands under root (runstore.StateOf).
func (r *Run) state(root string) (runstore.State, error) {
	return runstore.StateOf(r.Dir(root), r.check)
}

// find returns the run's results from the first of roots that has them
// done (runstore.Find).
func (r *Run) find(roots []string) (*runstore.Result, error) {
	return runstore.Find(roots, filepath.Join(r.Exp, r.Hash()), r.check)
}

// checkTrainSummary decodes a trainer's summary.json: complete when it
// has every epoch the run's config asks for, in its history too, and a
// test set. A tuning run that diverged is complete with the epochs it
// measured before: its outcome (never selected) is known.
func checkTrainSummary(r *Run, b []byte) (any, error) {
	var s models.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	want := 0
	if r.Config != nil {
		want = r.Config.Train.Epochs
	}
	switch {
	case r.Exp == nameTune && s.Diverged != "" && s.Epochs < want && len(s.History) == s.Epochs:
	case s.Epochs < 1 || s.Epochs != want:
		return nil, fmt.Errorf("%d epochs, want %d", s.Epochs, want)
	case len(s.History) != s.Epochs:
		return nil, fmt.Errorf("%d epochs in the history, want %d", len(s.History), s.Epochs)
	case s.TestN < 1:
		return nil, errors.New("no test examples")
	}
	return &s, nil
}

// checkComputeSummary decodes a compute run's summary.json: complete when
// it has every layer shape, and every fraction of its job for each layer
// and for the net.
func checkComputeSummary(r *Run, b []byte) (any, error) {
	var s computeSummary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	job, _ := r.Job.(computeJob)
	n := len(job.Fractions)
	if s.Target != job.Target {
		return nil, fmt.Errorf("target %q, want %q", s.Target, job.Target)
	}
	if len(s.Layers) != len(computeShapes) {
		return nil, fmt.Errorf("%d layers, want %d", len(s.Layers), len(computeShapes))
	}
	for _, l := range s.Layers {
		if len(l.Points) != n {
			return nil, fmt.Errorf("layer %q: %d fractions, want %d", l.Name, len(l.Points), n)
		}
	}
	if len(s.Net) != n {
		return nil, fmt.Errorf("net: %d fractions, want %d", len(s.Net), n)
	}
	return &s, nil
}

// checkCommunicationSummary decodes a communication run's summary.json:
// complete when every worker of the job reported.
func checkCommunicationSummary(r *Run, b []byte) (any, error) {
	var s communicationSummary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	job, _ := r.Job.(communicationJob)
	if s.Workers != job.Workers || len(s.PerWorker) != job.Workers {
		return nil, fmt.Errorf("%d workers and %d reports, want %d", s.Workers, len(s.PerWorker), job.Workers)
	}
	return &s, nil
}

// dedupe returns runs without repeats (same Exp and hash), keeping the
// first occurrence's order.
func dedupe(runs []*Run) []*Run {
	seen := map[string]bool{}
	var out []*Run
	for _, r := range runs {
		key := r.key()
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
