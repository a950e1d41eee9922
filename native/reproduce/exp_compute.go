package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/native/reproduce/runstore"
)

// computeJob is a job of the compute experiment: time per training step of
// predicted and dense layers and nets, on one thread.
type computeJob struct {
	// Target is "native" or "wasm" (js/wasm under Node).
	Target string `json:"target"`
	// Repeat distinguishes repetitions of the same measurement.
	Repeat int `json:"repeat"`
	// Batch is the minibatch size; Steps the timed steps per
	// measurement (after Steps/5 + 1 warm-up steps).
	Batch int `json:"batch"`
	Steps int `json:"steps"`
	// Fractions are the fractions learned measured.
	Fractions []float64 `json:"fractions"`
}

// computeLayer is one layer shape measured by computebench.
type computeLayer struct {
	Name      string         `json:"name"`
	In        int            `json:"in"`
	Units     int            `json:"units"`
	InputGrad bool           `json:"input_grad"`
	DenseMS   float64        `json:"dense_ms"`
	Points    []computePoint `json:"points"`
}

// computeShapes are the layers a compute run times: the MNIST MLP's two
// hidden layers.
var computeShapes = []computeLayer{
	{Name: "784→500 (layer 1, no input gradient)", In: mnistInputs, Units: mnistHidden},
	{Name: "500→500 (layer 2, with input gradient)", In: mnistHidden, Units: mnistHidden, InputGrad: true},
}

// computePoint is a predicted layer or net at one fraction.
type computePoint struct {
	Fraction       float64 `json:"fraction"`
	NAlpha         int     `json:"n_alpha,omitempty"`
	FactoredMS     float64 `json:"factored_ms,omitempty"`
	MaterialisedMS float64 `json:"materialised_ms,omitempty"`
	// Auto is the form the models package picks (ChooseForm).
	Auto string `json:"auto,omitempty"`
	// StepMS is a whole net's training step.
	StepMS float64 `json:"step_ms,omitempty"`
	// Learned is the net's trained-parameter count.
	Learned int `json:"learned,omitempty"`
}

// computeSummary is summary.json of a step run.
type computeSummary struct {
	Target  string         `json:"target"`
	GOOS    string         `json:"goos"`
	GOARCH  string         `json:"goarch"`
	Gemm    string         `json:"gemm"`
	Batch   int            `json:"batch"`
	Steps   int            `json:"steps"`
	Layers  []computeLayer `json:"layers"`
	NetMS   float64        `json:"net_dense_ms"`
	Net     []computePoint `json:"net"`
	LoadAvg string         `json:"loadavg,omitempty"`
}

// Compute experiment settings.
var computeFractions = []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1}

func computeRuns(v variant) []*Run {
	var runs []*Run
	for _, target := range []string{"native", "wasm"} {
		for _, rep := range v.seeds(3) {
			job := computeJob{Target: target, Repeat: rep, Batch: defaultBatchSize,
				Steps: pick(v, 30, 10), Fractions: pick(v, computeFractions, []float64{0.05, 0.5})}
			runs = append(runs, &Run{Exp: nameCompute, Kind: kindCompute, Job: job, Arm: target, Seed: rep, Cost: 2e10, Exclusive: true})
		}
	}
	return runs
}

func expCompute() *experiment {
	e := &experiment{name: nameCompute, title: "Compute: time per training step, predicted against dense, natively and under wasm"}
	e.runs = computeRuns
	e.report = reportCompute
	return e
}

// needsWasm reports whether runs include a wasm measurement.
func needsWasm(runs []*Run) bool {
	for _, r := range runs {
		if j, ok := r.Job.(computeJob); ok && j.Target == "wasm" {
			return true
		}
	}
	return false
}

// buildWasm builds this program for js/wasm and finds Node and Go's
// wasm_exec_node.js.
func (rn *runner) buildWasm(root, tmp string) error {
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("no node on PATH: %v", err)
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %v", err)
	}
	execJS := filepath.Join(strings.TrimSpace(string(out)), "lib", "wasm", "wasm_exec_node.js")
	if ok, _ := runstore.Exists(execJS); !ok {
		return fmt.Errorf("no %s", execJS)
	}
	wasm := filepath.Join(tmp, "reproduce.wasm")
	if err := goBuild(root, wasm, "./native/reproduce", []string{"GOOS=js", "GOARCH=wasm"}); err != nil {
		return err
	}
	rn.node, rn.wasmExec, rn.wasm = node, execJS, wasm
	return nil
}

