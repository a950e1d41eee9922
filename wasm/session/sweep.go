package session

import (
	"fmt"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/models"
)

// SweepRun is one short training run of a Sweep: an arm (a pair of
// dictionaries, or dense) at one fraction learned.
type SweepRun struct {
	Arm      string  `json:"arm"`
	Fraction float64 `json:"fraction"`
	Params   Params  `json:"params"`
}

// SweepPoint is a finished run: the test error of its model after the
// sweep's examples, against the fraction of the predicted layers'
// weights it really learned (Accounting.FractionLearned; 1 for dense).
type SweepPoint struct {
	Arm      string  `json:"arm"`
	Fraction float64 `json:"fraction"`
	Learned  float64 `json:"learned"`
	Error    float64 `json:"error"`
	Loss     float64 `json:"loss"`
	Examples int64   `json:"examples"`
	Seconds  float64 `json:"seconds"`
}

// Sweep trains a list of runs one after another, each for the same
// number of examples, and evaluates each on the whole test set when it
// ends: the page's live Figure 4. It is advanced in time slices like a
// Session; the number of examples, not the time, ends a run, so the
// points do not depend on the machine's speed.
type Sweep struct {
	Runs     []SweepRun
	Examples int64 // per run
	Points   []SweepPoint

	train, test *data.Dataset
	env         models.Env
	cur         *Session
}

// Figure4Arms are the arms of the page's Figure 4: the paper's SE–Emp
// (SE in the first hidden layer, Emp in the second) and RandFixU, at each
// fraction, and the dense net once.
var Figure4Arms = []struct {
	Name  string
	Dicts []string
}{{"se-emp", []string{"se", "emp"}}, {"randfixu", []string{"randfixu", "randfixu"}}}

// NewFigure4 returns the sweep of the paper's Figure 4 on the page: the
// MLP 784-hidden-hidden-10 with the Figure4Arms at each of fractions
// and the dense net, each trained for examples examples from p's
// optimizer, batch and seed.
func NewFigure4(p Params, fractions []float64, examples int64, train, test *data.Dataset, env models.Env) (*Sweep, error) {
	if examples <= 0 || examples > 10*int64(train.N) {
		return nil, fmt.Errorf("%d examples per run: want 1 to %d (ten epochs)", examples, 10*train.N)
	}
	if len(fractions) == 0 {
		return nil, fmt.Errorf("no fractions to sweep")
	}
	p.Model, p.Depth, p.Columns = "mlp", 2, 1
	var runs []SweepRun
	for _, a := range Figure4Arms {
		for _, f := range fractions {
			q := p
			q.Dicts, q.Fraction = a.Dicts, f
			runs = append(runs, SweepRun{Arm: a.Name, Fraction: f, Params: q})
		}
	}
	d := p
	d.Dicts, d.Fraction = []string{"dense", "dense"}, 1
	runs = append(runs, SweepRun{Arm: "dense", Fraction: 1, Params: d})
	for _, r := range runs {
		if err := r.Params.Validate(); err != nil {
			return nil, fmt.Errorf("%s at %g: %w", r.Arm, r.Fraction, err)
		}
	}
	return &Sweep{Runs: runs, Examples: examples, train: train, test: test, env: env}, nil
}

// SweepProgress is what one Sweep.Advance reports.
type SweepProgress struct {
	// Run is the index of the run in progress (len(Runs) when done),
	// Examples how many it has seen of the sweep's Examples.
	Run      int   `json:"run"`
	Runs     int   `json:"runs"`
	Examples int64 `json:"examples"`
	Target   int64 `json:"target"`
	// Point, if not nil, is the run that ended in this Advance.
	Point *SweepPoint `json:"point,omitempty"`
	Done  bool        `json:"done"`
}

// Advance trains the current run for about budget (building it first if
// it is new; a build may overrun the budget), and evaluates it when it
// has seen the sweep's examples. A run that cannot be built or that
// diverges is an error.
func (w *Sweep) Advance(budget time.Duration) (SweepProgress, error) {
	i := len(w.Points)
	pr := SweepProgress{Run: i, Runs: len(w.Runs), Target: w.Examples}
	if i == len(w.Runs) {
		pr.Done = true
		return pr, nil
	}
	r := w.Runs[i]
	if w.cur == nil {
		s, err := New(r.Params, w.train, w.test, w.env)
		if err != nil {
			return pr, fmt.Errorf("%s at %g: %w", r.Arm, r.Fraction, err)
		}
		s.SnapshotGap = 1<<63 - 1 // evaluated once, at the end
		w.cur = s
		return pr, nil
	}
	s := w.cur
	start := time.Now()
	// Step by step, so that every run stops at the same example whatever
	// the speed.
	for time.Since(start) < budget && s.examples() < w.Examples {
		if s.step() {
			s.Run.EndEpoch()
		}
		if s.Run.Err() != nil {
			return pr, fmt.Errorf("%s at %g diverged after %d examples", r.Arm, r.Fraction, s.examples())
		}
	}
	s.active += time.Since(start)
	pr.Examples = s.examples()
	if pr.Examples < w.Examples {
		return pr, nil
	}
	errRate, loss := engine.Evaluate(s.Run.Model.Net, w.test, nil)
	pt := SweepPoint{Arm: r.Arm, Fraction: r.Fraction, Learned: s.Run.Model.Accounting().FractionLearned,
		Error: errRate, Loss: loss, Examples: pr.Examples, Seconds: s.active.Seconds()}
	w.Points = append(w.Points, pt)
	w.cur = nil
	pr.Point = &w.Points[len(w.Points)-1]
	pr.Run, pr.Done = len(w.Points), len(w.Points) == len(w.Runs)
	return pr, nil
}
