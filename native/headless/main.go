// Command headless trains a model from a JSON config on a machine with no
// display: full-size runs, sweeps and reproductions of the paper.
//
//	go run ./native/headless -config models/configs/mnist-mlp-dense.json
//
// It writes OUT/metrics.jsonl (one line per epoch), OUT/summary.json and
// OUT/checkpoint.ckpt. Ctrl-C finishes the current step, writes the
// checkpoint and exits with status 130; -resume continues from it. Bad
// input (a missing or malformed file, an option out of range, a model
// too large for the memory) is one line on stderr and exit status 2, and
// so is a run whose loss stops being finite: it writes the summary of
// the epochs measured before and says "training diverged at step N
// (loss = NaN): lower the learning rate".
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, sig, nil))
}
