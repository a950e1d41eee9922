package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/native/reproduce/stats"
)

// Tuning: every tuned arm at one point is a family of candidate
// settings (learning rate, SE length scale, columns). Each candidate is
// trained once (seed tuneSeed) on the first 50,000 training images and
// validated on the last 10,000 after every epoch, for up to maxEpochs.
// The candidate and epoch count with the lowest validation error are
// selected (ties: the earlier epoch, then the earlier candidate); the
// selected setting is then trained on all 60,000 images for that many
// epochs with each of the grid's seeds and evaluated on the test set
// once. (A family on another data set holds out its own number of
// training examples: family.validation.) A family is resolved when all
// its tuning runs are done; until
// then its final runs are not listed (the runner runs in rounds, see
// environment.run).

// nameTune is the results folder of the tuning runs.
const nameTune = "tune"

// Tuning settings.
const (
	tuneSeed        = 1000  // the tuning runs' seed: none of the final runs'
	validationN     = 10000 // MNIST: train on 50,000, validate on 10,000
	quickValidation = 500
)

// A candidate is one setting of a family: its config as the final runs
// would train it (Seed and Epochs are set per run) and a label.
type candidate struct {
	label string
	cfg   *models.Config
	// owner, if set, is the experiment that owns this candidate's final
	// runs instead of the family's: a family that unions another
	// experiment's candidates leaves their final runs where that
	// experiment lists them, so that they are trained once.
	owner string
}

// A family is a tuned arm at one point: the candidates and the longest
// training considered. Families of different arms may share candidates
// (same config, same hash): the SE–Emp arm whose J is selected by
// validation is the union of the J = 1 and J = 5 families.
type family struct {
	exp, arm  string
	point     float64
	cands     []candidate
	maxEpochs int
	// validation is the number of training examples the tuning runs
	// hold out (train.validation); 0 is MNIST's, validationN (quick:
	// quickValidation).
	validation int
}

// A selection is a resolved family: the chosen candidate and epoch count
// and each candidate's best validation error (percent).
type selection struct {
	cand   int
	epochs int
	valErr []float64
	// grew lists the epochs at whose end the selected candidate's tuning
	// run grew α (train.grow), before the selected epoch count: its
	// final runs grow at the same epochs (train.grow.at).
	grew []int
}

// clone copies a config deeply.
func clone(c *models.Config) *models.Config {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // configs hold plain values
	}
	var out models.Config
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return &out
}

// tuneRun returns the tuning run of candidate c.
func (f *family) tuneRun(v variant, c candidate) *Run {
	cfg := clone(c.cfg)
	cfg.Train.Seed, cfg.Train.Epochs = tuneSeed, f.maxEpochs
	cfg.Train.Validation = pick(v, validationN, quickValidation)
	if f.validation > 0 {
		cfg.Train.Validation = f.validation
	}
	cfg.Name += ".tune"
	return &Run{Exp: nameTune, Kind: kindTrain, Config: cfg, Arm: f.arm + " [" + c.label + "]", Point: f.point, Seed: tuneSeed, Cost: trainCost(cfg)}
}

// finalRun returns the final run of the selected candidate for seed.
func (f *family) finalRun(sel selection, seed int) *Run {
	c := f.cands[sel.cand]
	cfg := clone(c.cfg)
	cfg.Train.Seed, cfg.Train.Epochs = uint64(seed), sel.epochs
	cfg.Name += fmt.Sprintf(".s%d", seed)
	if g := cfg.Train.Grow; g != nil {
		replayGrowth(cfg, sel.grew)
	}
	exp := f.exp
	if c.owner != "" {
		exp = c.owner
	}
	return &Run{Exp: exp, Kind: kindTrain, Config: cfg, Arm: f.arm, Point: f.point, Seed: seed, Cost: trainCost(cfg)}
}

// replayGrowth makes cfg, a config whose α grows when the validation
// error stops improving, grow after the epochs of grew instead (its
// final runs have no validation set); with no growth it does not grow.
func replayGrowth(cfg *models.Config, grew []int) {
	if len(grew) == 0 {
		cfg.Train.Grow = nil
		for i := range cfg.Layers {
			if p := cfg.Layers[i].Predict; p != nil {
				p.Grow = nil
			}
		}
		return
	}
	cfg.Train.Grow = &models.GrowSchedule{At: grew, RestartLR: cfg.Train.Grow.RestartLR}
}

// A tuner resolves families from the tuning runs stored under roots.
type tuner struct {
	v     variant
	roots []string
	// clean, if set, says whether a done run may count (the report
	// refuses runs from a dirty tree).
	clean func(*Run) bool
	// blocked lists the families whose tuning is not done yet.
	blocked map[string]bool
}

func newTuner(v variant, roots []string) *tuner {
	return &tuner{v: v, roots: roots, blocked: map[string]bool{}}
}

// validationError returns an epoch's error on the validation set. Runs
// made before train.validation evaluated the held-out set beside the test
// set (commit 466dd9c, where it replaced the test set) have no
// Validation in their history: their test error is the validation
// error.
func validationError(h models.EpochMetrics) float64 {
	if h.Validation != nil {
		return h.Validation.Error
	}
	return h.TestError
}

