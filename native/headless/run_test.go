package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/predparams/predparams/engine/checkpoint"
	"github.com/predparams/predparams/engine/data/datatest"
)

const tinyConfig = `{
  "name": "tiny",
  "layers": [
    {"type": "dense", "units": 32, "act": "relu"},
    {"type": "dense", "units": 10}
  ],
  "train": {"epochs": 2, "batch": 50, "seed": 3, "train_examples": 600,
            "optimizer": {"kind": "adam", "lr": 0.002}}
}`

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCLI runs the program in-process and returns its status and output.
func runCLI(t *testing.T, afterStep func(int64), args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr, nil, afterStep)
	return code, stdout.String(), stderr.String()
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", tinyConfig)
	cfg := func(name, body string) string { return writeFile(t, dir, name, body) }
	goodImages := datatest.Images(4)
	corrupt := filepath.Join(dir, "corrupt")
	os.MkdirAll(corrupt, 0o755)
	os.WriteFile(filepath.Join(corrupt, "checkpoint.ckpt"), []byte("PPCKPT garbage that is not a checkpoint"), 0o644)

	emptyTest := datatest.MNISTDir(t, nil)
	os.WriteFile(filepath.Join(emptyTest, "t10k-images-idx3-ubyte"), datatest.Images(0), 0o644)
	os.WriteFile(filepath.Join(emptyTest, "t10k-labels-idx1-ubyte"), datatest.IDX(0x801, []uint32{0}, nil), 0o644)

	cases := []struct {
		name string
		args []string
		want string // a piece of the error line
	}{
		{"missing config", []string{"-config", filepath.Join(dir, "nope.json")}, "no such file"},
		{"no config", nil, "-config FILE is required"},
		{"unknown field", []string{"-config", cfg("u.json", strings.Replace(tinyConfig, `"name"`, `"nmae"`, 1))}, `unknown field "nmae"`},
		{"unknown layer field", []string{"-config", cfg("ul.json", strings.Replace(tinyConfig, `"units": 32`, `"unit": 32`, 1))}, `unknown field "unit"`},
		{"bad json", []string{"-config", cfg("b.json", `{"name": "x",`)}, "JSON"},
		{"zero units", []string{"-config", cfg("z.json", strings.Replace(tinyConfig, `"units": 32`, `"units": 0`, 1))}, "units 0"},
		{"negative units", []string{"-config", cfg("n.json", strings.Replace(tinyConfig, `"units": 32`, `"units": -5`, 1))}, "units -5"},
		{"zero lr", []string{"-config", cfg("lr0.json", strings.Replace(tinyConfig, `"lr": 0.002`, `"lr": 0`, 1))}, "learning rate"},
		{"negative lr", []string{"-config", cfg("lrn.json", strings.Replace(tinyConfig, `"lr": 0.002`, `"lr": -1`, 1))}, "learning rate"},
		{"zero batch", []string{"-config", cfg("b0.json", strings.Replace(tinyConfig, `"batch": 50`, `"batch": 0`, 1))}, "batch"},
		{"wrong output width", []string{"-config", cfg("w.json", strings.Replace(tinyConfig, `"units": 10`, `"units": 7`, 1))}, "10 classes"},
		{"negative epochs", []string{"-config", good, "-epochs", "-3"}, "-epochs"},
		{"huge epochs", []string{"-config", good, "-epochs", "9223372036854775807"}, "want 1 to 1000000"},
		{"zero threads", []string{"-config", good, "-threads", "0"}, "-threads"},
		{"unknown flag", []string{"-config", good, "-frobnicate"}, "frobnicate"},
		{"stray argument", []string{"-config", good, "extra"}, "unexpected argument"},
		{"empty data dir", []string{"-config", good, "-data", t.TempDir()}, "train-images"},
		{"wrong magic", []string{"-config", good, "-data", datatest.MNISTDir(t, datatest.IDX(0x801, []uint32{4, 28, 28}, make([]byte, 4*784)))}, "magic"},
		{"truncated", []string{"-config", good, "-data", datatest.MNISTDir(t, goodImages[:1000])}, "truncated"},
		{"wrong dims", []string{"-config", good, "-data", datatest.MNISTDir(t, datatest.IDX(0x803, []uint32{4, 32, 32}, make([]byte, 4*1024)))}, "32"},
		{"no checkpoint", []string{"-config", good, "-resume", "-out", t.TempDir()}, "no checkpoint"},
		{"config /dev/zero", []string{"-config", "/dev/zero"}, "not a config"},
		{"resume -seed", []string{"-config", good, "-resume", "-seed", "5"}, "drop -seed"},
		{"resume -train-examples", []string{"-config", good, "-resume", "-train-examples", "10"}, "drop -train-examples"},
		{"units 2^63-1", []string{"-config", cfg("huge.json", strings.Replace(tinyConfig, `"units": 32`, `"units": 9223372036854775807`, 1))}, "model needs"},
		{"units 1e9", []string{"-config", cfg("big.json", strings.Replace(tinyConfig, `"units": 32`, `"units": 1000000000`, 1))}, "model needs"},
		{"name ../", []string{"-config", cfg("esc.json", strings.Replace(tinyConfig, `"tiny"`, `"../escape"`, 1))}, "one folder name"},
		{"lr_decay 0.5", []string{"-config", cfg("lrd.json", strings.Replace(tinyConfig, `"lr": 0.002`, `"lr": 0.002, "lr_decay": 0.5`, 1))}, "lr_decay 0.5"},
		{"out is a file", []string{"-config", good, "-out", good}, "-out"},
		{"out under a file", []string{"-config", good, "-out", filepath.Join(good, "sub")}, "-out"},
		{"empty test set", []string{"-config", good, "-data", emptyTest}, "no examples"},
		{"diverges", []string{"-config", cfg("div.json", strings.Replace(tinyConfig, `"kind": "adam", "lr": 0.002`, `"kind": "sgd", "lr": 1e9`, 1))}, "training diverged at step"},
		{"corrupt checkpoint", []string{"-config", good, "-resume", "-out", corrupt}, "checkpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, "-q")
			if !slices.Contains(args, "-out") {
				args = append(args, "-out", t.TempDir())
			}
			code, _, stderr := runCLI(t, nil, args...)
			if code != exitBadInput {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "headless: ") {
				t.Fatalf("want one line starting \"headless: \", got:\n%s", stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Fatalf("error %q does not mention %q", stderr, tc.want)
			}
		})
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "-h")
	if code != exitOK {
		t.Fatalf("-h exits %d", code)
	}
	for _, f := range []string{"-config", "-data", "-epochs", "-seed", "-out", "-resume", "-threads", "-progress", "-train-examples", "-cpuprofile", "-export", "-materialise", "-import"} {
		if !strings.Contains(stderr, f) {
			t.Errorf("-h does not document %s", f)
		}
	}
}

