package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/predparams/predparams/engine/data/fsdd"
	"github.com/predparams/predparams/engine/data/photo"
	"github.com/predparams/predparams/native/reproduce/runstore"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFailure  = 1 // a run failed or a file could not be written
	exitBadInput = 2 // usage errors
)

// A command is one subcommand of reproduce.
type command struct {
	name string
	// alias is an older name that still works.
	alias string
	// args and summary are the command's line in the usage text.
	args, summary string
	run           func(e *environment, o *options) (int, error)
}

// commands is the registry of subcommands, in the usage text's order.
var commands = []command{
	{name: "list", args: "[EXPERIMENT|all]", summary: "the experiments and how many of their runs are done",
		run: (*environment).list},
	{name: "run", args: "EXPERIMENT|all", summary: "run an experiment's pending runs (or all experiments'), resuming interrupted ones",
		run: (*environment).run},
	{name: "expand", args: "EXPERIMENT|all", summary: "print one command per pending run, for Slurm, GNU parallel or a Job",
		run: (*environment).expand},
	{name: "report", args: "", summary: "regenerate RESULTS.md and its figures from stored results",
		run: (*environment).report},
	{name: "exec", args: "-out RUN-DIR -- COMMAND...", summary: "run one line of expand and record it (commit, time) as run does",
		run: (*environment).execRun},
	{name: "computebench", alias: "stepbench", args: "-job FILE -out DIR", summary: "one run of the compute experiment (run and expand start it)",
		run: func(e *environment, o *options) (int, error) { return computebench(o, e.stdout) }},
	{name: "communicationbench", alias: "distbench", args: "-job FILE -out DIR", summary: "one run of the communication experiment (run and expand start it)",
		run: func(e *environment, o *options) (int, error) { return communicationbench(o, e.stderr, e.interrupt) }},
	{name: "ricabench", args: "-job FILE -out DIR", summary: "one run of the RICA experiment (run and expand start it)",
		run: func(e *environment, o *options) (int, error) { return ricabench(o, e.stdout) }},
	{name: "communicationworker", alias: "distworker", args: "-job FILE -worker R/N -addr ADDR", summary: "one worker process of communicationbench",
		run: func(e *environment, o *options) (int, error) { return communicationworker(o, e.stdout) }},
}

// lookup returns the command called name (or its alias).
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if name == c.name || (c.alias != "" && name == c.alias) {
			return c, true
		}
	}
	return command{}, false
}

// usage returns the usage text.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: reproduce COMMAND [flags] [EXPERIMENT|all]\n\ncommands:\n")
	for _, c := range commands {
		line := c.name
		if c.args != "" {
			line += " " + c.args
		}
		fmt.Fprintf(&b, "  %-52s %s", line, c.summary)
		if c.alias != "" {
			fmt.Fprintf(&b, " (also: %s)", c.alias)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, `
experiments: %s
flags (see reproduce COMMAND -h):
  -quick          the quick variant: few points, one seed, small subsets (minutes)
  -jobs N         parallel runs, one thread each (default: the number of CPUs)
  -results DIR    results folder (default docs/results, or out/quick/results with -quick);
                  report accepts it several times and merges the folders
  -force          report: replace a RESULTS.md that lists more runs with results
  -allow-dirty    run, expand: full runs from a tree with uncommitted code (marked;
                  the report refuses them in the tuned grid)
  -fsdd DIR       the Free Spoken Digit Dataset (default $%s; fsdd is skipped without it)
  -wallpapers DIR plasma-workspace-wallpapers' photographs (default $%s, else %s;
                  open-rica's arms on photographs are skipped without them)
`, experimentNames(), fsdd.DirEnv, photo.DirEnv, photo.DebianDir)
	return b.String()
}

// environment is what the command sees of its process.
type environment struct {
	stdout, stderr io.Writer
	interrupt      <-chan os.Signal
	terminal       bool
	getenv         func(string) string
	// root, if set, replaces the module root found from the working
	// directory (tests).
	root string
	// wallpapers is the wallpapers' folder without -wallpapers or
	// $WALLPAPERS_DIR: photo.DebianDir in main, none in the tests.
	wallpapers string
}

