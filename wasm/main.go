//go:build js && wasm

// Command wasm is the browser worker's face: static/worker.js instantiates
// it in a Web Worker, and it installs one object, globalThis.predparams,
// whose methods the worker calls once per time slice or per request. Data
// crosses the boundary as typed arrays, copied in one call each.
//
// It holds no training logic: every method is a thin call into
// wasm/session, which drives models and the engine.
package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"
	"time"
	"unsafe"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/wasm/session"
)

// worker is the state of one wasm instance: the data, and the session
// (a training worker), the explorer (the auxiliary worker) or the
// evaluators of the runs (the evaluation worker).
type worker struct {
	train, test *data.Dataset
	s           *session.Session
	x           *session.Explorer
	evals       map[string]*session.Evaluator // by run name
	sweep       *session.Sweep
}

func main() {
	w := &worker{}
	api := map[string]any{
		"load":      export(w.load),
		"start":     export(w.start),
		"advance":   export(w.advance),
		"units":     export(w.units),
		"unit":      export(w.unit),
		"predict":   export(w.predict),
		"model":     export(w.model),
		"live":      export(w.live),
		"liveCheck": export(w.liveCheck),
		"snapshot":  export(w.snapshot),
		// The auxiliary worker's methods: the model a form describes,
		// and the dictionary explorer.
		"loadFirst": export(w.loadFirst),
		"describe":  export(w.describe),
		"explorer":  export(w.explorer),
		"explore":   export(w.explore),
		"curve":     export(w.curve),
		// The evaluation worker's: the test set, a model per run, and
		// the snapshots of its weights to evaluate.
		"loadEval":  export(w.loadEval),
		"evaluator": export(w.evaluator),
		"evaluate":  export(w.evaluate),
		"cell":      export(w.cell),
		// Data-parallel training (session.Session.StartParallel).
		"dpStart":    export(w.dpStart),
		"dpGradient": export(w.dpGradient),
		"dpApply":    export(w.dpApply),
		"dpUpdate":   export(w.dpUpdate),
		"dpPause":    export(w.dpPause),
		"weightsSum": export(w.weightsSum),
		// The Figure 4 worker's: short runs over several fractions.
		"sweepStart":   export(w.sweepStart),
		"sweepAdvance": export(w.sweepAdvance),
	}
	js.Global().Set("predparams", js.ValueOf(api))
	if ready := js.Global().Get("predparamsReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

// export wraps a method for JS: it returns the method's value, or an
// object {error: message} for an error or a panic, so that nothing throws
// on the JS side and the instance keeps running.
func export(f func(args []js.Value) (any, error)) js.Func {
	return js.FuncOf(func(_ js.Value, args []js.Value) (res any) {
		defer func() {
			if r := recover(); r != nil {
				res = map[string]any{"error": fmt.Sprintf("internal error: %v", r)}
			}
		}()
		v, err := f(args)
		if err != nil {
			return map[string]any{"error": err.Error()}
		}
		return v
	})
}

// load(trainImages, trainLabels, testImages, testLabels: Uint8Array)
// decodes the data files.
func (w *worker) load(args []js.Value) (any, error) { return w.loadSets("load", args, -1) }

// loadSets decodes the four data files of args into w.train (its first
// trainN digits; all of them if trainN < 0) and w.test; what names the
// message in errors.
func (w *worker) loadSets(what string, args []js.Value, trainN int) (any, error) {
	if len(args) != 4 {
		return nil, fmt.Errorf("%s: want 4 byte arrays, got %d arguments", what, len(args))
	}
	b := bytesArgs(args)
	train, err := session.DecodeMNISTFirst("train", b[0], b[1], trainN)
	if err != nil {
		return nil, err
	}
	test, err := session.DecodeMNIST("test", b[2], b[3])
	if err != nil {
		return nil, err
	}
	w.train, w.test = train, test
	return map[string]any{"train": train.N, "test": test.N}, nil
}

// bytesArgs copies each of args, Uint8Arrays, into Go.
func bytesArgs(args []js.Value) [][]byte {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = make([]byte, a.Get("length").Int())
		js.CopyBytesToGo(b[i], a)
	}
	return b
}

// loadFirst(trainImages, trainLabels: Uint8Array, n: number) decodes
// the first n training digits only, for the auxiliary worker.
func (w *worker) loadFirst(args []js.Value) (any, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("loadFirst: want 2 byte arrays and a count, got %d arguments", len(args))
	}
	b := bytesArgs(args[:2])
	train, err := session.DecodeMNISTFirst("train", b[0], b[1], args[2].Int())
	if err != nil {
		return nil, err
	}
	w.train = train
	return map[string]any{"train": train.N}, nil
}

