package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/predparams/predparams/engine/dist"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/models/datasets"
)

// communicationJob is a job of the communication experiment: Workers processes
// train the model of Config data-parallel for Steps steps, exchanging the
// gradient of the dynamic parameters through a dist.Hub over loopback TCP
// every step.
type communicationJob struct {
	Arm      string         `json:"arm"`
	Workers  int            `json:"workers"`
	Encoding string         `json:"encoding"`
	Steps    int            `json:"steps"`
	Repeat   int            `json:"repeat"`
	Config   *models.Config `json:"config"`
}

// workerReport is what a worker prints on stdout.
type workerReport struct {
	Rank int `json:"rank"`
	// Dim is the number of dynamic parameters exchanged.
	Dim int `json:"dim"`
	// StepMS is the wall time per step; ComputeMS and CommMS split it
	// into the gradient and update, and the exchange.
	StepMS    float64 `json:"step_ms"`
	ComputeMS float64 `json:"compute_ms"`
	CommMS    float64 `json:"comm_ms"`
	// BytesPerStep counts the payload sent and received per step.
	BytesPerStep float64 `json:"bytes_per_step"`
	SetupS       float64 `json:"setup_s"`
	LossFirst    float64 `json:"loss_first"`
	LossLast     float64 `json:"loss_last"`
}

// communicationSummary is summary.json of a dist run.
type communicationSummary struct {
	Arm          string         `json:"arm"`
	Workers      int            `json:"workers"`
	Encoding     string         `json:"encoding"`
	Dim          int            `json:"dim"`
	StepMS       float64        `json:"step_ms"`
	ComputeMS    float64        `json:"compute_ms"`
	CommMS       float64        `json:"comm_ms"`
	BytesPerStep float64        `json:"bytes_per_step"`
	Rounds       int            `json:"rounds"`
	PerWorker    []workerReport `json:"per_worker"`
	LoadAvg      string         `json:"loadavg,omitempty"`
	CPUs         int            `json:"cpus"`
}

// Communication experiment settings.
var commWorkers = []int{1, 2, 4}

const (
	commFraction = 0.05
	commSteps    = 200
)

// Arms of the communication experiment.
const (
	armCommDense    = "dense, float32"
	armCommDense16  = "dense, float16 gradients"
	armCommPredict  = "SE–Emp 5%, float32"
	armCommPredict2 = "SE–Emp 5%, float16 gradients"
)

func communicationRuns(v variant) []*Run {
	var runs []*Run
	t := models.TrainConfig{Epochs: 1, Batch: defaultBatchSize, Seed: 1, Optimizer: adam()}
	dense := mlp("communication.dense", "mnist", "relu", []layerSpec{{mnistHidden, nil}, {mnistHidden, nil}}, t)
	pred := mlp("communication.se-emp", "mnist", "relu", []layerSpec{
		{mnistHidden, predict("se", commFraction, 1)}, {mnistHidden, predict("emp", commFraction, 1)}}, t)
	arms := []struct {
		name, enc string
		c         *models.Config
	}{
		{armCommDense, "f32", dense}, {armCommDense16, "f16", dense},
		{armCommPredict, "f32", pred}, {armCommPredict2, "f16", pred},
	}
	for _, rep := range v.seeds(3) {
		for _, a := range arms {
			for _, n := range pick(v, commWorkers, []int{1, 2}) {
				if n == 1 && a.enc == "f16" {
					continue // one worker exchanges nothing
				}
				job := communicationJob{Arm: a.name, Workers: n, Encoding: a.enc, Steps: pick(v, commSteps, 20), Repeat: rep, Config: a.c}
				runs = append(runs, &Run{Exp: nameCommunication, Kind: kindCommunication, Job: job, Arm: a.name, Point: float64(n), Seed: rep,
					Cost: 5e10 * float64(n), Exclusive: true})
			}
		}
	}
	return runs
}

func expCommunication() *experiment {
	e := &experiment{name: nameCommunication, title: "Communication: what data-parallel training exchanges, and what it costs over TCP"}
	e.runs = communicationRuns
	e.report = reportCommunication
	return e
}

