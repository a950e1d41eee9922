package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/checkpoint"
	"github.com/predparams/predparams/engine/data"
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
		if r.Step().EpochEnd {
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
	if r.Step().EpochEnd || r.Trainer.Updates != d.Step {
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

// zeros is an endless reader of zero bytes that counts what it gave.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += int64(len(p))
	return len(p), nil
}

// TestParseConfigBounded checks that an endless input is refused after
// MaxConfigBytes, and that LoadConfig refuses a device the same way.
func TestParseConfigBounded(t *testing.T) {
	z := &zeros{}
	_, err := ParseConfig(z)
	if err == nil || !strings.Contains(err.Error(), "not a config") {
		t.Errorf("endless input: error %v", err)
	}
	if z.n > 2*MaxConfigBytes {
		t.Errorf("read %d bytes of an endless input, want about %d", z.n, MaxConfigBytes)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := LoadConfig("/dev/zero"); err == nil || !strings.Contains(err.Error(), "not a config") {
			t.Errorf("LoadConfig(/dev/zero): error %v", err)
		}
	}
}

// TestParseConfigRefuses checks the names that would write outside out/
// and the explicit zeros that would silently mean a default.
func TestParseConfigRefuses(t *testing.T) {
	const base = `{"name": %s, "layers": [
		{"type": "conv", "filters": 4, "k": 3 %s},
		{"type": "dense", "units": 6, "act": "relu", "predict": {"dict": "se", "fraction": 0.1 %s}},
		{"type": "dense", "units": 3}],
		"train": {"epochs": 1, "batch": 10, "optimizer": {"kind": "adam", "lr": 0.01 %s}}}`
	cfg := func(name, conv, predict, opt string) string { return fmt.Sprintf(base, name, conv, predict, opt) }
	cases := []struct {
		name, json, want string // want "": accepted
	}{
		{"plain", cfg(`"a-b_c.1 é"`, "", "", ""), ""},
		{"explicit values", cfg(`"x"`, `, "stride": 2`, `, "ridge": 0.5, "length": 3, "columns": 2`, `, "beta1": 0.5, "eps": 1e-6`), ""},
		{"zeros that mean zero", cfg(`"x"`, `, "pad": 0`, `, "examples": 0`, `, "lr_decay": 0, "weight_decay": 0`), ""},
		{"name ../", cfg(`"../../escape"`, "", "", ""), "want one folder name"},
		{"name ..", cfg(`".."`, "", "", ""), "want one folder name"},
		{"name with /", cfg(`"a/b"`, "", "", ""), "want one folder name"},
		{"name with \\", cfg(`"a\\b"`, "", "", ""), "want one folder name"},
		{"name with a newline", cfg(`"a\nb"`, "", "", ""), "control character"},
		{"length 0", cfg(`"x"`, "", `, "length": 0`, ""), "predict.length is 0"},
		{"ridge 0", cfg(`"x"`, "", `, "ridge": 0.0`, ""), "predict.ridge is 0"},
		{"Ridge 0", cfg(`"x"`, "", `, "Ridge": -0`, ""), "predict.ridge is 0"},
		{"columns 0", cfg(`"x"`, "", `, "columns": 0`, ""), "predict.columns is 0"},
		{"stride 0", cfg(`"x"`, `, "stride": 0`, "", ""), "layer 0: stride is 0"},
		{"beta1 0", cfg(`"x"`, "", "", `, "beta1": 0`), "train.optimizer.beta1 is 0"},
		{"lr_decay 0.5", cfg(`"x"`, "", "", `, "lr_decay": 0.5`), "would make the learning rate grow"},
		{"epochs at the bound", strings.Replace(cfg(`"x"`, "", "", ""), `"epochs": 1,`, `"epochs": 1000000,`, 1), ""},
		{"epochs beyond the bound", strings.Replace(cfg(`"x"`, "", "", ""), `"epochs": 1,`, `"epochs": 1000001,`, 1), "train.epochs 1000001, want 1 to 1000000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(c.json))
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	pre := `{"name": "x", "layers": [{"type": "dense", "units": 6, "act": "sigmoid"}, {"type": "dense", "units": 3}],
		"train": {"epochs": 1, "batch": 10, "optimizer": {"kind": "adam", "lr": 0.01},
		"pretrain": {"epochs": 1, "optimizer": {"kind": "adam", "lr": 0.1, "beta2": 0}}}}`
	if _, err := ParseConfig(strings.NewReader(pre)); err == nil || !strings.Contains(err.Error(), "train.pretrain.optimizer.beta2 is 0") {
		t.Errorf("pretrain beta2 0: error %v", err)
	}
}

// TestEmptySets checks that a run refuses a training or test set with no
// examples, before anything is built.
func TestEmptySets(t *testing.T) {
	some := synthImages(20, 6, 6, 1, 3, 6)
	none := some.Subset(0, 0)
	cfg := mlpConfig(6, "relu", nil, nil)
	for _, c := range []struct {
		name        string
		train, test *data.Dataset
	}{{"empty training set", none, some}, {"empty test set", some, none}} {
		if _, err := NewRun(cfg, c.train, c.test, testEnv); err == nil || !strings.Contains(err.Error(), "has no examples") {
			t.Errorf("%s: error %v", c.name, err)
		}
	}
}

// TestFootprint checks that a model too large for the memory allowed is
// refused before anything is allocated (a layer of 2^63−1 units panicked
// in engine.NewNet, one of 10^9 units ran out of memory), that the
// shipped configs fit in 2 GiB, and that the estimate grows with the
// layer it counts.
func TestFootprint(t *testing.T) {
	train := synthImages(20, 28, 28, 1, 10, 6)
	test := synthImages(10, 28, 28, 1, 10, 7)
	mnist := engine.Shape{H: 28, W: 28, C: 1}
	for _, units := range []int{math.MaxInt, 1e9, 1 << 40} {
		cfg := mlpConfig(units, "relu", nil, nil)
		cfg.Layers[2].Units = 10
		_, err := NewRun(cfg, train, test, testEnv)
		var tl *TooLargeError
		if !errors.As(err, &tl) || !strings.Contains(err.Error(), "model needs") || !strings.Contains(err.Error(), " GiB of memory") {
			t.Errorf("%d units: error %v, want a TooLargeError", units, err)
		}
	}
	paths, _ := filepath.Glob(filepath.Join("configs", "*.json"))
	for _, p := range paths {
		cfg, err := LoadConfig(p)
		if err != nil {
			t.Fatal(err)
		}
		if need := Footprint(cfg, mnist, 60000); need > 2<<30 || need < 1<<20 {
			t.Errorf("%s: footprint %.0f MiB, want 1 MiB to 2 GiB", p, need/(1<<20))
		}
	}
	small, large := mlpConfig(100, "relu", nil, nil), mlpConfig(200, "relu", nil, nil)
	if a, b := Footprint(small, mnist, 100), Footprint(large, mnist, 100); !(b > 1.9*a) {
		t.Errorf("footprint of 100 units %.0f, of 200 units %.0f: want about twice", a, b)
	}
	env := testEnv
	env.MemLimit = 1 << 20
	cfg := mlpConfig(100, "relu", nil, nil)
	cfg.Layers[2].Units = 10
	if _, err := NewRun(cfg, train, test, env); err == nil || !strings.Contains(err.Error(), "more than the 1.0 MiB allowed") {
		t.Errorf("a 1 MiB limit: error %v", err)
	}
}

// TestCheckpointImpossibleMetadata rewrites a run checkpoint, with a
// valid checksum, so that its metadata or values are impossible: loading
// must refuse it (a step past the epoch panicked, a negative epoch trained
// extra epochs, a NaN weight ended in "json: unsupported value: NaN").
func TestCheckpointImpossibleMetadata(t *testing.T) {
	train := synthImages(40, 6, 6, 1, 3, 8) // 4 steps per epoch
	test := synthImages(10, 6, 6, 1, 3, 9)
	cfg := mlpConfig(6, "relu", nil, nil)
	cfg.Train.Epochs = 3
	r, err := NewRun(cfg, train, test, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ { // epoch 1, step 2
		if r.Step().EpochEnd {
			r.FinishEpoch()
		}
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ckpt")
	if err := r.Save(good); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change func(m map[string]any, f *checkpoint.File)
		want   string // "": loads
	}{
		{"unchanged", func(map[string]any, *checkpoint.File) {}, ""},
		{"step 999999999", func(m map[string]any, _ *checkpoint.File) { m["step"] = 999999999 }, "step 999999999 of an epoch of 4 steps"},
		{"step -1", func(m map[string]any, _ *checkpoint.File) { m["step"] = -1 }, "step -1"},
		{"epoch -5", func(m map[string]any, _ *checkpoint.File) { m["epoch"] = -5 }, "epoch -5 of a run of 3 epochs"},
		{"epoch 999999999", func(m map[string]any, _ *checkpoint.File) { m["epoch"] = 999999999 }, "epoch 999999999"},
		{"updates -3", func(m map[string]any, _ *checkpoint.File) { m["updates"] = -3 }, "-3 updates"},
		{"history lost", func(m map[string]any, _ *checkpoint.File) { m["history"] = nil }, "0 epochs of history at epoch 1"},
		{"negative seconds", func(m map[string]any, _ *checkpoint.File) { m["seconds"] = -1 }, "seconds -1"},
		{"NaN weight", func(_ map[string]any, f *checkpoint.File) { f.Tensors[0].Data[3] = float32(math.NaN()) }, "not finite"},
		{"Inf momentum", func(_ map[string]any, f *checkpoint.File) { f.Tensors[1].Data[0] = float32(math.Inf(1)) }, "not finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := checkpoint.Read(good)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(f.Meta, &m); err != nil {
				t.Fatal(err)
			}
			c.change(m, f)
			if f.Meta, err = json.Marshal(m); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".ckpt")
			if err := checkpoint.Write(path, f); err != nil {
				t.Fatal(err)
			}
			_, err = LoadRun(path, train, test, testEnv)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