// readJob decodes a job file strictly.
func readJob(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// writeSummary writes v as out/summary.json, atomically.
func writeSummary(out string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return runstore.WriteFileAtomic(filepath.Join(out, runstore.SummaryFile), append(b, '\n'))
}

// loadAvg returns /proc/loadavg's first three fields, or "".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// timeSteps runs step warm-up times, then steps times, and returns the
// median milliseconds per step over five equal slices.
func timeSteps(steps int, step func()) float64 {
	for i := 0; i < steps/5+1; i++ {
		step()
	}
	per := max(steps/5, 1)
	var ms []float64
	for s := 0; s < 5; s++ {
		t0 := time.Now()
		for i := 0; i < per; i++ {
			step()
		}
		ms = append(ms, float64(time.Since(t0).Microseconds())/1e3/float64(per))
	}
	sort.Float64s(ms)
	return ms[2]
}

// computebench measures a compute job and writes its summary.
func computebench(o *options, stdout io.Writer) (int, error) {
	var job computeJob
	if o.job == "" || o.outDir == "" {
		return exitBadInput, fmt.Errorf("computebench: -job FILE and -out DIR are required")
	}
	if err := readJob(o.job, &job); err != nil {
		return exitBadInput, err
	}
	if job.Batch < 1 || job.Steps < 1 {
		return exitBadInput, fmt.Errorf("computebench: batch %d and steps %d, want ≥ 1", job.Batch, job.Steps)
	}
	g := gemm.Best(1)
	ctx := &engine.Context{Gemm: g, Threads: 1}
	sum := computeSummary{Target: job.Target, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, Gemm: fmt.Sprintf("%T", g),
		Batch: job.Batch, Steps: job.Steps, LoadAvg: loadAvg()}
	seed := uint64(job.Repeat)
	for _, sl := range computeShapes {
		step, err := engine.LayerStep(ctx, &engine.Dense{Out: sl.Units, Act: engine.ReLU}, sl.In, job.Batch, sl.InputGrad, seed)
		if err != nil {
			return exitFailure, err
		}
		sl.DenseMS = timeSteps(job.Steps, step)
		for _, frac := range job.Fractions {
			f := models.Factors{Rows: sl.In, Units: sl.Units, Columns: 1, NAlpha: nAlpha(frac, sl.In)}
			r := rand.New(rand.NewPCG(seed, 2))
			u := make([]float32, f.USize())
			for i := range u {
				u[i] = 0.05 * float32(r.NormFloat64())
			}
			pt := computePoint{Fraction: frac, NAlpha: f.NAlpha, Auto: models.ChooseForm(f, job.Batch, sl.InputGrad).String()}
			for _, form := range []models.Form{models.Factored, models.Materialised} {
				l := &models.PredictedDense{PredictedParams: models.PredictedParams{F: f, U: u}, Act: engine.ReLU, Form: form, NoInputGrad: !sl.InputGrad}
				step, err := engine.LayerStep(ctx, l, sl.In, job.Batch, sl.InputGrad, seed)
				if err != nil {
					return exitFailure, err
				}
				ms := timeSteps(job.Steps, step)
				if form == models.Factored {
					pt.FactoredMS = ms
				} else {
					pt.MaterialisedMS = ms
				}
			}
			sl.Points = append(sl.Points, pt)
		}
		sum.Layers = append(sum.Layers, sl)
	}
	// Whole nets: the 784-500-500-10 MLP, dense and with both hidden
	// layers predicted (RandFixU dictionaries: the timing does not depend
	// on U's values, and they need no data), in the form the models
	// package picks.
	ds := data.Random(job.Batch*4, 28, 28, 1, 10, seed)
	netStep := func(hidden []layerSpec) (float64, int, error) {
		t := models.TrainConfig{Epochs: 1, Batch: job.Batch, Seed: seed, Optimizer: adam()}
		c := mlp("computebench", "mnist", "relu", hidden, t)
		run, err := models.NewRun(c, ds, ds, models.Env{Gemm: g, Threads: 1})
		if err != nil {
			return 0, 0, err
		}
		ms := timeSteps(job.Steps, func() { run.Trainer.TrainStep(ds) })
		return ms, run.Model.Accounting().TotalTrainable, nil
	}
	ms, _, err := netStep([]layerSpec{{mnistHidden, nil}, {mnistHidden, nil}})
	if err != nil {
		return exitFailure, err
	}
	sum.NetMS = ms
	for _, frac := range job.Fractions {
		ms, learned, err := netStep([]layerSpec{{mnistHidden, predict("randfixu", frac, 1)}, {mnistHidden, predict("randfixu", frac, 1)}})
		if err != nil {
			return exitFailure, err
		}
		sum.Net = append(sum.Net, computePoint{Fraction: frac, StepMS: ms, Learned: learned})
	}
	if err := writeSummary(o.outDir, sum); err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(stdout, "computebench %s: dense net %.2f ms/step\n", job.Target, sum.NetMS)
	return exitOK, nil
}