// options are the parsed flags of a command.
type options struct {
	quick          bool
	jobs           int
	results        []string
	out            string
	mnist, fsdd    string
	wallpapers     string
	headless       string
	experiment     string
	every          time.Duration
	job, outDir    string
	worker, listen string
	force          bool
	allowDirty     bool
	// command is exec's command line.
	command []string
}

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// parse parses a command's flags; flags may come before or after the one
// positional argument.
func (e *environment) parse(cmd string, args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var results multiFlag
	switch cmd {
	case "run", "expand", "report", "list":
		fs.BoolVar(&o.quick, "quick", false, "the quick variant")
		fs.Var(&results, "results", "results `DIR`")
		fs.StringVar(&o.fsdd, "fsdd", "", "the FSDD `DIR` (default $"+fsdd.DirEnv+")")
	}
	switch cmd {
	case "run", "expand", "report", "list", "ricabench":
		fs.StringVar(&o.wallpapers, "wallpapers", "", "`DIR` of plasma-workspace-wallpapers' photographs (default $"+photo.DirEnv+", else "+photo.DebianDir+")")
	}
	switch cmd {
	case "run", "expand":
		fs.StringVar(&o.mnist, "mnist", "", "`DIR` of the four MNIST idx files (default: the Go module's copy)")
		fs.BoolVar(&o.allowDirty, "allow-dirty", false, "run from a tree with uncommitted code changes (development); the runs are marked dirty and the report does not count them in the tuned grid")
	}
	switch cmd {
	case "run":
		fs.IntVar(&o.jobs, "jobs", runtime.NumCPU(), "parallel runs `N`")
		fs.StringVar(&o.headless, "headless", "", "use this trainer `BINARY` instead of building native/headless")
		fs.DurationVar(&o.every, "every", 30*time.Second, "interval of progress lines when stderr is not a terminal")
	case "report":
		fs.StringVar(&o.out, "out", "", "output `DIR` for RESULTS.md and figures/ (default docs, or out/quick with -quick)")
		fs.BoolVar(&o.force, "force", false, "replace a RESULTS.md that lists more runs with results than these folders hold")
	case "exec":
		fs.StringVar(&o.outDir, "out", "", "the run's `DIR`")
	case "computebench", "communicationbench", "communicationworker", "ricabench":
		fs.StringVar(&o.job, "job", "", "job `FILE`")
		fs.StringVar(&o.outDir, "out", "", "output `DIR`")
		fs.StringVar(&o.worker, "worker", "", "worker rank/size (communicationworker)")
		fs.StringVar(&o.listen, "addr", "", "coordinator address (communicationworker)")
	}
	err := fs.Parse(args)
	if cmd == "exec" {
		// Everything after the flags (and "--") is the command.
		o.command = fs.Args()
	} else if err == nil && fs.NArg() > 0 {
		o.experiment = fs.Arg(0)
		rest := fs.Args()[1:]
		err = fs.Parse(rest)
		if err == nil && fs.NArg() > 0 {
			err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stderr, usage())
		fs.SetOutput(e.stderr)
		fs.PrintDefaults()
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", cmd, err)
	}
	o.results = results
	if o.jobs < 1 && cmd == "run" {
		return nil, fmt.Errorf("run: -jobs %d, want ≥ 1", o.jobs)
	}
	if o.fsdd == "" && e.getenv != nil {
		o.fsdd = e.getenv(fsdd.DirEnv)
	}
	if o.wallpapers == "" && e.getenv != nil {
		o.wallpapers = e.getenv(photo.DirEnv)
	}
	if o.wallpapers == "" {
		o.wallpapers = e.wallpapers
	}
	return o, nil
}

// main runs the command line args and returns the exit status.
func (e *environment) main(args []string) int {
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "reproduce: missing command (run, expand, report or list; see -h)\n")
		return exitBadInput
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "help" {
		fmt.Fprint(e.stderr, usage())
		return exitOK
	}
	c, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "reproduce: unknown command %q (want run, expand, report or list)\n", args[0])
		return exitBadInput
	}
	o, err := e.parse(c.name, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "reproduce: %v\n", err)
		return exitBadInput
	}
	code, err := c.run(e, o)
	if err != nil {
		fmt.Fprintf(e.stderr, "reproduce: %v\n", err)
	}
	return code
}

// moduleRoot returns the folder holding go.mod, searched upwards from
// the working directory.
func (e *environment) moduleRoot() (string, error) {
	if e.root != "" {
		return e.root, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if ok, _ := runstore.Exists(filepath.Join(d, "go.mod")); ok {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no go.mod above the working directory: run from the repository")
		}
	}
}

