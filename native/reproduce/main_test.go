package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/native/reproduce/runstore"
)

// The test binary doubles as this program and as a fake trainer: with
// $REPRODUCE_TEST_AS set, it runs the reproduce command line, or, when
// its first argument is -config (as the runner starts the trainer), the
// fake trainer.
func TestMain(m *testing.M) {
	if os.Getenv("REPRODUCE_TEST_AS") != "" {
		if len(os.Args) > 1 && os.Args[1] == "-config" {
			os.Exit(fakeTrainer(os.Args[1:]))
		}
		env := &environment{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, interrupt: make(chan os.Signal)}
		os.Exit(env.main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeTrainer stands in for native/headless: it reads the config, starts
// metrics.jsonl afresh as the trainer does, appends one line per epoch
// ($FAKE_EPOCH_MS apart) and writes a complete summary.json. It appends
// its -out folder (and -resume if given) to $FAKE_TRAINER_LOG, so a test
// can count how often each run was trained, and how.
func fakeTrainer(args []string) int {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	config := fs.String("config", "", "")
	out := fs.String("out", "", "")
	fs.Int("threads", 1, "")
	fs.Bool("q", false, "")
	resume := fs.Bool("resume", false, "")
	fs.String("progress", "", "")
	fs.String("data", "", "")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	b, err := os.ReadFile(*config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var c models.Config
	if err := json.Unmarshal(b, &c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if log := os.Getenv("FAKE_TRAINER_LOG"); log != "" {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return 1
		}
		line := *out
		if *resume {
			line += " -resume"
		}
		f.WriteString(line + "\n")
		f.Close()
	}
	ms, _ := strconv.Atoi(os.Getenv("FAKE_EPOCH_MS"))
	metrics := filepath.Join(*out, runstore.MetricsFile)
	if err := os.WriteFile(metrics, nil, 0o644); err != nil {
		return 1
	}
	sum := fakeSummary(&c, 0.02)
	for _, h := range sum.History {
		time.Sleep(time.Duration(ms) * time.Millisecond)
		line, _ := json.Marshal(h)
		f, err := os.OpenFile(metrics, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return 1
		}
		f.Write(append(line, '\n'))
		f.Close()
	}
	b, _ = json.MarshalIndent(sum, "", "  ")
	if err := runstore.WriteFileAtomic(filepath.Join(*out, runstore.SummaryFile), b); err != nil {
		return 1
	}
	return 0
}

// fakeSummary returns a complete summary of config c with final test
// error testError.
func fakeSummary(c *models.Config, testError float64) *models.Summary {
	s := &models.Summary{Name: c.Name, TestError: testError, Epochs: c.Train.Epochs, TestN: 10000, Config: c,
		TrainN: 3000, ExamplesPerS: 1000, Seed: c.Train.Seed}
	for e := 1; e <= c.Train.Epochs; e++ {
		s.History = append(s.History, models.EpochMetrics{Epoch: e, TestError: testError, TrainSeconds: 1, Seconds: 1})
	}
	s.Machine = models.Machine{GOOS: "linux", GOARCH: "amd64", CPUs: 2, Threads: 1, Go: "go1.26", Gemm: "*gemm.Test"}
	return s
}
