package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/predparams/predparams/models"
)

// runner executes runs as child processes, jobs at a time, each on one
// thread, and keeps their results under root.
type runner struct {
	root string
	jobs int
	// headless is the trainer binary; self is this program, which runs
	// the measurement kinds.
	headless, self string
	// wasm, if set, is the js/wasm build of this program and node the
	// Node binary that runs it (experiment 7's wasm target).
	wasm, wasmExec, node string
	// mnist and fsdd are the data folders passed to the trainer ("" for
	// MNIST means the Go module's copy).
	mnist, fsdd string
	// commit describes the code that produced the results; label names
	// what the session runs ("all", an experiment).
	commit, label string
	// source is sourceDigest of the trainer's code.
	source string

	stderr    io.Writer
	terminal  bool
	interrupt <-chan os.Signal
	// every is the interval of progress lines.
	every time.Duration
}

// runRecord is run.json: where and how long a run ran, accumulated over
// the sessions that trained it.
type runRecord struct {
	Commit string `json:"commit"`
	// Source is a digest of the Go sources the trainer is built from
	// (engine, kernels, models, native/headless), which tells apart
	// uncommitted states of the code.
	Source      string  `json:"source,omitempty"`
	WallSeconds float64 `json:"wall_seconds"`
	Sessions    int     `json:"sessions"`
	Threads     int     `json:"threads"`
}

const recordFile = "run.json"

func readRecord(dir string) runRecord {
	var rec runRecord
	if b, err := os.ReadFile(filepath.Join(dir, recordFile)); err == nil {
		json.Unmarshal(b, &rec)
	}
	return rec
}

// finished is a child's end.
type finished struct {
	run     *Run
	err     error
	code    int
	output  []byte
	seconds float64
}

// defaultRate is the ETA's seconds per estimated multiply-add before any
// run has finished (the dense MLP's 10 epochs take about 30 s on one
// thread).
const defaultRate = 3e-11

// exitInterrupted is the trainer's status after a checkpoint on SIGINT.
const exitInterrupted = 130

