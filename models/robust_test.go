package models

import (
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine"
)

// TestRunDiverges trains with a learning rate that makes the loss NaN and
// checks that the run stops at the first non-finite step, with an error
// naming the step and the remedy, a summary that can be written as JSON,
// and no checkpoint.
func TestRunDiverges(t *testing.T) {
	train := synthImages(60, 6, 6, 1, 3, 6)
	test := synthImages(20, 6, 6, 1, 3, 7)
	cfg := mlpConfig(6, "", nil, nil) // linear: nothing saturates or dies
	cfg.Train.Epochs = 3
	cfg.Train.Optimizer = engine.OptimConfig{Kind: "sgd", LR: 1e9}
	r, err := NewRun(cfg, train, test, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for !r.Done() && steps < 1000 {
		if r.Step() {
			r.FinishEpoch()
		}
		steps++
	}
	var d *DivergedError
	if !errors.As(r.Err(), &d) {
		t.Fatalf("after %d steps: Err() = %v, want a *DivergedError", steps, r.Err())
	}
	if !r.Done() {
		t.Error("Done() is false after the run diverged")
	}
	if d.Step != r.Trainer.Updates || d.Step < 1 || !math.IsNaN(d.Loss) && !math.IsInf(d.Loss, 0) {
		t.Errorf("DivergedError{Step: %d, Loss: %v}, the trainer took %d updates", d.Step, d.Loss, r.Trainer.Updates)
	}
	if msg := d.Error(); !strings.Contains(msg, "training diverged at step") || !strings.Contains(msg, "lower the learning rate") {
		t.Errorf("message %q", msg)
	}
	if r.Step() || r.Trainer.Updates != d.Step {
		t.Error("Step trained after the run diverged")
	}
	s := r.Summary()
	if s.Diverged != d.Error() || s.Epochs != len(r.History) {
		t.Errorf("summary: diverged %q, epochs %d; want %q, %d", s.Diverged, s.Epochs, d.Error(), len(r.History))
	}
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("the summary of a diverged run cannot be written: %v", err)
	}
	path := filepath.Join(t.TempDir(), "run.ckpt")
	if err := r.Save(path); !errors.As(err, &d) {
		t.Errorf("Save of a diverged run: %v, want the DivergedError", err)
	}
}
