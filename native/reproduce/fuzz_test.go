package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/native/reproduce/runstore"
)

// fuzzRuns are one run of each kind, whose checks the fuzz target reads
// summaries with.
func fuzzRuns() []*Run {
	v := variant{quick: true}
	return []*Run{
		expColumns().runs(v)[0],
		computeRuns(v)[0],
		communicationRuns(v)[1],
	}
}

// FuzzReadSummary feeds the runner's results reader arbitrary
// summary.json bytes for each kind of run. It must not panic; what it
// accepts must be complete results, which the report can index without
// checking (every epoch, every layer and fraction, every worker); and its
// judgement must not depend on the file: Read on a folder holding the
// bytes agrees with the check on the bytes.
func FuzzReadSummary(f *testing.F) {
	runs := fuzzRuns()
	for i, r := range runs {
		var seed any
		switch i {
		case 0:
			seed = fakeSummary(r.Config, 0.02)
		case 1:
			job := r.Job.(computeJob)
			s := computeSummary{Target: job.Target, NetMS: 1}
			for _, l := range computeShapes {
				for _, fr := range job.Fractions {
					l.Points = append(l.Points, computePoint{Fraction: fr})
				}
				s.Layers = append(s.Layers, l)
			}
			for _, fr := range job.Fractions {
				s.Net = append(s.Net, computePoint{Fraction: fr})
			}
			seed = s
		case 2:
			job := r.Job.(communicationJob)
			seed = communicationSummary{Workers: job.Workers, PerWorker: make([]workerReport, job.Workers)}
		}
		b, err := json.Marshal(seed)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
		f.Add(uint8(i), b[:len(b)/2])
	}
	for _, p := range []string{"../../docs/results/dictionaries", "../../docs/results/compute", "../../docs/results/communication"} {
		if m, _ := filepath.Glob(filepath.Join(p, "*", runstore.SummaryFile)); len(m) > 0 {
			if b, err := os.ReadFile(m[0]); err == nil {
				for i := range runs {
					f.Add(uint8(i), b)
				}
			}
		}
	}
	f.Add(uint8(0), []byte(`null`))
	f.Add(uint8(0), []byte(`{"epochs": "2"}`))
	f.Add(uint8(1), []byte(`{"target": "native", "layers": [{}, {}], "net": []}`))
	f.Add(uint8(2), []byte(`{"workers": 1, "per_worker": [{}]} {}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, kind uint8, b []byte) {
		r := runs[int(kind)%len(runs)]
		sum, err := r.check(b)
		if err == nil {
			switch s := sum.(type) {
			case *models.Summary:
				if s.Epochs != r.Config.Train.Epochs || len(s.History) != s.Epochs || s.TestN < 1 {
					t.Fatalf("accepted an incomplete training summary: %d epochs, %d in history", s.Epochs, len(s.History))
				}
			case *computeSummary:
				job := r.Job.(computeJob)
				if len(s.Layers) != len(computeShapes) || len(s.Net) != len(job.Fractions) {
					t.Fatalf("accepted an incomplete compute summary")
				}
				for _, l := range s.Layers {
					if len(l.Points) != len(job.Fractions) {
						t.Fatalf("accepted a compute layer with %d points", len(l.Points))
					}
				}
			case *communicationSummary:
				if len(s.PerWorker) != r.Job.(communicationJob).Workers {
					t.Fatalf("accepted %d worker reports", len(s.PerWorker))
				}
			default:
				t.Fatalf("accepted a %T", sum)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, runstore.SummaryFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		res, rerr := runstore.Read(dir, r.check)
		if (rerr == nil) != (err == nil) {
			t.Fatalf("check says %v, Read says %v", err, rerr)
		}
		st, _ := runstore.StateOf(dir, r.check)
		if (st == runstore.Done) != (err == nil) {
			t.Fatalf("check says %v, state %v", err, st)
		}
		if rerr == nil && string(res.Raw) != string(b) {
			t.Fatalf("Read returned other bytes")
		}
	})
}
