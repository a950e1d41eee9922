package models

import (
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
)

// Run is one training run of a model: the model, its trainer, the data and
// the history so far. The headless CLI, the browser worker and the
// desktop app all drive a Run the same way:
//
//	for !r.Done() {
//		if r.Step().EpochEnd { r.FinishEpoch() }
//	}
//	if err := r.Err(); err != nil { … } // training diverged
//
// With train.grow, FinishEpoch may replace Model and Trainer by larger
// ones (see PredictConfig.Grow): read them from the Run, not from copies
// kept across epochs.
type Run struct {
	Model       *Model
	Trainer     *engine.Trainer
	Train, Test *data.Dataset
	// Validation is the held-out part of the training set
	// (train.validation), nil without one.
	Validation *data.Dataset
	// Growth records the growth of α, nil without train.grow.
	Growth *GrowthLog
	// History holds one entry per finished epoch.
	History []EpochMetrics
	// Seconds is the wall time spent in Step and FinishEpoch, over every
	// session of the run (resumes included).
	Seconds float64

	lossSum    float64
	lossSteps  int
	epochStart time.Time
	epochSecs  float64 // time spent in the current epoch before the last resume
	err        error   // why training stopped early (a *DivergedError), or nil
	env        Env     // for building the model again when α grows
}

// DivergedError reports that a training step's loss was not finite (NaN
// or ±Inf): the parameters are then beyond repair, and the run stops.
// Its message names the remedy.
type DivergedError struct {
	// Step is the optimizer step (counted from 1) whose loss was not
	// finite, and Loss that loss.
	Step int64
	Loss float64
}

func (e *DivergedError) Error() string {
	return fmt.Sprintf("training diverged at step %d (loss = %v): lower the learning rate", e.Step, e.Loss)
}

// isFinite reports whether x is neither NaN nor ±Inf.
func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// EpochMetrics is one line of metrics.jsonl.
type EpochMetrics struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	TestError float64 `json:"test_error"`
	TestLoss  float64 `json:"test_loss"`
	// Seconds is the epoch's wall time, evaluation included;
	// TrainSeconds leaves evaluation out, and ExamplesPerS is the
	// training throughput over TrainSeconds.
	Seconds      float64 `json:"seconds"`
	TrainSeconds float64 `json:"train_seconds"`
	ExamplesPerS float64 `json:"examples_per_s"`
	LR           float64 `json:"lr"`
	// Validation is the error and loss on the validation set
	// (train.validation), nil without one. Its time is in Seconds.
	Validation *Evaluation `json:"validation,omitempty"`
	// NAlpha (each layer's n_α per column, 0 for the layers that are not
	// predicted) and LearnedWeights (Accounting.LearnedWeights) are the
	// sizes the epoch trained with, in runs whose α grows (train.grow);
	// a growth at the epoch's end is in the summary's growth log.
	NAlpha         []int `json:"n_alpha,omitempty"`
	LearnedWeights int   `json:"learned_weights,omitempty"`
}

// Evaluation is a model's error rate and mean cross-entropy on a set.
type Evaluation struct {
	Error float64 `json:"error"`
	Loss  float64 `json:"loss"`
}

// NewRun builds cfg's model for train and test and returns a run at its
// start. With cfg.Train.Validation = N it holds the last N training
// examples out as Validation; then it uses the first
// cfg.Train.TrainExamples of the others when that is set. No set may be
// empty.
func NewRun(cfg *Config, train, test *data.Dataset, env Env) (*Run, error) {
	return newRun(cfg, train, test, env, nil, nil)
}