// TestResumeIsBitIdentical interrupts a run mid-epoch, resumes it, and
// checks that it ends exactly where an uninterrupted run ends.
func TestResumeIsBitIdentical(t *testing.T) {
	dir := t.TempDir()
	config := writeFile(t, dir, "tiny.json", tinyConfig)
	whole, parted := filepath.Join(dir, "whole"), filepath.Join(dir, "parted")

	if code, _, stderr := runCLI(t, nil, "-config", config, "-out", whole, "-q"); code != exitOK {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, stderr)
	}
	// Interrupt at step 7 of 12 (epoch 1 has 12 steps of 50).
	sig := make(chan os.Signal, 1)
	var stderr bytes.Buffer
	code := run([]string{"-config", config, "-out", parted, "-q"}, &bytes.Buffer{}, &stderr, sig, func(step int64) {
		if step == 7 {
			sig <- os.Interrupt
		}
	})
	if code != exitInterrupted {
		t.Fatalf("interrupted run: exit %d, want %d\n%s", code, exitInterrupted, stderr.String())
	}
	if code, _, stderr := runCLI(t, nil, "-config", config, "-out", parted, "-resume", "-q"); code != exitOK {
		t.Fatalf("resumed run: exit %d\n%s", code, stderr)
	}

	a, err := checkpoint.Read(filepath.Join(whole, "checkpoint.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := checkpoint.Read(filepath.Join(parted, "checkpoint.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tensors) != len(b.Tensors) || len(a.Tensors) == 0 {
		t.Fatalf("%d and %d tensors", len(a.Tensors), len(b.Tensors))
	}
	for i := range a.Tensors {
		if a.Tensors[i].Name != b.Tensors[i].Name || !slices.Equal(a.Tensors[i].Data, b.Tensors[i].Data) {
			t.Fatalf("tensor %s differs between the whole and the resumed run", a.Tensors[i].Name)
		}
	}
	// The metrics agree too, but for timings.
	timing := regexp.MustCompile(`"(seconds|train_seconds|examples_per_s)":[0-9.e+-]+`)
	ma, _ := os.ReadFile(filepath.Join(whole, "metrics.jsonl"))
	mb, _ := os.ReadFile(filepath.Join(parted, "metrics.jsonl"))
	if x, y := timing.ReplaceAllString(string(ma), ""), timing.ReplaceAllString(string(mb), ""); x != y || strings.Count(x, "\n") != 2 {
		t.Fatalf("metrics differ:\n%s\n%s", x, y)
	}
	var sa, sb map[string]any
	for p, s := range map[string]*map[string]any{whole: &sa, parted: &sb} {
		b, err := os.ReadFile(filepath.Join(p, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"test_error", "learned_weights", "total_trainable", "dense_equivalent", "seconds", "fraction_learned", "static_params"} {
		if _, ok := sa[k]; !ok {
			t.Errorf("summary.json lacks %q", k)
		}
	}
	if sa["test_error"] != sb["test_error"] {
		t.Fatalf("test error %v uninterrupted, %v resumed", sa["test_error"], sb["test_error"])
	}
}

// TestSIGINT sends a real SIGINT to the built program: it must write a
// checkpoint and exit 130.
func TestSIGINT(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" {
		t.Skip("needs POSIX signals")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "headless")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	config := writeFile(t, dir, "tiny.json", strings.Replace(tinyConfig, `"epochs": 2`, `"epochs": 1000`, 1))
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "-config", config, "-out", out, "-progress", "plain")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the first finished epoch, then interrupt.
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var log []string
	timeout := time.After(60 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the program ended before its first epoch:\n%s", strings.Join(log, "\n"))
			}
			log = append(log, l)
			if strings.Contains(l, "test_error") {
				break wait
			}
		case <-timeout:
			cmd.Process.Kill()
			t.Fatalf("no epoch finished in 60 s:\n%s", strings.Join(log, "\n"))
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	for l := range lines {
		log = append(log, l)
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d (%v), want 130:\n%s", code, err, strings.Join(log, "\n"))
	}
	if _, err := checkpoint.Read(filepath.Join(out, "checkpoint.ckpt")); err != nil {
		t.Fatalf("no valid checkpoint after SIGINT: %v", err)
	}
}

