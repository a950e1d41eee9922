// Command desktop trains a model from a JSON config in a window and shows
// it as it learns: loss and test-error curves, the weights of a layer with
// the learned positions α marked, the dictionary atoms of a unit, the
// kernel matrix and the parameter table.
//
//	go run ./native/desktop -config models/configs/mnist-mlp-dense.json
//
// Keys: space pauses; + and − change the fraction learned of the shown
// layer, d its dictionary and c its number of columns, each rebuilding the
// model; l shows the next layer; the arrows or a click select a unit; k
// switches the kernel view; s saves a screenshot; q quits and writes a
// checkpoint that native/headless can continue with -resume. Ctrl-C does
// the same and exits with status 130.
//
// -frames N -screenshot FILE renders N frames while training, writes the
// screenshot and exits, printing the training throughput (for tests and
// measurements). Bad input, or no display, is one line on stderr and exit
// status 2.
//
// This is the only package of the module that imports ebiten; training
// itself happens in engine and models, in a goroutine of its own that the
// drawing never blocks.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	display := func() error { return checkDisplay(os.Getenv) }
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, display, sig))
}
