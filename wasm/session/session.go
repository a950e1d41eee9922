package session

import (
	"math"
	"time"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/safetensors"
	"github.com/predparams/predparams/models"
)

// Session is one training run on the page: a models.Run advanced in time
// slices, with the monitoring the page draws (a window of training
// batches, and on a schedule a Snapshot of the weights that an Evaluator,
// in another worker, evaluates on the whole test set, so that training
// never stops for it). It holds no training logic of its own: steps and
// epochs are the Run's and the engine's.
type Session struct {
	Params Params
	Run    *models.Run

	active time.Duration // time spent in Advance since the start
	steps  int64

	win window

	// SnapshotGap is the training time between two scheduled
	// snapshots (New sets DefaultSnapshotGap).
	SnapshotGap time.Duration
	lastSnap    time.Duration // active time of the last scheduled snapshot

	par *parallel // data-parallel training, nil alone

	// shift is what the learning rate schedule must add to
	// Updates·Batch to count the examples of the batch sizes before
	// the current one (see schedule); 0 while the batch never changed.
	shift float64
}

// DefaultSnapshotGap is the page's training time between two snapshots
// for evaluation.
const DefaultSnapshotGap = 2 * time.Second

// New builds the model p describes on train and returns a session at its
// start. test is the set an Evaluator of this model evaluates on.
func New(p Params, train, test *data.Dataset, env models.Env) (*Session, error) {
	cfg, err := p.Config()
	if err != nil {
		return nil, err
	}
	r, err := models.NewRun(cfg, train, test, env)
	if err != nil {
		return nil, err
	}
	return &Session{Params: p, Run: r, win: newWindow(50), SnapshotGap: DefaultSnapshotGap}, nil
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
	// Snapshot, if not nil, is the weights at the end of this Advance,
	// due for evaluation (every Session.SnapshotGap of training time).
	Snapshot *Snapshot
	// Err is the run's Err: once training diverged (a
	// *models.DivergedError), Advance trains no more and returns it.
	Err error
	// Diverged reports that training has blown up: Err is set, or the
	// training loss is infinite or above DivergedLoss. The run cannot
	// recover; the page stops it and says why.
	Diverged bool
	// Live is the live settings in effect (see Apply).
	Live Live
}

// DivergedLoss is the mean training loss (cross-entropy, in nats) above
// which a run counts as diverged: a classifier that guesses uniformly
// among 10 classes has loss ln 10 ≈ 2.3, so a loss of 20 means the
// network is confidently wrong on almost every example and its weights
// have blown up.
const DivergedLoss = 20

// Advance trains for about budget and reports where the run is, with a
// snapshot of the weights when one is due. One step may overrun the
// budget.
func (s *Session) Advance(budget time.Duration) Update {
	start := time.Now()
	var u Update
	stepsBefore, exBefore := s.steps, s.examples()
	for time.Since(start) < budget && s.Run.Err() == nil {
		if s.step() {
			// The page evaluates on its own schedule, not per epoch.
			s.Run.EndEpoch()
		}
	}
	spent := time.Since(start)
	s.active += spent
	u.Examples, u.Steps, u.Seconds = s.examples(), s.steps, s.active.Seconds()
	u.Epoch = s.Run.Trainer.Epoch
	u.TrainLoss, u.TrainAccuracy = s.win.mean()
	if n := s.steps - stepsBefore; n > 0 && spent > 0 {
		u.ExamplesPerS = float64(s.examples()-exBefore) / spent.Seconds()
		u.MsPerStep = spent.Seconds() * 1000 / float64(n)
	}
	u.Err = s.Run.Err()
	s.finish(&u)
	return u
}

// finish completes an update whose Err and TrainLoss are set: whether
// the run diverged, the live settings, and a snapshot when one is due
// (every SnapshotGap of training time).
func (s *Session) finish(u *Update) {
	u.Diverged = u.Err != nil || diverged(u.TrainLoss)
	u.Live = s.Live()
	if !u.Diverged && s.active-s.lastSnap >= s.SnapshotGap {
		s.lastSnap = s.active
		sn := s.Snapshot()
		u.Snapshot = &sn
	}
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
	s.switchBatch()
	r := s.Run.Step()
	s.steps++
	if s.Run.Err() != nil {
		return false // the loss is not finite: nothing to record
	}
	s.win.add(float64(r.Loss), float64(r.Correct)/float64(r.Examples))
	return r.EpochEnd
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