// describe(paramsJSON: string) returns the parameter table of the model
// the settings describe, as JSON, or the error Train would meet.
func (w *worker) describe(args []js.Value) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("describe: want the settings as JSON")
	}
	p, err := session.ParseParams([]byte(args[0].String()))
	if err != nil {
		return nil, err
	}
	d, err := session.Describe(p, w.train)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// explorer(filtersJSON: string) sets up the dictionary explorer with the
// sample filters ({weights: [[784 numbers], …]}) and the loaded digits.
func (w *worker) explorer(args []js.Value) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("explorer: want the sample filters as JSON")
	}
	var f struct {
		Weights [][]float32 `json:"weights"`
	}
	if err := json.Unmarshal([]byte(args[0].String()), &f); err != nil {
		return nil, fmt.Errorf("sample filters: %v", err)
	}
	x, err := session.NewExplorer(f.Weights, w.train)
	if err != nil {
		return nil, err
	}
	w.x = x
	return x.Filters(), nil
}

func (w *worker) exploreSettings(args []js.Value) (session.ExploreSettings, error) {
	var s session.ExploreSettings
	if w.x == nil {
		return s, fmt.Errorf("the explorer is not set up")
	}
	if len(args) < 1 {
		return s, fmt.Errorf("explore: want the settings as JSON")
	}
	if err := json.Unmarshal([]byte(args[0].String()), &s); err != nil {
		return s, fmt.Errorf("explorer settings: %v", err)
	}
	return s, nil
}

// explore(settingsJSON: string) returns the explorer's views.
func (w *worker) explore(args []js.Value) (any, error) {
	s, err := w.exploreSettings(args)
	if err != nil {
		return nil, err
	}
	x, err := w.x.Explore(s)
	if err != nil {
		return nil, err
	}
	r := map[string]any{
		"alpha": int32sToJS(x.Alpha), "row": float32sToJS(x.Row), "atomAlpha": int32sToJS(x.AtomAlpha),
		"atoms": float32sToJS(x.Atoms), "relError": x.Error, "filters": x.Filters,
	}
	if x.Filter != nil {
		r["filter"], r["predicted"] = float32sToJS(x.Filter), float32sToJS(x.Predicted)
	}
	return r, nil
}

// curve(settingsJSON: string, length: number) returns the sample
// filter's reconstruction error under the SE kernel at one ℓ.
func (w *worker) curve(args []js.Value) (any, error) {
	s, err := w.exploreSettings(args)
	if err != nil {
		return nil, err
	}
	if len(args) != 2 {
		return nil, fmt.Errorf("curve: want settings and a length scale")
	}
	return w.x.CurvePoint(s, args[1].Float())
}

// start(paramsJSON: string) builds a new session and returns its
// parameter table.
func (w *worker) start(args []js.Value) (any, error) {
	if w.train == nil {
		return nil, fmt.Errorf("the data is not loaded")
	}
	if len(args) != 1 {
		return nil, fmt.Errorf("start: want the settings as JSON")
	}
	p, err := session.ParseParams([]byte(args[0].String()))
	if err != nil {
		return nil, err
	}
	s, err := session.New(p, w.train, w.test, models.Env{Threads: 1})
	if err != nil {
		return nil, err
	}
	w.s = s
	rows, acc := s.Table()
	tb, err := json.Marshal(map[string]any{"rows": rows, "accounting": acc, "weightLayers": s.WeightLayers()})
	if err != nil {
		return nil, err
	}
	sums, err := json.Marshal(s.Run.Model.StaticSums())
	if err != nil {
		return nil, err
	}
	return map[string]any{"table": string(tb), "trainN": s.Run.Train.N, "testN": s.Run.Test.N, "sums": string(sums)}, nil
}

func (w *worker) session() (*session.Session, error) {
	if w.s == nil {
		return nil, fmt.Errorf("no model: press Train")
	}
	return w.s, nil
}

// advance(ms: number) trains for about ms milliseconds.
func (w *worker) advance(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	ms := 50.0
	if len(args) > 0 {
		ms = min(max(args[0].Float(), 1), 1000)
	}
	u := s.Advance(time.Duration(ms * float64(time.Millisecond)))
	if u.Err != nil {
		return nil, u.Err // the page shows it and stops training
	}
	return updateToJS(u), nil
}

