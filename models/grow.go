package models

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/predparams/predparams/engine"
)

// Growing α (PredictConfig.Grow, TrainConfig.Grow): a layer starts with a
// small α and gains positions when the validation error stops improving.
// A growth builds the model again with the larger n_α (U for the new α,
// the other layers as they were) and carries the trained state over:
// every parameter and its optimizer state is copied, and the V of a
// grown layer is extended so that W = UV stays what it was (see growV).
// The trainer keeps its position, so the run goes on where it was.

// validate reports the first setting of g, the grow settings of p, that
// is out of range or does not combine with p's other settings.
func (g *GrowConfig) validate(p *PredictConfig) error {
	if g == nil {
		return nil
	}
	switch {
	case (g.Factor != 0) == (g.Add != 0):
		return errors.New("predict.grow: set exactly one of factor and add")
	case g.Factor != 0 && (!(g.Factor > 1) || math.IsInf(g.Factor, 0)):
		return fmt.Errorf("predict.grow.factor %v, want > 1", g.Factor)
	case g.Add < 0:
		return fmt.Errorf("predict.grow.add %d, want > 0", g.Add)
	case (g.MaxFraction != 0) == (g.MaxNAlpha != 0):
		return errors.New("predict.grow: set exactly one of max_fraction and max_n_alpha")
	case g.MaxFraction < 0 || g.MaxFraction > 1:
		return fmt.Errorf("predict.grow.max_fraction %v, want 0 < max_fraction ≤ 1", g.MaxFraction)
	case g.MaxNAlpha < 0:
		return fmt.Errorf("predict.grow.max_n_alpha %d, want > 0", g.MaxNAlpha)
	case p.Fraction > 0 && g.MaxFraction > 0 && g.MaxFraction <= p.Fraction:
		return fmt.Errorf("predict.grow.max_fraction %v, want more than the starting fraction %v", g.MaxFraction, p.Fraction)
	case p.NAlpha > 0 && g.MaxNAlpha > 0 && g.MaxNAlpha <= p.NAlpha:
		return fmt.Errorf("predict.grow.max_n_alpha %d, want more than the starting n_alpha %d", g.MaxNAlpha, p.NAlpha)
	case p.Tied:
		return errors.New("predict.grow does not apply to tied α")
	case p.Normalize:
		return errors.New("predict.grow does not combine with normalize (each atom's scale would change as α grows)")
	case p.Alternate > 0:
		return errors.New("predict.grow does not combine with alternate (U is learned there)")
	}
	return nil
}

// validateGrow checks train.grow against the layers' predict.grow and
// the settings it needs.
func (c *Config) validateGrow() error {
	t := c.Train
	growing := false
	for _, l := range c.Layers {
		growing = growing || l.Predict != nil && l.Predict.Grow != nil
	}
	s := t.Grow
	switch {
	case s == nil && growing:
		return errors.New("config: predict.grow needs train.grow (when to grow)")
	case s == nil:
		return nil
	case !growing:
		return errors.New("config: train.grow, but no layer has predict.grow (what to grow)")
	case s.At != nil:
		if s.Every != 0 || s.Patience != 0 || s.MinImprovement != 0 {
			return errors.New("config: train.grow.at lists the growths; every, patience and min_improvement decide them instead: set one or the other")
		}
		for i, e := range s.At {
			if e < 1 || e >= t.Epochs || i > 0 && e <= s.At[i-1] {
				return fmt.Errorf("config: train.grow.at %v, want ascending epochs from 1 to %d (train.epochs − 1)", s.At, t.Epochs-1)
			}
		}
	case t.Validation == 0:
		return errors.New("config: train.grow needs train.validation (growth is decided on the validation error), or the epochs to grow at (train.grow.at)")
	case s.Every < 1:
		return fmt.Errorf("config: train.grow.every %d, want ≥ 1", s.Every)
	case s.Patience < 1:
		return fmt.Errorf("config: train.grow.patience %d, want ≥ 1", s.Patience)
	case !(s.MinImprovement >= 0 && s.MinImprovement < 1):
		return fmt.Errorf("config: train.grow.min_improvement %v, want 0 ≤ min_improvement < 1", s.MinImprovement)
	}
	if t.Pretrain != nil {
		return errors.New("config: train.grow does not combine with train.pretrain (the pretrained snapshot is of the starting sizes)")
	}
	return nil
}

