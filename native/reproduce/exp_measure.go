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
)

// stepJob is a job of the compute experiment: time per training step of
// predicted and dense layers and nets, on one thread.
type stepJob struct {
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

// stepLayer is one layer shape measured by stepbench.
type stepLayer struct {
	Name      string      `json:"name"`
	In        int         `json:"in"`
	Units     int         `json:"units"`
	InputGrad bool        `json:"input_grad"`
	DenseMS   float64     `json:"dense_ms"`
	Points    []stepPoint `json:"points"`
}

// stepPoint is a predicted layer or net at one fraction.
type stepPoint struct {
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

// stepSummary is summary.json of a step run.
type stepSummary struct {
	Target  string      `json:"target"`
	GOOS    string      `json:"goos"`
	GOARCH  string      `json:"goarch"`
	Gemm    string      `json:"gemm"`
	Batch   int         `json:"batch"`
	Steps   int         `json:"steps"`
	Layers  []stepLayer `json:"layers"`
	NetMS   float64     `json:"net_dense_ms"`
	Net     []stepPoint `json:"net"`
	LoadAvg string      `json:"loadavg,omitempty"`
}

// Compute experiment settings.
var stepFractions = []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1}

func stepRuns(v variant) []*Run {
	var runs []*Run
	for _, target := range []string{"native", "wasm"} {
		for _, rep := range v.seeds(3) {
			job := stepJob{Target: target, Repeat: rep, Batch: defaultBatchSize,
				Steps: pick(v, 30, 10), Fractions: pick(v, stepFractions, []float64{0.05, 0.5})}
			runs = append(runs, &Run{Exp: expStep, Kind: kindStep, Job: job, Arm: target, Seed: rep, Cost: 2e10, Exclusive: true})
		}
	}
	return runs
}

func expCompute() *experiment {
	e := &experiment{name: expStep, title: "Compute: time per training step, predicted against dense, natively and under wasm"}
	e.runs = stepRuns
	e.report = reportCompute
	return e
}

// needsWasm reports whether runs include a wasm measurement.
func needsWasm(runs []*Run) bool {
	for _, r := range runs {
		if j, ok := r.Job.(stepJob); ok && j.Target == "wasm" {
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
	if !exists(execJS) {
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

// writeSummary writes v as out/summary.json.
func writeSummary(out string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(out, summaryFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(out, summaryFile))
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

// stepbench measures a step job and writes its summary.
func stepbench(o *options, stdout io.Writer) (int, error) {
	var job stepJob
	if o.job == "" || o.outDir == "" {
		return exitBadInput, fmt.Errorf("stepbench: -job FILE and -out DIR are required")
	}
	if err := readJob(o.job, &job); err != nil {
		return exitBadInput, err
	}
	if job.Batch < 1 || job.Steps < 1 {
		return exitBadInput, fmt.Errorf("stepbench: batch %d and steps %d, want ≥ 1", job.Batch, job.Steps)
	}
	g := gemm.Best(1)
	ctx := &engine.Context{Gemm: g, Threads: 1}
	sum := stepSummary{Target: job.Target, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, Gemm: fmt.Sprintf("%T", g),
		Batch: job.Batch, Steps: job.Steps, LoadAvg: loadAvg()}
	seed := uint64(job.Repeat)
	shapes := []stepLayer{
		{Name: "784→500 (layer 1, no input gradient)", In: mnistInputs, Units: mnistHidden},
		{Name: "500→500 (layer 2, with input gradient)", In: mnistHidden, Units: mnistHidden, InputGrad: true},
	}
	for _, sl := range shapes {
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
			pt := stepPoint{Fraction: frac, NAlpha: f.NAlpha, Auto: models.ChooseForm(f, job.Batch, sl.InputGrad).String()}
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
		c := mlp("stepbench", "mnist", "relu", hidden, t)
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
		sum.Net = append(sum.Net, stepPoint{Fraction: frac, StepMS: ms, Learned: learned})
	}
	if err := writeSummary(o.outDir, sum); err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(stdout, "stepbench %s: dense net %.2f ms/step\n", job.Target, sum.NetMS)
	return exitOK, nil
}
