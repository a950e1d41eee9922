package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// aeConfig has an ae dictionary whose autoencoder would train for hours:
// only an interrupt ends its set-up.
const aeConfig = `{
  "name": "ae-setup",
  "layers": [
    {"type": "dense", "units": 32, "act": "relu",
     "predict": {"dict": "ae", "n_alpha": 4, "ae_hidden": 50, "ae_epochs": 1000000}},
    {"type": "dense", "units": 10}
  ],
  "train": {"epochs": 1, "batch": 50, "seed": 3, "train_examples": 600,
            "optimizer": {"kind": "adam", "lr": 0.002}}
}`

// TestInterruptDuringSetUp interrupts runs before training begins, while
// the dictionary is built: each must exit 130 promptly, say so, and
// write no checkpoint.
func TestInterruptDuringSetUp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration // when the interrupt arrives; 0: before the run
	}{
		{"before", 0},
		{"during", 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			config := writeFile(t, dir, "ae.json", aeConfig)
			out := filepath.Join(dir, "out")
			sig := make(chan os.Signal, 1)
			if tc.after == 0 {
				sig <- os.Interrupt
			} else {
				time.AfterFunc(tc.after, func() { sig <- os.Interrupt })
			}
			var stderr bytes.Buffer
			start := time.Now()
			code := run([]string{"-config", config, "-out", out}, &bytes.Buffer{}, &stderr, sig, nil)
			if code != exitInterrupted {
				t.Fatalf("exit %d, want %d\n%s", code, exitInterrupted, stderr.String())
			}
			if el := time.Since(start); el > 30*time.Second {
				t.Errorf("the run took %v to stop", el)
			}
			if !strings.Contains(stderr.String(), "interrupted during the set-up") {
				t.Errorf("stderr does not say the set-up was interrupted:\n%s", stderr.String())
			}
			if _, err := os.Stat(filepath.Join(out, "checkpoint.ckpt")); err == nil {
				t.Error("a checkpoint was written")
			}
		})
	}
}