// paths resolves the results folders and the report's output folder.
func (e *environment) paths(o *options) (root string, results []string, out string, err error) {
	root, err = e.moduleRoot()
	if err != nil {
		return "", nil, "", err
	}
	results = o.results
	if len(results) == 0 {
		results = []string{filepath.Join(root, pick(variant{quick: o.quick}, "docs/results", "out/quick/results"))}
	}
	out = o.out
	if out == "" {
		out = filepath.Join(root, pick(variant{quick: o.quick}, "docs", "out/quick"))
	}
	return root, results, out, nil
}

// variantOf returns the variant the options select; FSDD counts as present
// when its folder exists, the wallpapers when their folder holds every
// photograph of photo.Wallpapers.
func variantOf(o *options) variant {
	v := variant{quick: o.quick}
	if o.fsdd != "" {
		if st, err := os.Stat(o.fsdd); err == nil && st.IsDir() {
			v.fsdd = o.fsdd
		}
	}
	if photo.Present(o.wallpapers, photo.Wallpapers()) {
		v.wallpapers = o.wallpapers
	}
	return v
}

// wallpapersAbsent says why an experiment's arms on photographs are
// skipped.
func wallpapersAbsent(o *options) string {
	where := "no wallpapers folder"
	if o.wallpapers != "" {
		where = "no wallpaper photographs in " + o.wallpapers
	}
	return fmt.Sprintf("%s (apt-get install plasma-workspace-wallpapers, or set -wallpapers DIR or $%s)", where, photo.DirEnv)
}

// selected returns the runs of the experiments a command names that
// can be listed now: a tuned experiment's final runs appear once their
// tuning is done in results (see tuner); the tuner says what waits.
func selected(o *options, v variant, results []string) ([]*experiment, []*Run, *tuner, error) {
	if o.experiment == "" {
		return nil, nil, nil, fmt.Errorf("name an experiment or all (%s)", experimentNames())
	}
	exps, err := selectExperiments(o.experiment)
	if err != nil {
		return nil, nil, nil, err
	}
	t := newTuner(v, results)
	var runs []*Run
	for _, x := range exps {
		runs = append(runs, x.runsWith(v, t)...)
	}
	return exps, dedupe(runs), t, nil
}

// checkFolders returns an error unless every path in results is a
// folder; a missing one is an error only when mustExist.
func checkFolders(results []string, mustExist bool) error {
	for _, dir := range results {
		st, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist) && !mustExist:
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("no results folder %s", dir)
		case err != nil:
			return err
		case !st.IsDir():
			return fmt.Errorf("results folder %s is not a folder", dir)
		}
	}
	return nil
}

func (e *environment) list(o *options) (int, error) {
	_, results, _, err := e.paths(o)
	if err != nil {
		return exitFailure, err
	}
	if err := checkFolders(results, false); err != nil {
		return exitBadInput, err
	}
	v := variantOf(o)
	t := newTuner(v, results)
	for _, x := range experiments() {
		if o.experiment != "" && o.experiment != "all" && o.experiment != x.name {
			continue
		}
		runs := dedupe(x.runsWith(v, t))
		n, unreadable := 0, 0
		for _, r := range runs {
			_, err := r.find(results)
			switch {
			case err == nil:
				n++
			case !errors.Is(err, runstore.ErrNotDone):
				unreadable++
			}
		}
		note := ""
		if unreadable > 0 {
			note = fmt.Sprintf(" (%d unreadable: reproduce report lists them)", unreadable)
		}
		if x.needsFSDD && v.fsdd == "" {
			note += " (skipped: no FSDD folder; set -fsdd or $" + fsdd.DirEnv + ")"
		}
		if x.wallpaperArms && v.wallpapers == "" {
			note += " (arms on photographs skipped: " + wallpapersAbsent(o) + ")"
		}
		fmt.Fprintf(e.stdout, "%-16s %3d/%3d runs done  %s%s\n", x.name, n, len(runs), x.title, note)
	}
	if len(t.blocked) > 0 {
		fmt.Fprintf(e.stdout, "%d tuned families wait for their tuning runs; their final runs are listed once those are done\n", len(t.blocked))
	}
	return exitOK, nil
}

