package session

import (
	"math"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/safetensors"
	"github.com/predparams/predparams/models"
)

// Session is one training run on the page: a models.Run advanced in time
// slices, with the monitoring the page draws (a window of training
// batches, evaluations on the whole test set on a schedule). It holds no
// training logic of its own: steps, epochs and evaluation are the Run's
// and the engine's.
type Session struct {
	Params Params
	Run    *models.Run

	active time.Duration // time spent in Advance since the start
	steps  int64

	win window

	eval       evalState
	lastEval   time.Duration // active time at the end of the last evaluation
	evalCost   time.Duration // duration of the last full evaluation
	Evaluation *Evaluation   // the last finished one, nil before the first
}

// Evaluation is one pass over the whole test set.
type Evaluation struct {
	// Accuracy and Loss over the test set.
	Accuracy, Loss float64
	// Examples is how many training examples had been seen, Seconds how
	// long the session had been active (evaluation included) when it ended.
	Examples int64
	Seconds  float64
	// Confusion[true·10+predicted] counts the test digits.
	Confusion []int
}

// evalState is an evaluation in progress, made in slices of the test set
// so that Advance returns on time.
type evalState struct {
	on        bool
	next      int
	wrong     float64
	loss      float64
	conf      []int
	startWall time.Time
}

// Tuning of the evaluation schedule: evaluations are evalRatio times
// their own duration apart (so they take about 1/(evalRatio+1) of the
// time), but at least evalMinGap and at most evalMaxGap.
const (
	evalRatio  = 5
	evalMinGap = 3 * time.Second
	evalMaxGap = 6 * time.Second
	evalSlice  = 1000 // test examples per evaluation slice
)

// New builds the model p describes on train and returns a session at its
// start.
func New(p Params, train, test *data.Dataset, env models.Env) (*Session, error) {
	cfg, err := p.Config()
	if err != nil {
		return nil, err
	}
	r, err := models.NewRun(cfg, train, test, env)
	if err != nil {
		return nil, err
	}
	return &Session{Params: p, Run: r, win: newWindow(50)}, nil
}

// Update is what one Advance reports.
type Update struct {
	// Examples seen, steps taken and active seconds so far.
	Examples int64
	Steps    int64
	Seconds  float64
	// Epoch is the current epoch, from 0.
	Epoch int
	// TrainLoss and TrainAccuracy are means over the last training
	// batches (a window of up to 50), zero before the first.
	TrainLoss, TrainAccuracy float64
	// ExamplesPerS and MsPerStep are the training throughput of this
	// Advance (zero if it took no step).
	ExamplesPerS, MsPerStep float64
	// Evaluating reports an evaluation in progress.
	Evaluating bool
	// Evaluation, if not nil, finished during this Advance.
	Evaluation *Evaluation
	// Err is the run's Err: once training diverged (a
	// *models.DivergedError), Advance trains no more and returns it.
	Err error
	// Diverged reports that training has blown up: Err is set, or the
	// training loss is infinite or above DivergedLoss. The run cannot
	// recover; the page stops it and says why.
	Diverged bool
}

// DivergedLoss is the mean training loss (cross-entropy, in nats) above
// which a run counts as diverged: a classifier that guesses uniformly
// among 10 classes has loss ln 10 ≈ 2.3, so a loss of 20 means the
// network is confidently wrong on almost every example and its weights
// have blown up.
const DivergedLoss = 20

// Advance trains (and evaluates when due) for about budget and reports
// where the run is. One step or one evaluation slice may overrun the
// budget.
func (s *Session) Advance(budget time.Duration) Update {
	start := time.Now()
	now := func() time.Duration { return s.active + time.Since(start) }
	var u Update
	var stepTime time.Duration
	stepsBefore, exBefore := s.steps, s.examples()
	for time.Since(start) < budget && s.Run.Err() == nil {
		switch {
		case s.eval.on:
			if e := s.evalSlice(now); e != nil {
				u.Evaluation = e
			}
		case s.evalDue(now()):
			s.startEval()
		default:
			t0 := time.Now()
			if s.step() {
				// The page evaluates on its own schedule, not per epoch.
				s.Run.EndEpoch()
			}
			stepTime += time.Since(t0)
		}
	}
	s.active += time.Since(start)
	u.Examples, u.Steps, u.Seconds = s.examples(), s.steps, s.active.Seconds()
	u.Epoch = s.Run.Trainer.Epoch
	u.TrainLoss, u.TrainAccuracy = s.win.mean()
	if n := s.steps - stepsBefore; n > 0 && stepTime > 0 {
		u.ExamplesPerS = float64(s.examples()-exBefore) / stepTime.Seconds()
		u.MsPerStep = stepTime.Seconds() * 1000 / float64(n)
	}
	u.Evaluating = s.eval.on
	u.Err = s.Run.Err()
	u.Diverged = u.Err != nil || diverged(u.TrainLoss) || (u.Evaluation != nil && diverged(u.Evaluation.Loss))
	return u
}