// updateToJS is an Update as the page reads it.
func updateToJS(u session.Update) map[string]any {
	r := map[string]any{
		"examples": u.Examples, "steps": u.Steps, "seconds": u.Seconds, "epoch": u.Epoch,
		"trainLoss": u.TrainLoss, "trainAccuracy": u.TrainAccuracy,
		"examplesPerS": u.ExamplesPerS, "msPerStep": u.MsPerStep, "diverged": u.Diverged,
		"live": liveToJS(u.Live),
	}
	if u.Snapshot != nil {
		r["snapshot"] = snapshotToJS(*u.Snapshot)
	}
	return r
}

// snapshot() returns the weights now, for an evaluation of a paused run.
func (w *worker) snapshot(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	return snapshotToJS(s.Snapshot()), nil
}

func snapshotToJS(sn session.Snapshot) map[string]any {
	return map[string]any{"weights": float32sToJS(sn.Weights), "examples": sn.Examples, "seconds": sn.Seconds}
}

// units(layer, max: number) returns the incoming weights of the first
// max units of a layer.
func (w *worker) units(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	if len(args) != 2 {
		return nil, fmt.Errorf("units: want layer and count")
	}
	u, err := s.Units(args[0].Int(), args[1].Int())
	if err != nil {
		return nil, err
	}
	alpha := make([]any, len(u.Alpha))
	for j, a := range u.Alpha {
		alpha[j] = int32sToJS(a)
	}
	return map[string]any{
		"layer": u.Layer, "rows": u.Rows, "units": u.Units, "h": u.H, "w": u.W, "shown": u.Shown,
		"weights": float32sToJS(u.Weights), "predicted": u.Predicted, "columns": u.Columns, "alpha": alpha,
	}, nil
}

// live(paramsJSON: string) applies the live settings of params to the
// running session (session.Session.Apply) and returns them as in effect.
func (w *worker) live(args []js.Value) (any, error) {
	s, p, err := w.liveParams("live", args)
	if err != nil {
		return nil, err
	}
	if err := s.Apply(p); err != nil {
		return nil, err
	}
	return liveToJS(s.Live()), nil
}

// liveCheck(paramsJSON: string) returns the error live would meet,
// changing nothing (session.Session.CheckApply).
func (w *worker) liveCheck(args []js.Value) (any, error) {
	s, p, err := w.liveParams("liveCheck", args)
	if err != nil {
		return nil, err
	}
	return nil, s.CheckApply(p)
}

func (w *worker) liveParams(what string, args []js.Value) (*session.Session, session.Params, error) {
	s, err := w.session()
	if err != nil {
		return nil, session.Params{}, err
	}
	if len(args) != 1 {
		return nil, session.Params{}, fmt.Errorf("%s: want the settings as JSON", what)
	}
	p, err := session.ParseParams([]byte(args[0].String()))
	return s, p, err
}

// liveToJS is a session's live settings as the page reads them.
func liveToJS(l session.Live) map[string]any {
	return map[string]any{"optim": l.Optim, "lr": l.LR, "batch": l.Batch, "pendingBatch": l.PendingBatch}
}

// unit(layer, unit: number) returns one unit's detail.
func (w *worker) unit(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	if len(args) != 2 {
		return nil, fmt.Errorf("unit: want layer and unit")
	}
	d, err := s.Unit(args[0].Int(), args[1].Int())
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"layer": d.Layer, "unit": d.Unit, "h": d.H, "w": d.W, "rows": d.Rows,
		"weights": float32sToJS(d.Weights), "kind": d.Kind, "column": d.Column, "nAlpha": d.NAlpha,
		"alpha": int32sToJS(d.Alpha), "nAtoms": d.NAtoms, "atoms": float32sToJS(d.Atoms),
	}, nil
}

// predict(pixels: Float32Array, w, h: number) preprocesses a drawing and
// returns the class probabilities and the 28×28 image the model saw.
func (w *worker) predict(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	if len(args) != 3 {
		return nil, fmt.Errorf("predict: want pixels, width and height")
	}
	pw, ph := args[1].Int(), args[2].Int()
	if pw <= 0 || ph <= 0 || pw*ph > 1<<22 || args[0].Get("length").Int() != pw*ph {
		return nil, fmt.Errorf("predict: %d pixels for a %d×%d drawing", args[0].Get("length").Int(), pw, ph)
	}
	pix := make([]float32, pw*ph)
	js.CopyBytesToGo(bytesOf(pix), js.Global().Get("Uint8Array").New(args[0].Get("buffer"), args[0].Get("byteOffset"), len(pix)*4))
	img, ink := session.Preprocess(pix, pw, ph)
	if !ink {
		return map[string]any{"empty": true}, nil
	}
	p, err := s.Predict(img)
	if err != nil {
		return nil, err
	}
	return map[string]any{"probs": float32sToJS(p), "image": float32sToJS(img)}, nil
}