func (e *environment) run(o *options) (int, error) {
	root, results, _, err := e.paths(o)
	if err != nil {
		return exitFailure, err
	}
	if err := checkFolders(results[:1], false); err != nil {
		return exitBadInput, err
	}
	v := variantOf(o)
	exps, runs, _, err := selected(o, v, results[:1])
	if err != nil {
		return exitBadInput, err
	}
	commit, dirty := codeState(root)
	if dirty && !o.quick && !o.allowDirty {
		return exitBadInput, fmt.Errorf("the code has uncommitted changes (git status of %s): commit them first, so that every run records the commit it ran; -allow-dirty runs anyway and marks the runs, which the report then refuses", strings.Join(codePaths, " "))
	}
	for _, x := range exps {
		if x.needsFSDD && v.fsdd == "" {
			fmt.Fprintf(e.stderr, "reproduce: %s skipped: no FSDD folder (set -fsdd DIR or $%s)\n", x.name, fsdd.DirEnv)
		}
		if x.wallpaperArms && v.wallpapers == "" {
			fmt.Fprintf(e.stderr, "reproduce: %s: arms on photographs' patches skipped: %s\n", x.name, wallpapersAbsent(o))
		}
	}
	tmp, err := os.MkdirTemp("", "reproduce-")
	if err != nil {
		return exitFailure, err
	}
	defer os.RemoveAll(tmp)
	rn := &runner{root: results[0], jobs: o.jobs, mnist: o.mnist, fsdd: v.fsdd, wallpapers: v.wallpapers, stderr: e.stderr,
		terminal: e.terminal, interrupt: e.interrupt, every: o.every, commit: commit, label: o.experiment,
		source: sourceDigest(root)}
	if rn.headless = o.headless; rn.headless == "" {
		rn.headless = filepath.Join(tmp, "headless")
		if err := goBuild(root, rn.headless, "./native/headless", nil); err != nil {
			return exitFailure, err
		}
	}
	if rn.self, err = os.Executable(); err != nil {
		return exitFailure, err
	}
	if needsWasm(runs) {
		if err := rn.buildWasm(root, tmp); err != nil {
			fmt.Fprintf(e.stderr, "reproduce: the wasm measurements will fail: %v\n", err)
		}
	}
	// Rounds: the final runs of tuned families appear once their tuning
	// runs are done, so the runs are listed again after each round
	// until a round brings nothing new.
	var failed int
	var stopped bool
	for round := 1; ; round++ {
		var f int
		f, stopped, err = rn.runAll(runs)
		failed += f
		if err != nil || stopped || f > 0 {
			break
		}
		_, next, t, serr := selected(o, v, results[:1])
		if serr != nil {
			return exitFailure, serr
		}
		// Only runs not listed in this round start another: a run left
		// to another process (its lock) must not make the rounds loop.
		listed := map[string]bool{}
		for _, r := range runs {
			listed[r.key()] = true
		}
		fresh := false
		for _, r := range next {
			fresh = fresh || !listed[r.key()]
		}
		if !fresh {
			if len(t.blocked) > 0 {
				fmt.Fprintf(e.stderr, "reproduce: %d tuned families still wait for tuning runs\n", len(t.blocked))
			}
			break
		}
		fmt.Fprintf(e.stderr, "reproduce: round %d: tuning selected new final runs\n", round+1)
		runs = next
	}
	switch {
	case err != nil:
		return exitFailure, err
	case stopped:
		return exitInterrupted, nil
	case failed > 0:
		return exitFailure, fmt.Errorf("%d runs failed; their error.txt says why; run the same command again to retry them", failed)
	}
	return exitOK, nil
}