// max returns the cap on n_α for a layer of rows input positions.
func (g *GrowConfig) max(rows int) int {
	if g.MaxNAlpha > 0 {
		return g.MaxNAlpha
	}
	return max(1, int(math.Round(g.MaxFraction*float64(rows))))
}

// next returns the n_α after growing from n, capped at limit.
func (g *GrowConfig) next(n, limit int) int {
	if g.Add > 0 {
		return min(n+g.Add, limit)
	}
	return min(max(n+1, int(math.Round(g.Factor*float64(n)))), limit)
}

// step describes one growth in a few words ("×2", "+10").
func (g *GrowConfig) step() string {
	if g.Add > 0 {
		return fmt.Sprintf("+%d", g.Add)
	}
	return fmt.Sprintf("×%g", g.Factor)
}

// GrowthLog is the record of a run's growth of α (train.grow), in its
// summary and checkpoints.
type GrowthLog struct {
	// Steps are the growths, in order.
	Steps []Growth `json:"steps"`
	// Stopped says why growth stopped for the rest of the run: "max"
	// (every growing layer reached its cap), "patience" (train.grow's
	// patience of growths in a row did not improve the validation
	// error), "schedule" (the last epoch of train.grow.at), or "failed: …" (building the larger model failed; the
	// run goes on at its size). It is "" while growth may go on.
	// StoppedEpoch is the epoch whose end stopped it.
	Stopped      string `json:"stopped,omitempty"`
	StoppedEpoch int    `json:"stopped_epoch,omitempty"`
	// Seconds is the wall time of all growths, included in the run's.
	Seconds float64 `json:"seconds"`
	// LastGrew and Failed are the schedule's state: whether the last
	// check grew, and how many growths in a row did not improve.
	LastGrew bool `json:"last_grew,omitempty"`
	Failed   int  `json:"failed,omitempty"`
}

// Growth is one growth of α.
type Growth struct {
	// Epoch is the epoch at whose end the layers grew, and Updates the
	// optimizer updates made by then.
	Epoch   int   `json:"epoch"`
	Updates int64 `json:"updates"`
	// From and To are every layer's n_α per column before and after (0
	// for layers that are not predicted).
	From []int `json:"from"`
	To   []int `json:"to"`
	// LearnedWeights is Accounting.LearnedWeights after the growth.
	LearnedWeights int `json:"learned_weights"`
	// WChange is ‖W' − W‖/‖W‖ (Frobenius) of each layer's weights across
	// the growth (0 for layers that did not grow): how well the carried
	// V kept W.
	WChange []float64 `json:"w_change"`
	// Seconds is the wall time of the growth: building the larger
	// model (its dictionaries) and carrying the state over.
	Seconds float64 `json:"seconds"`
}

// NAlpha returns each layer's n_α per column (0 for the layers that are
// not predicted): the config's, or the size it has grown to.
func (m *Model) NAlpha() []int { return slices.Clone(m.nAlpha) }

// checkGrowth runs train.grow's check at the end of epoch e, after its
// metrics are in History, and grows the layers if the check says so.
func (r *Run) checkGrowth(e int) {
	cfg := r.Model.Config
	s, g := cfg.Train.Grow, r.Growth
	if s == nil || g.Stopped != "" || e >= cfg.Train.Epochs {
		return
	}
	if s.At != nil {
		r.growAt(e)
		return
	}
	if e%s.Every != 0 {
		return
	}
	window, prior := math.Inf(1), math.Inf(1)
	for _, h := range r.History {
		switch {
		case h.Validation == nil || h.Epoch > e:
		case h.Epoch > e-s.Every:
			window = min(window, h.Validation.Error)
		default:
			prior = min(prior, h.Validation.Error)
		}
	}
	if math.IsInf(window, 1) {
		return // no epoch of the window was evaluated (EndEpoch)
	}
	improved := math.IsInf(prior, 1) || window < prior*(1-s.MinImprovement)
	if g.LastGrew {
		g.LastGrew = false
		if improved {
			g.Failed = 0
		} else {
			g.Failed++
		}
		if g.Failed >= s.Patience {
			g.Stopped, g.StoppedEpoch = "patience", e
			return
		}
	}
	if improved {
		return
	}
	if err := r.grow(e); err != nil {
		g.Stopped, g.StoppedEpoch = "failed: "+err.Error(), e
		r.env.Log("growing α after epoch %d failed, training goes on at n_α = %v: %v", e, r.Model.nAlpha, err)
	}
}