// model() returns the trained model as a safetensors file (compact form),
// a Uint8Array for the page's "Download model" button to save.
func (w *worker) model(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	b, err := s.ExportSafetensors()
	if err != nil {
		return nil, err
	}
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a, nil
}

// bytesOf returns the bytes of xs, for one copy across the boundary.
func bytesOf[T float32 | int32](xs []T) []byte {
	if len(xs) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&xs[0])), len(xs)*4)
}

// float32sToJS returns a new Float32Array holding xs, copied in one call.
func float32sToJS(xs []float32) js.Value {
	a := js.Global().Get("Float32Array").New(len(xs))
	if len(xs) > 0 {
		js.CopyBytesToJS(js.Global().Get("Uint8Array").New(a.Get("buffer")), bytesOf(xs))
	}
	return a
}

// int32sToJS returns a new Int32Array holding xs.
func int32sToJS[T int | int32](xs []T) js.Value {
	v := make([]int32, len(xs))
	for i, x := range xs {
		v[i] = int32(x)
	}
	a := js.Global().Get("Int32Array").New(len(v))
	if len(v) > 0 {
		js.CopyBytesToJS(js.Global().Get("Uint8Array").New(a.Get("buffer")), bytesOf(v))
	}
	return a
}

// loadEval(trainImages, trainLabels, testImages, testLabels: Uint8Array)
// decodes the test set and the first training digits the evaluators
// rebuild the data-driven dictionaries from (session.EvalTrainExamples).
func (w *worker) loadEval(args []js.Value) (any, error) {
	return w.loadSets("loadEval", args, session.EvalTrainExamples)
}

// evaluator(run, paramsJSON, sumsJSON: string) builds the evaluator of a
// run: the model its settings describe, whose dictionaries must have the
// training worker's checksums.
func (w *worker) evaluator(args []js.Value) (any, error) {
	if w.test == nil {
		return nil, fmt.Errorf("the test set is not loaded")
	}
	if len(args) != 3 {
		return nil, fmt.Errorf("evaluator: want a run name, the settings and the dictionaries' checksums")
	}
	p, err := session.ParseParams([]byte(args[1].String()))
	if err != nil {
		return nil, err
	}
	var sums []string
	if err := json.Unmarshal([]byte(args[2].String()), &sums); err != nil {
		return nil, fmt.Errorf("checksums: %v", err)
	}
	e, err := session.NewEvaluator(p, sums, w.train, w.test)
	if err != nil {
		return nil, err
	}
	if w.evals == nil {
		w.evals = map[string]*session.Evaluator{}
	}
	w.evals[args[0].String()] = e
	return nil, nil
}

func (w *worker) evaluatorOf(name string) (*session.Evaluator, error) {
	e := w.evals[name]
	if e == nil {
		return nil, fmt.Errorf("no model for the run %q", name)
	}
	return e, nil
}

// evaluate(run: string, weights: Float32Array, examples, seconds: number)
// evaluates a snapshot of a run's weights on the whole test set.
func (w *worker) evaluate(args []js.Value) (any, error) {
	if len(args) != 4 {
		return nil, fmt.Errorf("evaluate: want a run name, weights, examples and seconds")
	}
	e, err := w.evaluatorOf(args[0].String())
	if err != nil {
		return nil, err
	}
	sn := session.Snapshot{Weights: make([]float32, args[1].Get("length").Int()),
		Examples: int64(args[2].Float()), Seconds: args[3].Float()}
	js.CopyBytesToGo(bytesOf(sn.Weights), js.Global().Get("Uint8Array").New(args[1].Get("buffer"), args[1].Get("byteOffset"), len(sn.Weights)*4))
	ev, err := e.Evaluate(sn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"accuracy": ev.Accuracy, "loss": ev.Loss, "examples": ev.Examples, "seconds": ev.Seconds,
		"confusion": int32sToJS(ev.Confusion)}, nil
}

// cell(run: string, true, predicted, max: number) returns up to max test
// digits of one cell of the run's last confusion matrix.
func (w *worker) cell(args []js.Value) (any, error) {
	if len(args) != 4 {
		return nil, fmt.Errorf("cell: want a run name, true class, predicted class and count")
	}
	e, err := w.evaluatorOf(args[0].String())
	if err != nil {
		return nil, err
	}
	idx, pix, total, err := e.Cell(args[1].Int(), args[2].Int(), args[3].Int())
	if err != nil {
		return nil, err
	}
	return map[string]any{"true": args[1].Int(), "predicted": args[2].Int(), "index": int32sToJS(idx),
		"pixels": float32sToJS(pix), "total": total}, nil
}