// newRun is NewRun with the hidden layers' pretrained values given (see
// build), and each layer's n_α when sizes is not nil (see build).
func newRun(cfg *Config, train, test *data.Dataset, env Env, pre [][][]float32, sizes []int) (*Run, error) {
	if err := data.NotEmpty(train, test); err != nil {
		return nil, err
	}
	var val *data.Dataset
	if n := cfg.Train.Validation; n > 0 {
		if n >= train.N {
			return nil, fmt.Errorf("train.validation %d leaves none of the %d training examples to train on", n, train.N)
		}
		train, val = train.Split(train.N - n)
	}
	if n := cfg.Train.TrainExamples; n > 0 && n < train.N {
		train = train.Subset(0, n)
	}
	m, err := build(cfg, engine.Shape{H: train.H, W: train.W, C: train.C}, train.Classes, train, env, pre, sizes)
	if err != nil {
		return nil, err
	}
	if err := engine.CheckData(m.Net, train); err != nil {
		return nil, err
	}
	if err := engine.CheckData(m.Net, test); err != nil {
		return nil, err
	}
	if val != nil {
		if err := engine.CheckData(m.Net, val); err != nil {
			return nil, err
		}
	}
	opt, err := engine.NewOptimizer(cfg.Train.Optimizer, m.Net)
	if err != nil {
		return nil, err
	}
	tr, err := engine.NewTrainer(m.Net, opt, cfg.Train.Batch, cfg.Train.Seed)
	if err != nil {
		return nil, err
	}
	r := &Run{Model: m, Trainer: tr, Train: train, Test: test, Validation: val, env: env.withDefaults()}
	if cfg.Train.Grow != nil {
		r.Growth = &GrowthLog{}
	}
	return r, nil
}

// Done reports whether every epoch has been trained, or training stopped
// early because it diverged (see Err).
func (r *Run) Done() bool {
	return r.err != nil || r.Trainer.Epoch >= r.Model.Config.Train.Epochs
}

// Err returns why training stopped before its last epoch: a
// *DivergedError once a step's loss was not finite, else nil.
func (r *Run) Err() error { return r.err }

// StepResult is what one Step measured on the minibatch it trained
// (loss, correct count, examples, before the update), and whether it
// ended an epoch.
type StepResult struct {
	engine.StepResult
	// EpochEnd reports that the step ended an epoch: FinishEpoch (or
	// EndEpoch) must be called before the next Step.
	EpochEnd bool
}

// Step trains one minibatch and returns what it measured.
//
// A step whose loss is not finite sets Err to a *DivergedError and
// reports no epoch end: the epoch is not finished (its loss would be
// NaN), Done becomes true, and later calls of Step do nothing and return
// a zero result. History keeps the epochs measured before.
func (r *Run) Step() StepResult {
	if r.err != nil {
		return StepResult{}
	}
	if r.epochStart.IsZero() {
		r.epochStart = time.Now()
	}
	epoch := r.Trainer.Epoch
	for _, l := range r.Model.Net.Layers {
		if p := predictedOf(l); p != nil {
			p.SetPhase(epoch)
		}
	}
	res := r.Trainer.TrainStep(r.Train)
	if loss := float64(res.Loss); !isFinite(loss) {
		r.err = &DivergedError{Step: r.Trainer.Updates, Loss: loss}
		return StepResult{StepResult: res}
	}
	r.lossSum += float64(res.Loss)
	r.lossSteps++
	return StepResult{StepResult: res, EpochEnd: r.Trainer.Epoch != epoch}
}

// LastLoss returns the mean training loss of the current epoch so far.
func (r *Run) LastLoss() float64 {
	if r.lossSteps == 0 {
		return 0
	}
	return r.lossSum / float64(r.lossSteps)
}

// FinishEpoch evaluates on the test set (and the validation set),
// appends the epoch's metrics to History and returns them. With
// train.grow, it then runs the growth check (see GrowSchedule), which
// may grow α: Model and Trainer are then new, and Growth records it.
func (r *Run) FinishEpoch() EpochMetrics {
	trainSecs := r.epochSecs + time.Since(r.epochStart).Seconds()
	evalStart := time.Now()
	testErr, testLoss := engine.Evaluate(r.Model.Net, r.Test, nil)
	var val *Evaluation
	if r.Validation != nil {
		val = new(Evaluation)
		val.Error, val.Loss = engine.Evaluate(r.Model.Net, r.Validation, nil)
	}
	evalSecs := time.Since(evalStart).Seconds()
	m := EpochMetrics{
		Epoch:        r.Trainer.Epoch,
		TrainLoss:    r.LastLoss(),
		TestError:    testErr,
		TestLoss:     testLoss,
		Seconds:      trainSecs + evalSecs,
		TrainSeconds: trainSecs,
		ExamplesPerS: float64(r.Train.N) / trainSecs,
		LR:           r.Trainer.Opt.LR(r.Trainer.Updates),
		Validation:   val,
	}
	if r.Growth != nil {
		m.NAlpha, m.LearnedWeights = r.Model.NAlpha(), r.Model.Accounting().LearnedWeights
	}
	r.Seconds += m.Seconds
	r.History = append(r.History, m)
	r.resetEpoch()
	r.checkGrowth(m.Epoch)
	return m
}