// growAt grows the layers at the end of epoch e if train.grow.at lists
// it, and stops growth after the last listed epoch.
func (r *Run) growAt(e int) {
	at, g := r.Model.Config.Train.Grow.At, r.Growth
	if !slices.Contains(at, e) {
		return
	}
	if err := r.grow(e); err != nil {
		g.Stopped, g.StoppedEpoch = "failed: "+err.Error(), e
		r.env.Log("growing α after epoch %d failed, training goes on at n_α = %v: %v", e, r.Model.nAlpha, err)
		return
	}
	if g.Stopped == "" && e == at[len(at)-1] {
		g.Stopped, g.StoppedEpoch = "schedule", e
	}
	g.LastGrew = false
}

// grow enlarges the α of every growing layer not at its cap, at the end
// of epoch e: it builds the larger model and carries the run's state
// over (see carryOver). On error the run is left as it was.
func (r *Run) grow(e int) error {
	start := time.Now()
	old := r.Model
	cfg := old.Config
	from := old.NAlpha()
	to := slices.Clone(from)
	for i, lc := range cfg.Layers {
		if lc.Predict != nil && lc.Predict.Grow != nil {
			to[i] = lc.Predict.Grow.next(from[i], old.dicts[i].growMax)
		}
	}
	if slices.Equal(from, to) {
		r.Growth.Stopped, r.Growth.StoppedEpoch = "max", e
		return nil
	}
	r.env.Log("growing α after epoch %d: n_α %v → %v", e, from, to)
	env := r.env
	env.Stop = nil // growing is part of training, which is not stopped
	m, err := build(cfg, old.In, old.Classes, r.Train, env, nil, to)
	if err != nil {
		return err
	}
	opt, err := engine.NewOptimizer(cfg.Train.Optimizer, m.Net)
	if err != nil {
		return err
	}
	change, err := carryOver(old, r.Trainer.Opt, m, opt)
	if err != nil {
		return err
	}
	t := r.Trainer
	tr, err := engine.NewTrainer(m.Net, opt, t.Batch, t.Seed)
	if err != nil {
		return err
	}
	tr.Epoch, tr.Step, tr.Updates = t.Epoch, t.Step, t.Updates
	opt.ScheduleStart = t.Opt.ScheduleStart
	if cfg.Train.Grow.RestartLR {
		opt.ScheduleStart = t.Updates
	}
	r.Model, r.Trainer = m, tr
	secs := time.Since(start).Seconds()
	r.Seconds += secs
	g := r.Growth
	g.Seconds += secs
	g.LastGrew = true
	g.Steps = append(g.Steps, Growth{Epoch: e, Updates: t.Updates, From: from, To: to, LearnedWeights: m.Accounting().LearnedWeights,
		WChange: change, Seconds: secs})
	atCap := true
	for i, lc := range cfg.Layers {
		if lc.Predict != nil && lc.Predict.Grow != nil {
			atCap = atCap && to[i] == m.dicts[i].growMax
		}
	}
	if atCap {
		g.Stopped, g.StoppedEpoch = "max", e
	}
	return nil
}

// carryOver copies the trained state of model old with optimizer
// oldOpt into model m, the same config built with larger α in some
// layers, and its optimizer opt (fresh): every parameter and its
// optimizer state is copied, and the V of a grown layer is extended by
// growV. It returns ‖W' − W‖/‖W‖ per layer (0 for layers that did not
// grow).
func carryOver(old *Model, oldOpt *engine.Optimizer, m *Model, opt *engine.Optimizer) ([]float64, error) {
	change := make([]float64, len(m.Net.Layers))
	for i, l := range m.Net.Layers {
		ps, ops := l.Params(), old.Net.Layers[i].Params()
		if len(ps) != len(ops) {
			return nil, fmt.Errorf("layer %d: %d parameters, %d before", i, len(ps), len(ops))
		}
		grown := m.nAlpha[i] != old.nAlpha[i]
		for k, p := range ps {
			op := ops[k]
			if grown && op == predictedOf(old.Net.Layers[i]).V {
				if err := growV(old.dicts[i], m.dicts[i], op, p, oldOpt, opt); err != nil {
					return nil, fmt.Errorf("layer %d: %w", i, err)
				}
				continue
			}
			if p.Rows != op.Rows || p.Cols != op.Cols {
				return nil, fmt.Errorf("parameter %s is %d×%d, %d×%d before", p.Name, p.Rows, p.Cols, op.Rows, op.Cols)
			}
			copy(p.Data, op.Data)
			copyState(opt, p, oldOpt, op, 0, 0, p.Size())
		}
		if grown {
			before, _, _ := old.Weights(i, nil)
			after, _, _ := m.Weights(i, nil)
			change[i] = relChange(before, after)
		}
	}
	return change, nil
}

