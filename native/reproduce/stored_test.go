package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/native/reproduce/runstore"
)

// storedResults is the repository's results folder.
const storedResults = "../../docs/results"

// TestStoredHashes checks every stored run's folder name against the hash
// of its config.json: the hashing must never change, or stored results
// would be orphaned.
func TestStoredHashes(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(storedResults, "*", "*", runstore.ConfigFile))
	if len(dirs) == 0 {
		t.Skip("no stored results")
	}
	kindOf := map[string]string{nameCompute: kindCompute, nameCommunication: kindCommunication, nameQRICA: kindRICA}
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		exp := filepath.Base(filepath.Dir(filepath.Dir(p)))
		kind, ok := kindOf[exp]
		if !ok {
			kind = kindTrain
		}
		h, err := runstore.HashConfigFile(runKinds[kind].hashed, b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if want := filepath.Base(filepath.Dir(p)); h != want {
			t.Errorf("%s hashes to %s", p, h)
		}
	}
	t.Logf("%d stored configs checked", len(dirs))
}

// TestStoredRuns checks that the experiments' full grid finds its stored
// runs: every run the report counts is complete by its kind's check, and
// the experiments' configs reproduce the stored config.json byte for byte
// (so a change to an experiment's config is seen here, not as runs that
// silently start again).
func TestStoredRuns(t *testing.T) {
	if _, err := os.Stat(storedResults); err != nil {
		t.Skip("no stored results")
	}
	v := variant{fsdd: "any", wallpapers: "any"}
	found, unreadable := 0, 0
	for _, e := range experiments() {
		for _, r := range dedupe(e.runs(v)) {
			res, err := r.find([]string{storedResults})
			switch {
			case err == nil:
				found++
				want, _ := runstore.ConfigJSON(r.job())
				got, err := os.ReadFile(filepath.Join(res.Dir, runstore.ConfigFile))
				if err != nil || string(got) != string(want) {
					t.Errorf("%s: config.json differs from the experiment's config", res.Dir)
				}
			case !strings.Contains(err.Error(), "no "+runstore.SummaryFile):
				unreadable++
				t.Errorf("%s: %v", r.key(), err)
			}
		}
	}
	if found == 0 {
		t.Errorf("no stored run found")
	}
	t.Logf("%d stored runs found, %d unreadable", found, unreadable)
}

// TestStoredListed checks that every stored run folder is a run that the
// experiments list, with their tuning resolved from the stored results:
// a folder that no experiment lists (a final run of a selection that a
// change of the grid replaced) would sit in docs/results unreported.
func TestStoredListed(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(storedResults, "*", "*", runstore.ConfigFile))
	if len(dirs) == 0 {
		t.Skip("no stored results")
	}
	v := variant{fsdd: "any", wallpapers: "any"}
	tn := newTuner(v, []string{storedResults})
	listed := map[string]bool{}
	for _, e := range experiments() {
		for _, r := range e.runsWith(v, tn) {
			listed[r.key()] = true
		}
	}
	for _, p := range dirs {
		dir := filepath.Dir(p)
		key := filepath.Base(filepath.Dir(dir)) + "/" + filepath.Base(dir)
		if !listed[key] {
			t.Errorf("%s: no experiment lists this run", dir)
		}
	}
}