// runAll runs every run not yet done and reports how many failed and
// whether an interrupt stopped the session.
func (rn *runner) runAll(runs []*Run) (failed int, stopped bool, err error) {
	runs = dedupe(runs)
	var queue []*Run
	doneN := 0
	var doneCost, doneSecs float64
	for _, r := range runs {
		dir := r.Dir(rn.root)
		if stateIn(dir) == done {
			doneN++
			if rec := readRecord(dir); rec.WallSeconds > 0 {
				doneCost += r.Cost
				doneSecs += rec.WallSeconds
			}
			continue
		}
		if _, err := r.writeConfig(rn.root); err != nil {
			return 0, false, err
		}
		queue = append(queue, r)
	}
	// Seed 1 of every point first, then seed 2, …: an interrupted grid
	// still has whole curves.
	// Exclusive runs (timings) come last.
	sort.SliceStable(queue, func(i, j int) bool {
		a, b := queue[i], queue[j]
		if a.Exclusive != b.Exclusive {
			return b.Exclusive
		}
		return a.Seed < b.Seed
	})
	total := len(runs)
	fmt.Fprintf(rn.stderr, "reproduce: %d runs, %d already done, %d to run on %d jobs; results in %s\n",
		total, doneN, len(queue), rn.jobs, rn.root)
	if len(queue) == 0 {
		return 0, false, nil
	}

	start := time.Now()
	results := make(chan finished)
	running := map[*Run]*exec.Cmd{}
	started := map[*Run]time.Time{}
	var mu sync.Mutex // guards running (children register their Cmd)
	rate := defaultRate
	if doneSecs > 0 {
		rate = doneSecs / doneCost
	}
	tick := time.NewTicker(rn.every)
	defer tick.Stop()
	status := func() string {
		left := 0.0
		for _, r := range queue {
			left += r.Cost
		}
		for r, t := range started {
			left += max(r.Cost-time.Since(t).Seconds()/rate, 0)
		}
		eta := time.Duration(left * rate / float64(rn.jobs) * float64(time.Second)).Round(time.Second)
		return fmt.Sprintf("reproduce: %d/%d done (%d failed), %d running, %d left; elapsed %s, ETA %s",
			doneN, total, failed, len(started), len(queue), time.Since(start).Round(time.Second), eta)
	}
	show := func(line string) {
		if rn.terminal {
			fmt.Fprintf(rn.stderr, "\r\x1b[K%s", line)
			return
		}
		fmt.Fprintln(rn.stderr, line)
	}
	note := func(format string, args ...any) {
		if rn.terminal {
			fmt.Fprint(rn.stderr, "\r\x1b[K")
		}
		fmt.Fprintf(rn.stderr, format+"\n", args...)
	}
	launch := func(r *Run) {
		started[r] = time.Now()
		go func() {
			f := rn.execute(r, func(c *exec.Cmd) {
				mu.Lock()
				running[r] = c
				mu.Unlock()
			})
			mu.Lock()
			delete(running, r)
			mu.Unlock()
			results <- f
		}()
	}
	var newCost, newSecs float64
	finishedN := 0
	for len(queue) > 0 || len(started) > 0 {
		for !stopped && len(started) < rn.jobs && len(queue) > 0 {
			if queue[0].Exclusive && len(started) > 0 {
				break // wait until nothing else runs
			}
			launch(queue[0])
			queue = queue[1:]
			if len(started) == 1 && queue0Exclusive(started) {
				break
			}
		}
		select {
		case <-rn.interrupt:
			if !stopped {
				stopped = true
				note("reproduce: interrupted: the running trainers write their checkpoints; run the same command again to resume")
				mu.Lock()
				for _, c := range running {
					c.Process.Signal(os.Interrupt)
				}
				mu.Unlock()
				queue = nil
			}
		case f := <-results:
			delete(started, f.run)
			switch {
			case f.err == nil:
				doneN++
				finishedN++
				newCost += f.run.Cost
				newSecs += f.seconds
				rate = (doneSecs + newSecs) / (doneCost + newCost)
				note("done %s: %s (%.0f s)", f.run.describe(), outcome(f.run, rn.root), f.seconds)
			case stopped && f.code == exitInterrupted:
				note("checkpointed %s", f.run.describe())
			default:
				failed++
				note("FAILED %s: %v; see %s", f.run.describe(), f.err, filepath.Join(f.run.Dir(rn.root), errorFile))
			}
		case <-tick.C:
		}
		if len(started) > 0 || len(queue) > 0 {
			show(status())
		}
	}
	if rn.terminal {
		fmt.Fprint(rn.stderr, "\r\x1b[K")
	}
	fmt.Fprintf(rn.stderr, "reproduce: %d/%d done, %d failed, in %s\n", doneN, total, failed, time.Since(start).Round(time.Second))
	rec := sessionRecord{Label: rn.label, Commit: rn.commit, Source: rn.source, Jobs: rn.jobs, Finished: finishedN, Failed: failed,
		Interrupted: stopped, WallSeconds: time.Since(start).Seconds()}
	return failed, stopped, rn.logSession(rec)
}

// sessionRecord is one line of sessions.jsonl: a run command's session.
type sessionRecord struct {
	Label       string  `json:"label"`
	Commit      string  `json:"commit"`
	Source      string  `json:"source,omitempty"`
	Jobs        int     `json:"jobs"`
	Finished    int     `json:"finished"`
	Failed      int     `json:"failed"`
	Interrupted bool    `json:"interrupted"`
	WallSeconds float64 `json:"wall_seconds"`
}

const sessionsFile = "sessions.jsonl"

