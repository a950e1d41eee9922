package models

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine"
)

// runToEnd trains r to its last epoch.
func runToEnd(r *Run) {
	for !r.Done() {
		if r.Step().EpochEnd {
			r.FinishEpoch()
		}
	}
}

// TestCheckpointRoundTrip stops predicted runs mid-epoch, reloads them
// from the checkpoint, and checks that they end bit-identical to runs
// that never stopped: dictionaries (data-driven ones from the layers
// below, and from pretrained layers) are rebuilt, not stored.
func TestCheckpointRoundTrip(t *testing.T) {
	train := synthImages(60, 6, 6, 1, 3, 6)
	test := synthImages(20, 6, 6, 1, 3, 7)
	adam := engine.OptimConfig{Kind: "adam", LR: 0.01, MaxNorm: 2}
	cases := []struct {
		name string
		cfg  *Config
	}{
		{"se-emp", mlpConfig(6, "relu", &PredictConfig{Dict: "se", NAlpha: 5, Columns: 3}, &PredictConfig{Dict: "emp", NAlpha: 3, Columns: 2})},
		{"lowrank-pca", mlpConfig(6, "relu", &PredictConfig{Dict: "lowrank", NAlpha: 4, Columns: 2}, &PredictConfig{Dict: "pca", NAlpha: 3})},
		{"pretrained ae", func() *Config {
			c := mlpConfig(6, "sigmoid", &PredictConfig{Dict: "se", NAlpha: 5, Columns: 2},
				&PredictConfig{Dict: "ae", NAlpha: 3, Columns: 3, Source: "pretrained", AEHidden: 8, AEEpochs: 2})
			c.Train.Pretrain = &PretrainConfig{Epochs: 2, Optimizer: engine.OptimConfig{Kind: "sgd", LR: 0.1, Momentum: 0.5}}
			return c
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Train.Epochs = 2
			c.cfg.Train.Optimizer = adam
			c.cfg.Layers[0].MaxNorm = true
			whole, err := NewRun(c.cfg, train, test, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			runToEnd(whole)

			first, err := NewRun(c.cfg, train, test, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 9; i++ { // one epoch and a half
				if first.Step().EpochEnd {
					first.FinishEpoch()
				}
			}
			path := filepath.Join(t.TempDir(), "run.ckpt")
			if err := first.Save(path); err != nil {
				t.Fatal(err)
			}
			var logs []string
			env := testEnv
			env.Log = func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
			resumed, err := LoadRun(path, train, test, env)
			if err != nil {
				t.Fatal(err)
			}
			runToEnd(resumed)
			if !slices.Equal(resumed.Model.Net.Data, whole.Model.Net.Data) {
				t.Error("the resumed run's parameters differ from the uninterrupted run's")
			}
			if !slices.Equal(resumed.Trainer.Opt.M, whole.Trainer.Opt.M) || !slices.Equal(resumed.Trainer.Opt.V, whole.Trainer.Opt.V) {
				t.Error("the resumed run's optimizer state differs")
			}
			if c.cfg.Train.Pretrain != nil {
				joined := strings.Join(logs, "\n")
				if strings.Contains(joined, "pretraining") || !strings.Contains(joined, "pretrained values restored") {
					t.Errorf("loading pretrained again instead of restoring the snapshot:\n%s", joined)
				}
			}
		})
	}
}

// TestCheckpointDictionaryMismatch changes the training data under a
// checkpoint whose layer-2 dictionary is computed from it: loading must
// fail with a clear error rather than continue with another model.
func TestCheckpointDictionaryMismatch(t *testing.T) {
	train := synthImages(40, 6, 6, 1, 3, 8)
	test := synthImages(10, 6, 6, 1, 3, 9)
	cfg := mlpConfig(6, "relu", &PredictConfig{Dict: "se", NAlpha: 5}, &PredictConfig{Dict: "emp", NAlpha: 3})
	r, err := NewRun(cfg, train, test, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	r.Step()
	path := filepath.Join(t.TempDir(), "run.ckpt")
	if err := r.Save(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadRun(path, train, test, testEnv); err != nil {
		t.Fatalf("loading with the same data: %v", err)
	}
	other := synthImages(40, 6, 6, 1, 3, 10)
	_, err = LoadRun(path, other, test, testEnv)
	if err == nil || !strings.Contains(err.Error(), "training data differs") {
		t.Fatalf("loading with other data: error %v, want a data mismatch", err)
	}
}

// TestCheckpointStoresNoDictionary checks that a predicted checkpoint
// holds V and biases, not U.
func TestCheckpointStoresNoDictionary(t *testing.T) {
	train := synthImages(20, 6, 6, 1, 3, 11)
	r, err := NewRun(mlpConfig(6, "relu", &PredictConfig{Dict: "se", NAlpha: 5}, &PredictConfig{Dict: "randfixu", NAlpha: 3}), train, train, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	f := r.Checkpoint()
	var names []string
	stored := 0
	for _, t := range f.Tensors {
		if strings.HasPrefix(t.Name, "param/") {
			names = append(names, t.Name)
			stored += len(t.Data)
		}
	}
	want := "[param/0.v param/0.b param/1.v param/1.b param/2.w param/2.b]"
	if fmt.Sprint(names) != want {
		t.Errorf("stored parameters %v, want %s", names, want)
	}
	if stored != len(r.Model.Net.Data) {
		t.Errorf("stored %d numbers, the Net has %d", stored, len(r.Model.Net.Data))
	}
}

// TestValidationSplit checks train.validation: the last examples of the
// training set become the validation set, the test set stays the test
// set, and train_examples caps what is left; a split that leaves nothing
// fails.
func TestValidationSplit(t *testing.T) {
	train := synthImages(50, 6, 6, 1, 3, 8)
	test := synthImages(10, 6, 6, 1, 3, 9)
	tests := []struct {
		name                 string
		validation, examples int
		trainN, valN, offset int
		err                  bool
	}{
		{"no validation", 0, 0, 50, 0, -1, false},
		{"validation", 20, 0, 30, 20, 30, false},
		{"validation and train_examples", 20, 12, 12, 20, 30, false},
		{"train_examples beyond what is left", 20, 40, 30, 20, 30, false},
		{"nothing left", 50, 0, 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mlpConfig(6, "relu", &PredictConfig{Dict: "se", NAlpha: 5}, &PredictConfig{Dict: "emp", NAlpha: 3})
			cfg.Train.Validation, cfg.Train.TrainExamples = tt.validation, tt.examples
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			r, err := NewRun(cfg, train, test, testEnv)
			if tt.err {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			valN := 0
			if r.Validation != nil {
				valN = r.Validation.N
			}
			if r.Train.N != tt.trainN || valN != tt.valN {
				t.Errorf("train %d validation %d, want %d %d", r.Train.N, valN, tt.trainN, tt.valN)
			}
			if tt.offset >= 0 && &r.Validation.Y[0] != &train.Y[tt.offset] {
				t.Errorf("the validation set is not training examples %d onwards", tt.offset)
			}
			if &r.Test.Y[0] != &test.Y[0] || r.Test.N != test.N {
				t.Error("the test set is not the test set")
			}
		})
	}
	cfg := mlpConfig(6, "relu", nil, nil)
	cfg.Train.Validation = -1
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "train.validation") {
		t.Errorf("negative validation: %v", err)
	}
}
