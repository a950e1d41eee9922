package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/native/reproduce/runstore"
)

// testRuns returns four runs of a small grid: seeds 1 and 2 of two
// points, and an exclusive compute run.
func testRuns() []*Run {
	var runs []*Run
	for _, seed := range []int{2, 1} {
		for _, f := range []float64{0.1, 0.2} {
			c := mlp("t", "mnist", "relu", []layerSpec{{20, predict("se", f, 1)}},
				models.TrainConfig{Epochs: 2, Batch: 10, Seed: uint64(seed), Optimizer: adam()})
			runs = append(runs, trainRun("e", "a", f, seed, c))
		}
	}
	job := computeJob{Target: "native", Repeat: 1, Batch: 10, Steps: 1, Fractions: []float64{0.5}}
	runs = append(runs, &Run{Exp: "c", Kind: kindCompute, Job: job, Arm: "native", Seed: 1, Cost: 1, Exclusive: true})
	return runs
}

// store writes the files of run r under root.
func store(t *testing.T, root string, r *Run, files map[string]string) {
	t.Helper()
	dir := r.Dir(root)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// complete returns a complete summary.json for a training run.
func complete(t *testing.T, r *Run) string {
	b, err := json.Marshal(fakeSummary(r.Config, 0.02))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPlanRuns(t *testing.T) {
	runs := testRuns()
	s1a, s1b, s2a := runs[2], runs[3], runs[0]
	tests := []struct {
		name  string
		setup func(t *testing.T, root string)
		// done is the count of done runs; queue the runs to run, in
		// order (indexes into testRuns); redo the count of runs with an
		// unreadable summary.
		done  int
		queue []int
		redo  int
	}{
		{"nothing stored: seed 1 first, the exclusive run last", func(*testing.T, string) {}, 0, []int{2, 3, 0, 1, 4}, 0},
		{"one done", func(t *testing.T, root string) {
			store(t, root, s1a, map[string]string{"summary.json": complete(t, s1a), "run.json": `{"wall_seconds": 30}`})
		}, 1, []int{3, 0, 1, 4}, 0},
		{"interrupted runs stay queued", func(t *testing.T, root string) {
			store(t, root, s2a, map[string]string{"checkpoint.ckpt": "x"})
		}, 0, []int{2, 3, 0, 1, 4}, 0},
		{"a truncated summary is run again", func(t *testing.T, root string) {
			store(t, root, s1b, map[string]string{"summary.json": complete(t, s1b)[:40]})
		}, 0, []int{2, 3, 0, 1, 4}, 1},
		{"a summary short of epochs is run again", func(t *testing.T, root string) {
			s := fakeSummary(s1b.Config, 0.02)
			s.Epochs, s.History = 1, s.History[:1]
			b, _ := json.Marshal(s)
			store(t, root, s1b, map[string]string{"summary.json": string(b)})
		}, 0, []int{2, 3, 0, 1, 4}, 1},
		{"an error.txt alone is not done", func(t *testing.T, root string) {
			store(t, root, s1a, map[string]string{"error.txt": "command: x\nerror: exit status 1\n"})
		}, 0, []int{2, 3, 0, 1, 4}, 0},
		{"everything done", func(t *testing.T, root string) {
			for _, r := range runs[:4] {
				store(t, root, r, map[string]string{"summary.json": complete(t, r)})
			}
			b, _ := json.Marshal(computeSummary{Target: "native", Layers: make([]computeLayer, len(computeShapes)),
				Net: []computePoint{{Fraction: 0.5}}})
			var s computeSummary
			json.Unmarshal(b, &s)
			for i := range s.Layers {
				s.Layers[i].Points = []computePoint{{Fraction: 0.5}}
			}
			b, _ = json.Marshal(s)
			store(t, root, runs[4], map[string]string{"summary.json": string(b)})
		}, 5, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			tt.setup(t, root)
			// The grid lists a run twice: it is planned once.
			p, err := planRuns(append(testRuns(), testRuns()[0]), root)
			if err != nil {
				t.Fatal(err)
			}
			var queue []int
			for _, q := range p.queue {
				for i, r := range runs {
					if r.key() == q.key() {
						queue = append(queue, i)
					}
				}
			}
			if p.done != tt.done || len(p.redo) != tt.redo || !equalInts(queue, tt.queue) {
				t.Errorf("done %d, queue %v, redo %v; want %d, %v, %d", p.done, queue, p.redo, tt.done, tt.queue, tt.redo)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPlanRate checks the ETA's inputs: only done runs with a recorded
// wall time count.
func TestPlanRate(t *testing.T) {
	root := t.TempDir()
	runs := testRuns()
	store(t, root, runs[0], map[string]string{"summary.json": complete(t, runs[0]), "run.json": `{"wall_seconds": 30}`})
	store(t, root, runs[1], map[string]string{"summary.json": complete(t, runs[1])})
	p, err := planRuns(runs, root)
	if err != nil {
		t.Fatal(err)
	}
	if p.done != 2 || p.doneSecs != 30 || p.doneCost != runs[0].Cost {
		t.Errorf("plan %+v: want 2 done, 30 s over the cost of one run (%g)", p, runs[0].Cost)
	}
}

func TestRunnerCommand(t *testing.T) {
	root := t.TempDir()
	runs := testRuns()
	rn := &runner{root: root, headless: "HEADLESS", self: "SELF", node: "NODE", wasmExec: "EXEC", wasm: "WASM", mnist: "MNIST", fsdd: "FSDD"}
	fsddRun := trainRun("e", "a", 0.1, 1, testConfig(1, 2))
	fsddRun.Config.Data = "fsdd"
	wasmRun := &Run{Exp: "c", Kind: kindCompute, Job: computeJob{Target: "wasm"}}
	commRun := &Run{Exp: "m", Kind: kindCommunication, Job: communicationJob{Workers: 2}}
	store(t, root, runs[1], map[string]string{"checkpoint.ckpt": "x"})
	tests := []struct {
		name string
		run  *Run
		want string
	}{
		{"pending training run", runs[0], "HEADLESS -config D/config.json -out D -threads 1 -q -progress none -data MNIST"},
		{"interrupted training run resumes", runs[1], "HEADLESS -config D/config.json -out D -threads 1 -q -progress none -resume -data MNIST"},
		{"FSDD data", fsddRun, "HEADLESS -config D/config.json -out D -threads 1 -q -progress none -data FSDD"},
		{"compute, native", runs[4], "SELF computebench -job D/config.json -out D"},
		{"compute, wasm", wasmRun, "NODE EXEC WASM computebench -job D/config.json -out D"},
		{"communication", commRun, "SELF communicationbench -job D/config.json -out D"},
	}
	for _, tt := range tests {
		got := strings.ReplaceAll(strings.Join(rn.command(tt.run), " "), tt.run.Dir(root), "D")
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	rn.mnist = ""
	if got := strings.Join(rn.command(runs[0]), " "); strings.Contains(got, "-data") {
		t.Errorf("no MNIST folder, yet %s", got)
	}
}

func TestExpandCommand(t *testing.T) {
	train := trainRun("e", "a", 0.1, 1, testConfig(1, 2))
	fsddRun := trainRun("e", "a", 0.1, 1, testConfig(1, 2))
	fsddRun.Config.Data = "fsdd"
	tests := []struct {
		name   string
		run    *Run
		resume bool
		want   string
	}{
		{"training", train, false, "go run ./native/headless -config R/config.json -out R -threads 1 -q -data M"},
		{"training, resumed", train, true, "go run ./native/headless -config R/config.json -out R -threads 1 -q -resume -data M"},
		{"FSDD", fsddRun, false, "go run ./native/headless -config R/config.json -out R -threads 1 -q -data F"},
		{"compute", &Run{Kind: kindCompute, Job: computeJob{Target: "native"}}, true, "go run ./native/reproduce computebench -job R/config.json -out R"},
		{"compute, wasm", &Run{Kind: kindCompute, Job: computeJob{Target: "wasm"}}, false,
			`env PATH="$(go env GOROOT)/lib/wasm:$PATH" GOOS=js GOARCH=wasm go run ./native/reproduce computebench -job R/config.json -out R`},
		{"communication", &Run{Kind: kindCommunication, Job: communicationJob{}}, false, "go run ./native/reproduce communicationbench -job R/config.json -out R"},
	}
	for _, tt := range tests {
		if got := expandCommand(tt.run, "R", "M", "F", "W", tt.resume); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// runnerBinary returns the program that plays reproduce in the
// concurrency test: this test binary, or $REPRODUCE_TEST_RUNNER (to run
// the test against another build, such as one from before the locks).
func runnerBinary(t *testing.T) string {
	if b := os.Getenv("REPRODUCE_TEST_RUNNER"); b != "" {
		return b
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return self
}

// TestTwoRunnersOneFolder runs two reproduce processes on one results
// folder at once, with a fake trainer, and checks that every run was
// trained once and has one complete result: its epochs once each, in
// order, and a session count that adds up.
func TestTwoRunnersOneFolder(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	results, log := filepath.Join(dir, "results"), filepath.Join(dir, "trainer.log")
	start := func() (*exec.Cmd, *bytes.Buffer) {
		c := exec.Command(runnerBinary(t), "run", "-quick", "-jobs", "2", "-headless", self, "-results", results, "columns")
		c.Env = append(os.Environ(), "REPRODUCE_TEST_AS=1", "FAKE_TRAINER_LOG="+log, "FAKE_EPOCH_MS=150")
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		return c, &out
	}
	a, aout := start()
	b, bout := start()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, c := range []*exec.Cmd{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.Wait() }()
	}
	wg.Wait()
	t.Logf("first runner:\n%s\nsecond runner:\n%s", aout, bout)
	for i, err := range errs {
		if err != nil {
			t.Errorf("runner %d: %v", i+1, err)
		}
	}

	runs := dedupe(expColumns().runs(variant{quick: true}))
	trained := map[string]int{}
	if f, err := os.Open(log); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			trained[strings.Fields(sc.Text())[0]]++
		}
		f.Close()
	}
	for _, r := range runs {
		d := r.Dir(results)
		if n := trained[d]; n != 1 {
			t.Errorf("%s trained %d times, want once", r.key(), n)
		}
		if st, err := r.state(results); st != runstore.Done || err != nil {
			t.Errorf("%s: state %v, %v; want done", r.key(), st, err)
		}
		lines := readLines(t, filepath.Join(d, runstore.MetricsFile))
		if len(lines) != r.Config.Train.Epochs {
			t.Errorf("%s: metrics.jsonl has %d lines, want %d:\n%s", r.key(), len(lines), r.Config.Train.Epochs, strings.Join(lines, "\n"))
		}
		for i, l := range lines {
			var m struct{ Epoch int }
			if json.Unmarshal([]byte(l), &m) != nil || m.Epoch != i+1 {
				t.Errorf("%s: metrics line %d is %q, want epoch %d", r.key(), i+1, l, i+1)
			}
		}
		if ok, _ := runstore.Exists(filepath.Join(d, runstore.LockFile)); ok {
			t.Errorf("%s: lock left behind", r.key())
		}
		if rec := runstore.ReadRecord(d); rec.Sessions != 1 {
			t.Errorf("%s: run.json counts %d sessions, want 1", r.key(), rec.Sessions)
		}
	}
	finished := 0
	for _, s := range runstore.ReadSessions(results) {
		finished += s.Finished
	}
	if finished != len(runs) {
		t.Errorf("sessions.jsonl: %d runs finished, want %d", finished, len(runs))
	}
}

func readLines(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v", err)
		return nil
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestRunSkipsLockedRun holds a run's lock as another live process and
// checks that a session leaves that run alone and says so.
func TestRunSkipsLockedRun(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(t.TempDir(), "results")
	runs := dedupe(expColumns().runs(variant{quick: true}))
	held := runs[1]
	lk := &runstore.Locker{PID: os.Getpid(), Host: runstore.NewLocker().Host, Alive: func(int) bool { return true }, Grace: time.Minute}
	lock, err := lk.Acquire(held.Dir(results))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	t.Setenv("REPRODUCE_TEST_AS", "1") // the runner's children are the fake trainer
	var stderr bytes.Buffer
	e := &environment{stdout: &bytes.Buffer{}, stderr: &stderr, getenv: func(string) string { return "" }, interrupt: make(chan os.Signal)}
	code := e.main([]string{"run", "-quick", "-jobs", "1", "-headless", self, "-results", results, "columns"})
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	for _, r := range runs {
		st, _ := r.state(results)
		if want := runstore.Done; r == held {
			want = runstore.Pending
			if st != want {
				t.Errorf("the locked run %s is %v, want %v", r.key(), st, want)
			}
		} else if st != want {
			t.Errorf("%s is %v, want %v", r.key(), st, want)
		}
	}
	for _, want := range []string{"skipped " + held.describe(), "held by process", "1 runs were left to another process"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	var le *runstore.LockedError
	if _, err := lk.Acquire(held.Dir(results)); !errors.As(err, &le) {
		t.Errorf("the lock was taken from its holder: %v", err)
	}
}

// TestResume leaves one run of the quick columns grid interrupted (a
// checkpoint), one done and one failed, and checks what a session does:
// it resumes the first, keeps the second, retries the third and runs the
// fourth from the start, then removes the checkpoint and error.txt.
func TestResume(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	results, log := filepath.Join(dir, "results"), filepath.Join(dir, "trainer.log")
	runs := dedupe(expColumns().runs(variant{quick: true}))
	interrupted, done, failed, fresh := runs[0], runs[1], runs[2], runs[3]
	store(t, results, interrupted, map[string]string{"checkpoint.ckpt": "x", "metrics.jsonl": "{}\n"})
	store(t, results, done, map[string]string{"summary.json": complete(t, done), "run.json": `{"wall_seconds": 5, "sessions": 1}`})
	store(t, results, failed, map[string]string{"error.txt": "command: x\nerror: exit status 1\n"})
	t.Setenv("REPRODUCE_TEST_AS", "1")
	t.Setenv("FAKE_TRAINER_LOG", log)
	e, _, stderr := testEnv()
	if code := e.main([]string{"run", "-quick", "-jobs", "1", "-headless", self, "-results", results, "columns"}); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "4 runs, 1 already done, 3 to run on 1 jobs") {
		t.Errorf("the plan line is missing:\n%s", stderr)
	}
	want := map[string]string{
		interrupted.Dir(results): interrupted.Dir(results) + " -resume",
		failed.Dir(results):      failed.Dir(results),
		fresh.Dir(results):       fresh.Dir(results),
	}
	lines := readLines(t, log)
	if len(lines) != len(want) {
		t.Errorf("the trainer ran %d times, want %d: %v", len(lines), len(want), lines)
	}
	for _, l := range lines {
		if want[strings.Fields(l)[0]] != l {
			t.Errorf("trainer started as %q", l)
		}
	}
	for _, r := range runs {
		if st, err := r.state(results); st != runstore.Done || err != nil {
			t.Errorf("%s: %v, %v", r.key(), st, err)
		}
		for _, gone := range []string{runstore.CheckpointFile, runstore.ErrorFile} {
			if ok, _ := runstore.Exists(filepath.Join(r.Dir(results), gone)); ok {
				t.Errorf("%s: %s left after the run finished", r.key(), gone)
			}
		}
	}
	if rec := runstore.ReadRecord(done.Dir(results)); rec.Sessions != 1 || rec.WallSeconds != 5 {
		t.Errorf("the done run's record changed: %+v", rec)
	}
}