// history returns the validation errors (percent) per epoch of a done
// tuning run, or nil, and the epochs at whose end its α grew.
func (t *tuner) history(r *Run) (valErr []float64, grew []int) {
	if t.clean != nil && !t.clean(r) {
		return nil, nil
	}
	res, err := r.find(t.roots)
	if err != nil {
		return nil, nil
	}
	s, ok := res.Summary.(*models.Summary)
	if !ok {
		return nil, nil
	}
	if s.Diverged != "" {
		// A candidate that diverged is never selected.
		return []float64{math.Inf(1)}, nil
	}
	valErr = make([]float64, len(s.History))
	for i, h := range s.History {
		valErr[i] = 100 * validationError(h)
	}
	if s.Growth != nil {
		for _, g := range s.Growth.Steps {
			grew = append(grew, g.Epoch)
		}
	}
	return valErr, grew
}

// lrCap is the largest learning rate that extending a grid adds (see
// choose).
const lrCap = 0.032

// choose resolves f, reporting false while a tuning run is not done.
//
// A grid whose largest learning rate is selected is extended upwards
// (full variant only): the selected candidate with its learning rate
// doubled joins f, up to lrCap, and f is resolved again once that
// candidate's tuning run is done. So no selection sits at the top edge
// of the grid unless that edge is lrCap.
func (t *tuner) choose(f *family) (selection, bool) {
	for {
		sel, ok := t.chooseAmong(f)
		if !ok || t.v.quick {
			return sel, ok
		}
		c := f.cands[sel.cand]
		lr := c.cfg.Train.Optimizer.LR
		top := 0.0
		for _, o := range f.cands {
			top = max(top, o.cfg.Train.Optimizer.LR)
		}
		if lr < top || 2*lr > lrCap*(1+1e-9) {
			return sel, ok
		}
		up := c
		up.cfg = clone(c.cfg)
		up.cfg.Train.Optimizer.LR = 2 * lr
		up.label = strings.Replace(c.label, fmt.Sprintf("lr %g", lr), fmt.Sprintf("lr %g", 2*lr), 1)
		f.cands = append(f.cands, up)
	}
}

// chooseAmong resolves f among its candidates as they are.
func (t *tuner) chooseAmong(f *family) (selection, bool) {
	sel := selection{cand: -1, valErr: make([]float64, len(f.cands))}
	best := math.Inf(1)
	grew := make([][]int, len(f.cands))
	for i, c := range f.cands {
		h, g := t.history(f.tuneRun(t.v, c))
		if len(h) == 0 {
			return selection{}, false
		}
		grew[i] = g
		sel.valErr[i] = math.Inf(1)
		for e, v := range h {
			if v < sel.valErr[i] {
				sel.valErr[i] = v
				if v < best {
					best, sel.cand, sel.epochs = v, i, e+1
				}
			}
		}
	}
	if sel.cand < 0 {
		return sel, false
	}
	for _, e := range grew[sel.cand] {
		if e < sel.epochs {
			sel.grew = append(sel.grew, e)
		}
	}
	return sel, true
}

// runs returns f's tuning runs and, once f is resolved, its final runs
// for seeds.
func (t *tuner) runs(f *family, seeds []int) []*Run {
	var out []*Run
	sel, ok := t.choose(f) // first: it may extend f's candidates
	for _, c := range f.cands {
		out = append(out, f.tuneRun(t.v, c))
	}
	if !ok {
		t.blocked[f.exp+"/"+f.arm+fmt.Sprintf("@%g", f.point)] = true
		return out
	}
	for _, s := range seeds {
		out = append(out, f.finalRun(sel, s))
	}
	return out
}

// finals returns f's final runs, nil while it is not resolved.
func (t *tuner) finals(f *family, seeds []int) []*Run {
	sel, ok := t.choose(f)
	if !ok {
		return nil
	}
	var out []*Run
	for _, s := range seeds {
		out = append(out, f.finalRun(sel, s))
	}
	return out
}

// tunedSeeds returns the seeds of the tuned grid's final runs:
// stats.DesignN in full, 2 in quick (the fewest a t-test takes).
func (v variant) tunedSeeds() []int {
	n := pick(v, stats.DesignN, 2)
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}

// describe returns the selected setting of f as the report shows it.
func (sel selection) describe(f *family) string {
	return fmt.Sprintf("%s, %d epochs (validation error %.2f%%)", f.cands[sel.cand].label, sel.epochs, sel.valErr[sel.cand])
}

// labelOf formats a candidate's label from its settings.
func labelOf(lr, length float64, columns int) string {
	var parts []string
	parts = append(parts, fmt.Sprintf("lr %g", lr))
	if length > 0 {
		parts = append(parts, fmt.Sprintf("ℓ %g", length))
	}
	if columns > 1 {
		parts = append(parts, fmt.Sprintf("J %d", columns))
	}
	return strings.Join(parts, ", ")
}