// growV writes into V' (p, the V of dictionary nd) the V of dictionary
// od (op), whose α_j are subsets of nd's, so that W = UV is kept:
//
//   - A row of V' at a position of the old α_j is that position's row of
//     V_j, multiplied by g_j/g'_j, the ratio of the columns' gains (1 for
//     the KRR form), and takes its optimizer state.
//   - A row at a new position is, in the KRR form, W's row there, and 0
//     in the raw form; its optimizer state is zero.
//
// Raw form: W_j = g_j·k(all, α_j)·V_j = g'_j·k(all, α'_j)·V'_j exactly.
// KRR form: write W_j = k(all, α_j)·A with A = (K_αα + λI)⁻¹V_j; then
// V'_j = (K_α'α' + λI)·[A; 0] gives U'_jV'_j = k(all, α'_j)·[A; 0] = W_j,
// and its rows are V_j at α_j and K_{new,α}·A = W_j's rows at the new
// positions. So W' = W up to rounding in both forms.
func growV(od, nd *Dictionary, op, p *engine.Param, oldOpt, opt *engine.Optimizer) error {
	if od.Columns != nd.Columns || len(od.Alpha) != od.Columns || len(nd.Alpha) != nd.Columns {
		return errors.New("growing V: the dictionaries' columns differ")
	}
	units := p.Cols
	per := units / nd.Columns
	krr := nd.form == "krr"
	for j := range nd.Columns {
		row := make(map[int]int, len(od.Alpha[j]))
		for q, pos := range od.Alpha[j] {
			row[pos] = q
		}
		scale := od.Gain[j] / nd.Gain[j]
		kept := 0
		for r, pos := range nd.Alpha[j] {
			dst := r*units + j*per
			q, ok := row[pos]
			switch {
			case ok:
				src := q*units + j*per
				for c := range per {
					p.Data[dst+c] = float32(float64(op.Data[src+c]) * scale)
				}
				copyState(opt, p, oldOpt, op, dst, src, per)
				kept++
			case krr:
				// W's row pos, column block j: U_j's row pos times V_j.
				uj := od.U[j][pos*od.NAlpha : (pos+1)*od.NAlpha]
				for c := range per {
					var s float64
					for a, u := range uj {
						s += float64(u) * float64(op.Data[a*units+j*per+c])
					}
					p.Data[dst+c] = float32(s)
				}
			default:
				clear(p.Data[dst : dst+per])
			}
		}
		if kept != len(od.Alpha[j]) {
			return fmt.Errorf("growing V: column %d's α of %d positions keeps %d of them", j, len(nd.Alpha[j]), kept)
		}
	}
	return nil
}

// copyState copies n values of the optimizer state of parameter op in
// from, from offset src within it, into that of p in to at offset dst.
func copyState(to *engine.Optimizer, p *engine.Param, from *engine.Optimizer, op *engine.Param, dst, src, n int) {
	copy(to.M[p.Off+dst:p.Off+dst+n], from.M[op.Off+src:op.Off+src+n])
	if to.V != nil {
		copy(to.V[p.Off+dst:p.Off+dst+n], from.V[op.Off+src:op.Off+src+n])
	}
}

// relChange returns ‖b − a‖/‖a‖ (Frobenius; ‖b − a‖ when a is 0).
func relChange(a, b []float32) float64 {
	var d, n float64
	for i, v := range a {
		x := float64(b[i]) - float64(v)
		d += x * x
		n += float64(v) * float64(v)
	}
	if n == 0 {
		return math.Sqrt(d)
	}
	return math.Sqrt(d / n)
}