// communicationbench runs a communication job: a hub on loopback and Workers worker
// processes of this program, and writes the summary.
func communicationbench(o *options, stderr io.Writer, interrupt <-chan os.Signal) (int, error) {
	var job communicationJob
	if o.job == "" || o.outDir == "" {
		return exitBadInput, fmt.Errorf("communicationbench: -job FILE and -out DIR are required")
	}
	if err := readJob(o.job, &job); err != nil {
		return exitBadInput, err
	}
	enc, err := dist.ParseEncoding(job.Encoding)
	if err != nil {
		return exitBadInput, err
	}
	if job.Workers < 1 || job.Steps < 1 || job.Config == nil || job.Config.Train.Batch%job.Workers != 0 {
		return exitBadInput, fmt.Errorf("communicationbench: %d workers, %d steps: want ≥ 1 and a batch divisible by the workers", job.Workers, job.Steps)
	}
	self, err := os.Executable()
	if err != nil {
		return exitFailure, err
	}
	addr := ""
	var hub *dist.Hub
	hubDone := make(chan error, 1)
	rounds := 0
	if job.Workers > 1 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return exitFailure, err
		}
		defer ln.Close()
		if hub, err = dist.NewHub(ln, job.Workers, 0, enc); err != nil {
			return exitFailure, err
		}
		addr = hub.Addr()
		go func() {
			n, err := hub.Serve()
			rounds = n
			hubDone <- err
		}()
	}
	cmds := make([]*exec.Cmd, job.Workers)
	outs := make([]*bytes.Buffer, job.Workers)
	var wg sync.WaitGroup
	errs := make([]error, job.Workers)
	for i := range cmds {
		outs[i] = &bytes.Buffer{}
		c := exec.Command(self, "communicationworker", "-job", o.job, "-worker", fmt.Sprintf("%d/%d", i, job.Workers), "-addr", addr)
		c.Stdout, c.Stderr = outs[i], stderr
		if err := c.Start(); err != nil {
			return exitFailure, err
		}
		cmds[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Wait()
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-interrupt:
		for _, c := range cmds {
			c.Process.Kill()
		}
		<-finished
		return exitInterrupted, fmt.Errorf("communicationbench: interrupted")
	}
	for i, err := range errs {
		if err != nil {
			return exitFailure, fmt.Errorf("communicationbench: worker %d: %v", i, err)
		}
	}
	if hub != nil {
		if err := <-hubDone; err != nil {
			return exitFailure, err
		}
	}
	sum := communicationSummary{Arm: job.Arm, Workers: job.Workers, Encoding: enc.String(), Rounds: rounds, LoadAvg: loadAvg(), CPUs: runtime.NumCPU()}
	for i, out := range outs {
		var rep workerReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			return exitFailure, fmt.Errorf("communicationbench: worker %d printed %q: %v", i, out.String(), err)
		}
		sum.PerWorker = append(sum.PerWorker, rep)
		sum.Dim = rep.Dim
		sum.StepMS = max(sum.StepMS, rep.StepMS)
		sum.ComputeMS += rep.ComputeMS / float64(job.Workers)
		sum.CommMS += rep.CommMS / float64(job.Workers)
		sum.BytesPerStep += rep.BytesPerStep / float64(job.Workers)
	}
	if err := writeSummary(o.outDir, sum); err != nil {
		return exitFailure, err
	}
	return exitOK, nil
}

// communicationworker is one worker process of communicationbench: it builds the job's
// model (the same on every worker: same config, same seed), trains it on
// its share of each global batch and prints a workerReport.
func communicationworker(o *options, stdout io.Writer) (int, error) {
	var job communicationJob
	if err := readJob(o.job, &job); err != nil {
		return exitBadInput, err
	}
	rank, size, ok := strings.Cut(o.worker, "/")
	r, err1 := strconv.Atoi(rank)
	n, err2 := strconv.Atoi(size)
	if !ok || err1 != nil || err2 != nil || r < 0 || r >= n {
		return exitBadInput, fmt.Errorf("communicationworker: -worker %q, want RANK/SIZE", o.worker)
	}
	enc, err := dist.ParseEncoding(job.Encoding)
	if err != nil {
		return exitBadInput, err
	}
	t0 := time.Now()
	cfg := *job.Config
	global := cfg.Train.Batch
	shard := global / n
	cfg.Train.Batch = shard // the layers pick their evaluation for the batch they see
	train, test, err := datasets.LoadData(cfg.Data, "")
	if err != nil {
		return exitFailure, err
	}
	run, err := models.NewRun(&cfg, train, test, models.Env{Threads: 1})
	if err != nil {
		return exitFailure, err
	}
	tr, ds := run.Trainer, run.Train
	var client *dist.Client
	if o.listen != "" {
		if client, err = dist.Dial(o.listen, len(run.Model.Net.Grad), enc); err != nil {
			return exitFailure, err
		}
		defer client.Close()
	}
	rep := workerReport{Rank: r, Dim: len(run.Model.Net.Grad), SetupS: time.Since(t0).Seconds()}
	dim := ds.Dim()
	warm := job.Steps/5 + 1
	var compute, comm time.Duration
	var start time.Time
	for s := 0; s < warm+job.Steps; s++ {
		if s == warm {
			start, compute, comm = time.Now(), 0, 0
		}
		off := (s*global + r*shard) % (ds.N - global)
		x, y := ds.X[off*dim:(off+shard)*dim], ds.Y[off:off+shard]
		c0 := time.Now()
		loss, dt, err := dist.TrainStep(client, tr, x, y, shard)
		if err != nil {
			return exitFailure, err
		}
		compute += time.Since(c0) - dt
		comm += dt
		if s == warm {
			rep.LossFirst = float64(loss)
		}
		rep.LossLast = float64(loss)
	}
	steps := float64(job.Steps)
	rep.StepMS = float64(time.Since(start).Microseconds()) / 1e3 / steps
	rep.ComputeMS = float64(compute.Microseconds()) / 1e3 / steps
	rep.CommMS = float64(comm.Microseconds()) / 1e3 / steps
	if client != nil {
		rep.BytesPerStep = float64(client.Sent+client.Received) / float64(warm+job.Steps)
	}
	b, _ := json.Marshal(rep)
	stdout.Write(b)
	return exitOK, nil
}
