package main

import (
	"bytes"
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
	"github.com/predparams/predparams/native/reproduce/runstore"
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
	// wallpapers is the photographs' folder passed to ricabench.
	wallpapers string
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
	// locker takes the runs' locks.
	locker *runstore.Locker
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

// A plan is what a session has to do: the runs already done (with the
// cost and recorded seconds of those that have a wall time, for the ETA)
// and the queue of the others, in starting order.
type plan struct {
	done               int
	doneCost, doneSecs float64
	queue              []*Run
	// redo lists why runs with a summary.json that is not complete
	// are run again.
	redo []error
}

// planRuns sorts runs (deduplicated) into a plan under root. The queue
// has seed 1 of every point first, then seed 2, …, so that an
// interrupted grid still has whole curves; exclusive runs (timings) come
// last. Within that order the runs keep theirs.
func planRuns(runs []*Run, root string) (plan, error) {
	var p plan
	for _, r := range dedupe(runs) {
		st, err := r.state(root)
		if st == runstore.Done {
			p.done++
			if rec := runstore.ReadRecord(r.Dir(root)); rec.WallSeconds > 0 {
				p.doneCost += r.Cost
				p.doneSecs += rec.WallSeconds
			}
			continue
		}
		var unreadable *runstore.UnreadableError
		switch {
		case errors.As(err, &unreadable):
			p.redo = append(p.redo, err)
		case err != nil:
			return plan{}, err
		}
		p.queue = append(p.queue, r)
	}
	sort.SliceStable(p.queue, func(i, j int) bool {
		a, b := p.queue[i], p.queue[j]
		if a.Exclusive != b.Exclusive {
			return b.Exclusive
		}
		return a.Seed < b.Seed
	})
	return p, nil
}

// runAll runs every run not yet done and reports how many failed and
// whether an interrupt stopped the session. A run whose lock another
// process holds is skipped: that process runs it.
func (rn *runner) runAll(runs []*Run) (failed int, stopped bool, err error) {
	runs = dedupe(runs)
	p, err := planRuns(runs, rn.root)
	if err != nil {
		return 0, false, err
	}
	for _, err := range p.redo {
		fmt.Fprintf(rn.stderr, "reproduce: %v; the run starts again\n", err)
	}
	for _, r := range p.queue {
		if _, err := r.writeConfig(rn.root); err != nil {
			return 0, false, err
		}
	}
	queue, doneN, doneCost, doneSecs := p.queue, p.done, p.doneCost, p.doneSecs
	total := len(runs)
	fmt.Fprintf(rn.stderr, "reproduce: %d runs, %d already done, %d to run on %d jobs; results in %s\n",
		total, doneN, len(queue), rn.jobs, rn.root)
	if len(queue) == 0 {
		return 0, false, nil
	}
	if rn.locker == nil {
		rn.locker = runstore.NewLocker()
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
	// launch takes r's lock and starts it, or says why it did not: a
	// run another process holds or has finished meanwhile is skipped.
	elsewhere := 0
	launch := func(r *Run) bool {
		lock, err := rn.locker.Acquire(r.Dir(rn.root))
		var held *runstore.LockedError
		switch {
		case errors.As(err, &held):
			elsewhere++
			note("skipped %s: %v", r.describe(), err)
			return false
		case err != nil:
			failed++
			note("FAILED %s: %v", r.describe(), err)
			return false
		}
		if st, _ := r.state(rn.root); st == runstore.Done {
			lock.Release()
			doneN++
			note("done %s: finished by another process", r.describe())
			return false
		}
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
			if err := lock.Release(); err != nil && f.err == nil {
				f.err = err
			}
			results <- f
		}()
		return true
	}
	var newCost, newSecs float64
	finishedN := 0
	for len(queue) > 0 || len(started) > 0 {
		for !stopped && len(started) < rn.jobs && len(queue) > 0 {
			if queue[0].Exclusive && len(started) > 0 {
				break // wait until nothing else runs
			}
			r := queue[0]
			queue = queue[1:]
			if !launch(r) {
				continue
			}
			if len(started) == 1 && queue0Exclusive(started) {
				break
			}
		}
		if len(started) == 0 {
			continue // every run left was skipped
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
				note("FAILED %s: %v; see %s", f.run.describe(), f.err, filepath.Join(f.run.Dir(rn.root), runstore.ErrorFile))
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
	if elsewhere > 0 {
		fmt.Fprintf(rn.stderr, "reproduce: %d runs were left to another process that holds their lock; run the same command again once it has finished\n", elsewhere)
	}
	rec := runstore.Session{Label: rn.label, Commit: rn.commit, Source: rn.source, Jobs: rn.jobs, Finished: finishedN, Failed: failed,
		Interrupted: stopped, WallSeconds: time.Since(start).Seconds()}
	return failed, stopped, runstore.AppendSession(rn.root, rec)
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
	res, err := runstore.Read(r.Dir(root), r.check)
	if err != nil {
		return "no summary"
	}
	switch s := res.Summary.(type) {
	case *models.Summary:
		return fmt.Sprintf("test error %.2f%%, fraction learned %.4f", 100*s.TestError, s.FractionLearned)
	case *ricaSummary:
		return fmt.Sprintf("test error %.2f%%, %d RICA parameters", 100*s.TestError, s.Params)
	}
	return "measured"
}

// command returns the child process of a run: the trainer for a training
// run (resuming from its checkpoint if there is one), this program's
// measurement subcommands otherwise.
func (rn *runner) command(r *Run) []string {
	dir := r.Dir(rn.root)
	cfg := filepath.Join(dir, runstore.ConfigFile)
	switch r.Kind {
	case kindCompute:
		if job, ok := r.Job.(computeJob); ok && job.Target == "wasm" {
			return []string{rn.node, rn.wasmExec, rn.wasm, "computebench", "-job", cfg, "-out", dir}
		}
		return []string{rn.self, "computebench", "-job", cfg, "-out", dir}
	case kindCommunication:
		return []string{rn.self, "communicationbench", "-job", cfg, "-out", dir}
	case kindRICA:
		args := []string{rn.self, "ricabench", "-job", cfg, "-out", dir}
		if job, ok := r.Job.(ricaJob); ok && job.PatchData != "" && rn.wallpapers != "" {
			args = append(args, "-wallpapers", rn.wallpapers)
		}
		return args
	}
	args := []string{rn.headless, "-config", cfg, "-out", dir, "-threads", "1", "-q", "-progress", "none"}
	if st, _ := r.state(rn.root); st == runstore.Interrupted {
		args = append(args, "-resume")
	}
	if d := rn.dataDir(r.Config.Data); d != "" {
		args = append(args, "-data", d)
	}
	return args
}

// dataDir returns the folder the trainer reads a data set from.
func (rn *runner) dataDir(data string) string { return dataFolder(data, rn.mnist, rn.fsdd) }

// dataFolder returns the folder of a data set given the MNIST and FSDD
// folders: "" (the trainer's default) for Fashion-MNIST, which has its
// own (datasets.FashionDir).
func dataFolder(data, mnist, fsdd string) string {
	switch {
	case strings.HasPrefix(data, "fsdd"):
		return fsdd
	case strings.HasPrefix(data, "fashion"):
		return ""
	}
	return mnist
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
	runstore.AddSession(dir, rn.commit, rn.source, f.seconds)
	var exit *exec.ExitError
	if err == nil {
		if st, serr := r.state(rn.root); st != runstore.Done {
			err = errors.New("exited without writing a complete summary.json")
			if serr != nil {
				err = fmt.Errorf("exited without writing a complete summary.json: %v", serr)
			}
		}
	}
	if errors.As(err, &exit) {
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
	os.Remove(filepath.Join(dir, runstore.ErrorFile))
	os.Remove(filepath.Join(dir, runstore.CheckpointFile))
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
	runstore.WriteFileAtomic(filepath.Join(dir, runstore.ErrorFile), []byte(msg))
}