// EndEpoch closes the current epoch like FinishEpoch, without evaluating
// on the test set and without appending to History: for a face that
// evaluates on its own schedule (the browser page evaluates every few
// seconds, and a full test pass per 30,000-example epoch would cost it a
// quarter of its time). Call it when Step reports the end of an epoch.
// It evaluates no validation set either, so it runs no growth check
// (train.grow): an epoch closed by EndEpoch does not count for growth.
func (r *Run) EndEpoch() {
	r.Seconds += r.epochSecs + time.Since(r.epochStart).Seconds()
	r.resetEpoch()
}

// resetEpoch clears the running means and clock of the epoch just closed.
func (r *Run) resetEpoch() {
	r.lossSum, r.lossSteps = 0, 0
	r.epochStart, r.epochSecs = time.Time{}, 0
}

// Progress returns how many training examples the run has seen and how
// many it will have seen at the end.
func (r *Run) Progress() (done, total int64) {
	t := r.Trainer
	done = int64(t.Epoch)*int64(r.Train.N) + int64(min(t.Step*t.Batch, r.Train.N))
	return done, int64(r.Model.Config.Train.Epochs) * int64(r.Train.N)
}

// Summary is the content of summary.json. Scripts rely on its JSON names.
type Summary struct {
	Name      string  `json:"name"`
	TestError float64 `json:"test_error"`
	TestLoss  float64 `json:"test_loss"`
	Accounting
	Seconds      float64 `json:"seconds"`
	Epochs       int     `json:"epochs"`
	Seed         uint64  `json:"seed"`
	ExamplesPerS float64 `json:"examples_per_s"`
	TrainN       int     `json:"train_examples"`
	TestN        int     `json:"test_examples"`
	// ValidationN is the size of the validation set (train.validation),
	// and Validation the last finished epoch's error and loss on it;
	// both are absent without one.
	ValidationN int         `json:"validation_examples,omitempty"`
	Validation  *Evaluation `json:"validation,omitempty"`
	// Growth is the growth of α (train.grow): Layers and the accounting
	// above are those of the final sizes.
	Growth  *GrowthLog     `json:"growth,omitempty"`
	Layers  []LayerInfo    `json:"layers"`
	Config  *Config        `json:"config"`
	Machine Machine        `json:"machine"`
	History []EpochMetrics `json:"history"`
	// Diverged is Err's message when training diverged: TestError and
	// TestLoss are then those of the last epoch finished before (zero
	// when there is none), and Epochs counts the finished epochs.
	Diverged string `json:"diverged,omitempty"`
}

// Machine records where a run ran.
type Machine struct {
	GOOS    string `json:"goos"`
	GOARCH  string `json:"goarch"`
	CPUs    int    `json:"cpus"`
	Threads int    `json:"threads"`
	Go      string `json:"go"`
	Gemm    string `json:"gemm"`
}

// Summary returns the run's summary: its final test error (from the last
// finished epoch), parameter counts and timing.
func (r *Run) Summary() Summary {
	s := Summary{
		Name:       r.Model.Config.Name,
		Accounting: r.Model.Accounting(),
		Seconds:    r.Seconds,
		Epochs:     r.Trainer.Epoch,
		Seed:       r.Model.Config.Train.Seed,
		TrainN:     r.Train.N,
		TestN:      r.Test.N,
		Layers:     r.Model.Layers,
		Config:     r.Model.Config,
		History:    r.History,
		Growth:     r.Growth,
		Machine: Machine{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(),
			Threads: r.Model.Net.Ctx.Threads, Go: runtime.Version(), Gemm: fmt.Sprintf("%T", r.Model.Net.Ctx.Gemm)},
	}
	if r.Validation != nil {
		s.ValidationN = r.Validation.N
	}
	if r.err != nil {
		s.Diverged = r.err.Error()
		s.Epochs = len(r.History)
	}
	if n := len(r.History); n > 0 {
		last := r.History[n-1]
		s.TestError, s.TestLoss = last.TestError, last.TestLoss
		s.Validation = last.Validation
		var ex, secs float64
		for _, h := range r.History {
			ex += float64(r.Train.N)
			secs += h.TrainSeconds
		}
		s.ExamplesPerS = ex / secs
	}
	return s
}