// sweepStart(paramsJSON, fractionsJSON: string, examples: number) sets up
// the page's Figure 4 sweep (session.NewFigure4) and returns its runs as
// JSON.
func (w *worker) sweepStart(args []js.Value) (any, error) {
	if w.train == nil {
		return nil, fmt.Errorf("the data is not loaded")
	}
	if len(args) != 3 {
		return nil, fmt.Errorf("sweepStart: want settings, fractions and examples per run")
	}
	p, err := session.ParseParams([]byte(args[0].String()))
	if err != nil {
		return nil, err
	}
	var fractions []float64
	if err := json.Unmarshal([]byte(args[1].String()), &fractions); err != nil {
		return nil, fmt.Errorf("fractions: %v", err)
	}
	sw, err := session.NewFigure4(p, fractions, int64(args[2].Float()), w.train, w.test, models.Env{Threads: 1})
	if err != nil {
		return nil, err
	}
	w.sweep = sw
	b, err := json.Marshal(sw.Runs)
	return string(b), err
}

// sweepAdvance(ms: number) advances the sweep for about ms milliseconds
// and returns its progress as JSON.
func (w *worker) sweepAdvance(args []js.Value) (any, error) {
	if w.sweep == nil {
		return nil, fmt.Errorf("no sweep")
	}
	ms := 100.0
	if len(args) > 0 {
		ms = min(max(args[0].Float(), 1), 1000)
	}
	pr, err := w.sweep.Advance(time.Duration(ms * float64(time.Millisecond)))
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(pr)
	return string(b), err
}

// dpStart(k, n: number) makes the session worker k of n of a
// data-parallel run and returns the bytes one step exchanges.
func (w *worker) dpStart(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	if len(args) != 2 {
		return nil, fmt.Errorf("dpStart: want the worker's index and the number of workers")
	}
	k, n := args[0].Int(), args[1].Int()
	if err := s.StartParallel(k, n); err != nil {
		return nil, err
	}
	// What a dense net of this shape would exchange: every weight.
	dense := session.ExchangeBytes(s.Run.Model.Accounting().DenseEquivalent, n)
	return map[string]any{"exchangeBytes": s.ExchangeBytes(n), "denseBytes": dense, "params": len(s.Run.Model.Net.Grad)}, nil
}

// dpGradient() computes this worker's shard of the next minibatch:
// {grad: Float32Array, loss, correct, examples}.
func (w *worker) dpGradient(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	sh, err := s.ShardGradient()
	if err != nil {
		return nil, err
	}
	return map[string]any{"grad": float32sToJS(sh.Grad), "loss": sh.Loss, "correct": sh.Correct, "examples": sh.Examples}, nil
}

// dpApply(shards: array) takes the step from every worker's shard
// ({grad, loss, correct, examples}, in worker order; this worker's grad
// is null).
func (w *worker) dpApply(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	if len(args) != 1 {
		return nil, fmt.Errorf("dpApply: want the shards")
	}
	a := args[0]
	shards := make([]session.Shard, a.Length())
	for i := range shards {
		v := a.Index(i)
		sh := session.Shard{Loss: float32(v.Get("loss").Float()), Correct: v.Get("correct").Int(), Examples: v.Get("examples").Int()}
		if g := v.Get("grad"); g.Truthy() {
			sh.Grad = make([]float32, g.Get("length").Int())
			js.CopyBytesToGo(bytesOf(sh.Grad), js.Global().Get("Uint8Array").New(g.Get("buffer"), g.Get("byteOffset"), len(sh.Grad)*4))
		}
		shards[i] = sh
	}
	return nil, s.ApplyShards(shards)
}

// dpUpdate() reports where the data-parallel run is, as advance does.
func (w *worker) dpUpdate(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	u := s.ParallelUpdate()
	if u.Err != nil {
		return nil, u.Err
	}
	return updateToJS(u), nil
}

// dpPause() marks a pause of a data-parallel run.
func (w *worker) dpPause(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	s.PauseParallel()
	return nil, nil
}

// weightsSum() returns {sum, examples}: the CRC-32 of the weights and
// where training is, for the page to check that data-parallel workers
// are in step.
func (w *worker) weightsSum(args []js.Value) (any, error) {
	s, err := w.session()
	if err != nil {
		return nil, err
	}
	done, _ := s.Run.Progress()
	return map[string]any{"sum": fmt.Sprintf("%08x", s.WeightsSum()), "examples": done}, nil
}