// diverged reports whether a mean loss shows a blown-up run.
func diverged(loss float64) bool {
	return math.IsNaN(loss) || math.IsInf(loss, 0) || loss > DivergedLoss
}

// examples returns how many training examples the run has seen.
func (s *Session) examples() int64 {
	done, _ := s.Run.Progress()
	return done
}

// step trains one minibatch, records its loss and accuracy in the window
// and reports whether it ended an epoch.
func (s *Session) step() (epochEnd bool) {
	r := s.Run.Step()
	s.steps++
	if s.Run.Err() != nil {
		return false // the loss is not finite: nothing to record
	}
	s.win.add(float64(r.Loss), float64(r.Correct)/float64(r.Examples))
	return r.EpochEnd
}

// evalDue reports whether enough training time has passed since the last
// evaluation.
func (s *Session) evalDue(now time.Duration) bool {
	gap := min(max(evalMinGap, evalRatio*s.evalCost), evalMaxGap)
	return now-s.lastEval >= gap
}

func (s *Session) startEval() {
	s.eval = evalState{on: true, conf: make([]int, 100), startWall: time.Now()}
}

// evalSlice evaluates the next slice of the test set and returns the
// evaluation when it is complete.
func (s *Session) evalSlice(now func() time.Duration) *Evaluation {
	test := s.Run.Test
	e := &s.eval
	n := min(evalSlice, test.N-e.next)
	errRate, loss := engine.Evaluate(s.Run.Model.Net, test.Subset(e.next, n), e.conf)
	e.wrong += errRate * float64(n)
	e.loss += loss * float64(n)
	e.next += n
	if e.next < test.N {
		return nil
	}
	end := now()
	ev := &Evaluation{Accuracy: 1 - e.wrong/float64(test.N), Loss: e.loss / float64(test.N),
		Examples: s.examples(), Seconds: end.Seconds(), Confusion: e.conf}
	s.finishEval(ev, end, time.Since(e.startWall))
	return ev
}

func (s *Session) finishEval(ev *Evaluation, end, cost time.Duration) {
	s.eval = evalState{}
	s.lastEval = end
	s.evalCost = cost
	s.Evaluation = ev
}

// window keeps the loss and accuracy of the last training batches.
type window struct {
	loss, acc []float64
	next, n   int
}

func newWindow(size int) window {
	return window{loss: make([]float64, size), acc: make([]float64, size)}
}

func (w *window) add(loss, acc float64) {
	w.loss[w.next], w.acc[w.next] = loss, acc
	w.next = (w.next + 1) % len(w.loss)
	w.n = min(w.n+1, len(w.loss))
}

// mean returns the mean loss and accuracy over the window.
func (w *window) mean() (loss, acc float64) {
	if w.n == 0 {
		return 0, 0
	}
	for i := 0; i < w.n; i++ {
		loss += w.loss[i]
		acc += w.acc[i]
	}
	return loss / float64(w.n), acc / float64(w.n)
}

// ExportSafetensors returns the session's model in safetensors format, in
// the compact form (models.ExportCompact: V, biases, the stored
// dictionaries and the config that rebuilds the others), for the page's
// "Download model". The native face evaluates the file with
// `headless -import FILE -data static/data` on the page's own test subset.
func (s *Session) ExportSafetensors() ([]byte, error) {
	f, err := s.Run.Model.Export(false)
	if err != nil {
		return nil, err
	}
	return safetensors.Marshal(f)
}