// TestResults checks what a run leaves: a summary readable by all (it
// was 0600), the line that says -threads was capped, and after a
// diverged run the summary with the message, and no metrics line.
func TestResults(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", tinyConfig)
	div := writeFile(t, dir, "div.json", strings.Replace(tinyConfig, `"kind": "adam", "lr": 0.002`, `"kind": "sgd", "lr": 1e9`, 1))
	out := filepath.Join(dir, "good")
	code, _, stderr := runCLI(t, nil, "-config", good, "-out", out, "-threads", "100000", "-progress", "none")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if want := fmt.Sprintf("-threads 100000 is more than the %d CPUs: using %d", runtime.NumCPU(), runtime.NumCPU()); !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
	if st, err := os.Stat(filepath.Join(out, "summary.json")); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("summary.json: %v, mode %v, want 0644", err, st.Mode().Perm())
	}

	out = filepath.Join(dir, "div")
	code, _, stderr = runCLI(t, nil, "-config", div, "-out", out, "-q")
	if code != exitBadInput || !strings.Contains(stderr, "lower the learning rate") {
		t.Fatalf("diverged run: exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatalf("no summary after the run diverged: %v", err)
	}
	var s struct {
		Diverged string `json:"diverged"`
		Epochs   int    `json:"epochs"`
	}
	if err := json.Unmarshal(b, &s); err != nil || !strings.HasPrefix(s.Diverged, "training diverged at step ") || s.Epochs != 0 {
		t.Errorf("summary: %v, %+v", err, s)
	}
	if m, err := os.ReadFile(filepath.Join(out, "metrics.jsonl")); err != nil || len(m) != 0 {
		t.Errorf("metrics.jsonl: %v, %q, want empty", err, m)
	}
}