// logSession appends rec to the results folder's sessions.jsonl.
func (rn *runner) logSession(rec sessionRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(rn.root, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(rn.root, sessionsFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// queue0Exclusive reports whether the one started run is exclusive.
func queue0Exclusive(started map[*Run]time.Time) bool {
	for r := range started {
		return r.Exclusive
	}
	return false
}

// outcome summarises a finished run's summary for its progress line.
func outcome(r *Run, root string) string {
	b, err := os.ReadFile(filepath.Join(r.Dir(root), summaryFile))
	if err != nil {
		return "no summary"
	}
	if r.Kind != kindTrain {
		return "measured"
	}
	var s models.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return "unreadable summary"
	}
	return fmt.Sprintf("test error %.2f%%, fraction learned %.4f", 100*s.TestError, s.FractionLearned)
}

// command returns the child process of a run: the trainer for a training
// run (resuming from its checkpoint if there is one), this program's
// measurement subcommands otherwise.
func (rn *runner) command(r *Run) []string {
	dir := r.Dir(rn.root)
	cfg := filepath.Join(dir, "config.json")
	switch r.Kind {
	case kindStep:
		if job, ok := r.Job.(stepJob); ok && job.Target == "wasm" {
			return []string{rn.node, rn.wasmExec, rn.wasm, "stepbench", "-job", cfg, "-out", dir}
		}
		return []string{rn.self, "stepbench", "-job", cfg, "-out", dir}
	case kindDist:
		return []string{rn.self, "distbench", "-job", cfg, "-out", dir}
	}
	args := []string{rn.headless, "-config", cfg, "-out", dir, "-threads", "1", "-q", "-progress", "none"}
	if stateIn(dir) == interrupted {
		args = append(args, "-resume")
	}
	if d := rn.dataDir(r.Config.Data); d != "" {
		args = append(args, "-data", d)
	}
	return args
}

// dataDir returns the folder the trainer reads a data set from.
func (rn *runner) dataDir(data string) string {
	if strings.HasPrefix(data, "fsdd") {
		return rn.fsdd
	}
	return rn.mnist
}

// execute runs one child to its end and records it.
func (rn *runner) execute(r *Run, started func(*exec.Cmd)) finished {
	dir := r.Dir(rn.root)
	args := rn.command(r)
	c := exec.Command(args[0], args[1:]...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	t0 := time.Now()
	f := finished{run: r}
	if err := c.Start(); err != nil {
		f.err = err
		rn.fail(dir, args, err, nil)
		return f
	}
	started(c)
	err := c.Wait()
	f.seconds = time.Since(t0).Seconds()
	f.output = out.Bytes()
	rec := readRecord(dir)
	rec.Commit, rec.Source, rec.Threads = rn.commit, rn.source, 1
	rec.WallSeconds += f.seconds
	rec.Sessions++
	if b, jerr := json.MarshalIndent(rec, "", "  "); jerr == nil {
		os.WriteFile(filepath.Join(dir, recordFile), append(b, '\n'), 0o644)
	}
	var exit *exec.ExitError
	switch {
	case err == nil && stateIn(dir) != done:
		err = errors.New("exited without writing summary.json")
	case errors.As(err, &exit):
		f.code = exit.ExitCode()
	}
	if err != nil {
		f.err = err
		if f.code != exitInterrupted {
			rn.fail(dir, args, err, f.output)
		}
		return f
	}
	// A finished run never resumes: its checkpoint (megabytes of
	// parameters and optimizer state) goes.
	os.Remove(filepath.Join(dir, errorFile))
	os.Remove(filepath.Join(dir, checkpointFile))
	return f
}

// fail writes error.txt: the command, the error and the end of the
// child's output.
func (rn *runner) fail(dir string, args []string, err error, output []byte) {
	const tail = 4000
	if len(output) > tail {
		output = output[len(output)-tail:]
	}
	msg := fmt.Sprintf("command: %s\nerror: %v\n%s", strings.Join(args, " "), err, output)
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, errorFile), []byte(msg), 0o644)
}
