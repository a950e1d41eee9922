package session

import (
	"fmt"
	"math"
	"slices"

	"github.com/predparams/predparams/engine"
)

// LiveFields names the settings (Params' JSON names) that a running
// session changes without a rebuild, keeping its weights: Apply applies
// them. Every other setting describes another model. The page reads the
// list from data/menus.json, so that its Train button says "Rebuild"
// exactly when Apply would refuse.
func LiveFields() []string { return []string{"optim", "lr", "batch"} }

// NeedsRebuild reports whether q describes another model than p: a
// setting other than LiveFields differs. A layer left out of Dicts is
// the same as "dense".
func NeedsRebuild(p, q Params) bool {
	a, b := p.model(), q.model()
	if !slices.Equal(a.Dicts, b.Dicts) || !slices.Equal(a.Filters, b.Filters) {
		return true
	}
	a.Dicts, b.Dicts, a.Filters, b.Filters = nil, nil, nil, nil
	return fmt.Sprint(a) != fmt.Sprint(b)
}

// model returns p without its live settings and with one dictionary per
// hidden layer: what fixes the model.
func (p Params) model() Params {
	d := make([]string, p.HiddenLayers())
	for i := range d {
		d[i] = p.dict(i)
	}
	p.Dicts = d
	p.Filters = nil
	if p.Model == "conv" {
		f := p.filters()
		p.Filters = f[:]
	}
	p.Optim, p.LR, p.Batch = "", 0, 0
	return p
}

// RebuildError is Apply's refusal of settings that describe another
// model.
type RebuildError struct{}

func (*RebuildError) Error() string {
	return "these settings describe another model: press Rebuild and train"
}

// Live is the state of a session's live settings.
type Live struct {
	// Optim is the optimizer kind, LR the learning rate of the next
	// step (the schedule's, from the reader's starting rate).
	Optim string
	LR    float64
	// Batch is the minibatch size in effect; PendingBatch, when not 0,
	// the size asked for, which takes effect at the first step where
	// the epoch's examples so far fill whole batches of it.
	Batch, PendingBatch int
}

// Live returns the session's live settings as they are in effect.
func (s *Session) Live() Live {
	t := s.Run.Trainer
	l := Live{Optim: t.Opt.Config.Kind, LR: t.Opt.Config.LRAt(t.Updates), Batch: t.Batch}
	if s.Params.Batch != t.Batch {
		l.PendingBatch = s.Params.Batch
	}
	return l
}

// Apply changes the running session's live settings (LiveFields) to
// q's, without a rebuild and keeping the weights:
//
//   - lr: the schedule (halving every HalfLife examples, down to a
//     twentieth of the starting rate) continues from the new starting
//     rate;
//   - optim: a new optimizer of that kind replaces the old one; its
//     state (SGD's velocity, Adam's moments) starts from zero, as in a
//     new run, and Adam's bias corrections count from this step;
//   - batch: the new size takes effect at the first step where the
//     epoch's examples so far fill whole batches of it (at once when
//     they do, at the latest at the next epoch), so that no example of
//     the epoch is skipped or seen twice; the model's buffers grow when
//     the batch is larger than they were allocated for. The learning
//     rate keeps halving every HalfLife examples.
//
// It returns a *RebuildError when q differs from the session's settings
// in another setting, and an error, changing nothing, when q is not
// valid or a data-parallel session would have more workers than a batch
// has examples. Data-parallel workers must apply the same settings before
// the same step.
func (s *Session) Apply(q Params) error {
	if err := s.CheckApply(q); err != nil {
		return err
	}
	t := s.Run.Trainer
	if q.Batch > t.Net.MaxBatch {
		// Grown now, so that the step that takes the new size in
		// cannot fail.
		if err := t.Net.SetMaxBatch(q.Batch); err != nil {
			return err
		}
	}
	if q.Optim != t.Opt.Config.Kind {
		c := t.Opt.Config
		c.Kind, c.Momentum, c.Beta1, c.Beta2, c.Eps = q.Optim, 0, 0, 0, 0
		if q.Optim == "sgd" {
			c.Momentum = SGDMomentum
		}
		o, err := engine.NewOptimizer(c, t.Net)
		if err != nil {
			return err
		}
		o.Origin = t.Updates
		t.Opt = o
		s.Run.Model.Config.Train.Optimizer.Kind = q.Optim
		s.Run.Model.Config.Train.Optimizer.Momentum = c.Momentum
	}
	s.Params.Optim, s.Params.LR, s.Params.Batch = q.Optim, q.LR, q.Batch
	s.schedule()
	s.switchBatch()
	return nil
}

// CheckApply returns the error Apply(q) would return before changing
// anything: the first data-parallel worker checks a change before it
// sends it to the others.
func (s *Session) CheckApply(q Params) error {
	if err := q.Validate(); err != nil {
		return err
	}
	if NeedsRebuild(s.Params, q) {
		return &RebuildError{}
	}
	if s.par != nil && q.Batch < s.par.n {
		return fmt.Errorf("batch size %d for %d training workers: want at least one example per worker", q.Batch, s.par.n)
	}
	return nil
}

// SetLR changes the learning rate of a running session: the schedule
// (halving every HalfLife examples, down to a twentieth) continues from
// the new starting rate. It is Apply with only the rate changed.
func (s *Session) SetLR(lr float64) error {
	q := s.Params
	q.LR = lr
	if err := q.Validate(); err != nil {
		return err
	}
	return s.Apply(q)
}

// switchBatch takes the batch size the reader asked for (Params.Batch)
// into effect when the trainer's position allows it (Apply has grown the
// model's buffers for it). It is called by Apply and before every step.
func (s *Session) switchBatch() {
	t := s.Run.Trainer
	b := s.Params.Batch
	if b == t.Batch || !t.CanSetBatch(b) {
		return
	}
	old := t.Batch
	if err := t.SetBatch(b); err != nil {
		panic("session: " + err.Error()) // Apply grew the buffers: a bug
	}
	if p := s.par; p != nil {
		if dim := t.Net.In.Size(); len(p.y) < b {
			p.x, p.y = make([]float32, b*dim), make([]int32, b)
		}
	}
	// The schedule has counted Updates·(old batch) examples; from now
	// on it counts the new batch per update.
	s.shift += float64(t.Updates) * float64(b-old)
	s.Run.Model.Config.Train.Batch = b
	s.schedule()
}

// schedule sets the optimizer's learning rate schedule from the reader's
// starting rate (Params.LR): the rate halves every HalfLife examples
// seen, whatever the batch sizes so far, down to a twentieth. The
// optimizer's schedule counts updates (LRAt), so its decay per update is
// the batch's share of HalfLife, and its rate at update 0 is set so that
// the schedule goes on from where the old batch left it (s.shift). A run
// whose batch never changed has the schedule of a new run's config
// (Params.Config).
func (s *Session) schedule() {
	t := s.Run.Trainer
	c := &t.Opt.Config
	lr := s.Params.LR
	c.LRDecay = math.Pow(2, float64(t.Batch)/HalfLife)
	c.LR = lr * math.Pow(2, s.shift/HalfLife)
	c.MinLR = lr / 20
	o := &s.Run.Model.Config.Train.Optimizer
	o.LR, o.MinLR, o.LRDecay = c.LR, c.MinLR, c.LRDecay
}

// SGDMomentum is the momentum of the page's SGD.
const SGDMomentum = 0.9