// goBuild builds pkg into out from the module at root.
func goBuild(root, out, pkg string, env []string) error {
	c := exec.Command("go", "build", "-o", out, pkg)
	c.Dir = root
	c.Env = append(os.Environ(), env...)
	if b, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// sourceDigest returns the first 16 hex digits of the SHA-256 of the Go
// files (names and contents, in path order) under the folders the trainer
// is built from, or "" if they cannot be read.
func sourceDigest(root string) string {
	h := sha256.New()
	for _, dir := range []string{"engine", "kernels", "models", "native/headless"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
			h.Write(b)
			return nil
		})
		if err != nil {
			return ""
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// codePaths are the paths whose uncommitted changes make the code state
// dirty: everything a run's binaries are built from. Results and
// reports (docs/) are not among them, so that committing results as
// they land keeps the tree clean.
var codePaths = []string{"go.mod", "go.sum", "engine", "kernels", "models", "native"}

// codeState returns the code's commit: the last commit that changed a
// file under codePaths (12 hex digits), so that committing results
// between sessions leaves it unchanged, with "-dirty" when such a file
// is modified or untracked; and whether it is dirty. Outside a git
// checkout it is "unknown" (dirty).
func codeState(root string) (string, bool) {
	c := exec.Command("git", append([]string{"log", "-1", "--format=%h", "--abbrev=12", "--"}, codePaths...)...)
	c.Dir = root
	b, err := c.Output()
	commit := strings.TrimSpace(string(b))
	if err != nil || commit == "" {
		return "unknown", true
	}
	c = exec.Command("git", append([]string{"status", "--porcelain", "--untracked-files=normal", "--"}, codePaths...)...)
	c.Dir = root
	st, err := c.Output()
	if err != nil || len(bytes.TrimSpace(st)) > 0 {
		return commit + "-dirty", true
	}
	return commit, false
}

// cleanCommit reports whether a recorded commit is a clean code state.
func cleanCommit(commit string) bool {
	return commit != "" && commit != "unknown" && !strings.HasSuffix(commit, "-dirty")
}

func (e *environment) expand(o *options) (int, error) {
	root, results, _, err := e.paths(o)
	if err != nil {
		return exitFailure, err
	}
	if err := checkFolders(results[:1], false); err != nil {
		return exitBadInput, err
	}
	if _, dirty := codeState(root); dirty && !o.quick && !o.allowDirty {
		return exitBadInput, fmt.Errorf("the code has uncommitted changes (git status of %s): commit them first, so that every run records the commit it ran; -allow-dirty expands anyway, and the runs are marked", strings.Join(codePaths, " "))
	}
	v := variantOf(o)
	_, runs, t, err := selected(o, v, results[:1])
	if err != nil {
		return exitBadInput, err
	}
	pending := 0
	for _, r := range runs {
		dir := r.Dir(results[0])
		st, err := r.state(results[0])
		if st == runstore.Done {
			continue
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "expand: %v; the run is listed again\n", err)
		}
		if _, err := r.writeConfig(results[0]); err != nil {
			return exitFailure, err
		}
		pending++
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			rel = dir
		}
		fmt.Fprintln(e.stdout, execPrefix(rel)+expandCommand(r, rel, o.mnist, v.fsdd, v.wallpapers, st == runstore.Interrupted))
	}
	fmt.Fprintf(e.stderr, "expand: %d of %d runs pending; run the commands from %s; run expand again after an interruption (interrupted runs get -resume)\n",
		pending, len(runs), root)
	if len(t.blocked) > 0 {
		fmt.Fprintf(e.stderr, "expand: %d tuned families wait for their tuning runs: run expand again once these commands have finished to list their final runs\n", len(t.blocked))
	}
	return exitOK, nil
}

// expandCommand returns the shell command of one run, to be run from the
// module root.
func expandCommand(r *Run, dir, mnist, fsdd, wallpapers string, resume bool) string {
	cfg := filepath.Join(dir, runstore.ConfigFile)
	switch r.Kind {
	case kindCompute:
		cmd := fmt.Sprintf("go run ./native/reproduce computebench -job %s -out %s", cfg, dir)
		if job, ok := r.Job.(computeJob); ok && job.Target == "wasm" {
			cmd = `env PATH="$(go env GOROOT)/lib/wasm:$PATH" GOOS=js GOARCH=wasm ` + cmd
		}
		return cmd
	case kindCommunication:
		return fmt.Sprintf("go run ./native/reproduce communicationbench -job %s -out %s", cfg, dir)
	case kindRICA:
		cmd := fmt.Sprintf("go run ./native/reproduce ricabench -job %s -out %s", cfg, dir)
		if job, ok := r.Job.(ricaJob); ok && job.PatchData != "" && wallpapers != "" {
			cmd += " -wallpapers " + wallpapers
		}
		return cmd
	}
	cmd := fmt.Sprintf("go run ./native/headless -config %s -out %s -threads 1 -q", cfg, dir)
	if resume {
		cmd += " -resume"
	}
	if data := dataFolder(r.Config.Data, mnist, fsdd); data != "" {
		cmd += " -data " + data
	}
	return cmd
}
