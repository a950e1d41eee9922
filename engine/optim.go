package engine

import (
	"errors"
	"fmt"
	"math"
)

// OptimConfig configures an optimizer. Zero fields take the defaults
// noted.
type OptimConfig struct {
	// Kind is "sgd" (with momentum) or "adam".
	Kind string `json:"kind"`
	// LR is the learning rate at the first update; it must be > 0.
	LR float64 `json:"lr"`
	// LRDecay divides the learning rate by this factor after every update
	// (the paper code uses 1.00004); 0 or 1 means constant. A factor
	// below 1, which would make the rate grow, is refused.
	LRDecay float64 `json:"lr_decay,omitempty"`
	// MinLR floors the decayed learning rate; it may not exceed LR.
	MinLR float64 `json:"min_lr,omitempty"`
	// Momentum for SGD (0 to < 1). MomentumFinal, if set, is reached
	// linearly over MomentumSteps updates.
	Momentum      float64 `json:"momentum,omitempty"`
	MomentumFinal float64 `json:"momentum_final,omitempty"`
	MomentumSteps int64   `json:"momentum_steps,omitempty"`
	// Beta1, Beta2 and Eps for Adam (defaults 0.9, 0.999, 1e-8).
	Beta1 float64 `json:"beta1,omitempty"`
	Beta2 float64 `json:"beta2,omitempty"`
	Eps   float64 `json:"eps,omitempty"`
	// WeightDecay adds WeightDecay·w to the gradient of every Weight
	// parameter (L2 regularisation); biases are not decayed.
	WeightDecay float64 `json:"weight_decay,omitempty"`
	// MaxNorm caps the L2 norm of each column of the parameters marked
	// MaxNorm after every update (the paper code uses 1.9365); 0 is off.
	MaxNorm float64 `json:"max_norm,omitempty"`
}

// Validate reports the first setting out of range.
func (c OptimConfig) Validate() error {
	switch {
	case c.Kind != "sgd" && c.Kind != "adam":
		return fmt.Errorf("optimizer %q, want sgd or adam", c.Kind)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("learning rate %v, want > 0", c.LR)
	case c.LRDecay < 0 || c.LRDecay > 0 && c.LRDecay < 1 || math.IsNaN(c.LRDecay) || math.IsInf(c.LRDecay, 0):
		return fmt.Errorf("lr_decay %v would make the learning rate grow (it divides it after every update): want ≥ 1, or 0 for constant", c.LRDecay)
	case c.MinLR > c.LR:
		return fmt.Errorf("min_lr %v is above the learning rate %v (it is a floor)", c.MinLR, c.LR)
	case c.Momentum < 0 || c.Momentum >= 1 || c.MomentumFinal < 0 || c.MomentumFinal >= 1:
		return fmt.Errorf("momentum %v → %v, want 0 ≤ m < 1", c.Momentum, c.MomentumFinal)
	case c.Beta1 < 0 || c.Beta1 >= 1 || c.Beta2 < 0 || c.Beta2 >= 1:
		return fmt.Errorf("adam betas %v, %v, want 0 ≤ β < 1", c.Beta1, c.Beta2)
	case c.WeightDecay < 0 || c.MaxNorm < 0 || c.Eps < 0 || c.MinLR < 0 || c.MomentumSteps < 0:
		return fmt.Errorf("weight_decay, max_norm, eps, min_lr and momentum_steps must be ≥ 0")
	case c.MomentumFinal != 0 && c.MomentumSteps == 0:
		return fmt.Errorf("momentum_final %v needs momentum_steps > 0 (the updates over which momentum reaches it)", c.MomentumFinal)
	case c.Kind == "adam" && (c.Momentum != 0 || c.MomentumFinal != 0 || c.MomentumSteps != 0):
		return errors.New("momentum, momentum_final and momentum_steps apply to sgd, not adam (use beta1)")
	case c.Kind == "sgd" && (c.Beta1 != 0 || c.Beta2 != 0 || c.Eps != 0):
		return errors.New("beta1, beta2 and eps apply to adam, not sgd")
	}
	return nil
}

// LRAt returns the learning rate of update t (counted from 0).
func (c OptimConfig) LRAt(t int64) float64 {
	lr := c.LR
	if c.LRDecay > 0 && c.LRDecay != 1 {
		lr = c.LR / math.Pow(c.LRDecay, float64(t))
	}
	return max(lr, c.MinLR)
}

// MomentumAt returns SGD's momentum at update t.
func (c OptimConfig) MomentumAt(t int64) float64 {
	if c.MomentumFinal == 0 || c.MomentumSteps == 0 {
		return c.Momentum
	}
	f := min(float64(t)/float64(c.MomentumSteps), 1)
	return c.Momentum + f*(c.MomentumFinal-c.Momentum)
}

// Optimizer updates a Net's parameters from their gradients. Its state
// (momentum, Adam moments) lives in flat buffers with the same offsets as
// Net.Data, so a step is a loop over slices and a checkpoint saves the
// buffers as they are.
type Optimizer struct {
	Config OptimConfig
	// M is SGD's velocity or Adam's first moment; V is Adam's second
	// moment (nil for SGD).
	M, V []float32
	// ScheduleStart is the update from which Config's learning-rate
	// schedule (LRDecay) counts: update t uses Config.LRAt(t −
	// ScheduleStart). 0 unless a caller restarts the schedule (a model
	// whose α grew).
	ScheduleStart int64
	// Origin is the update at which the state was last zeroed (0 for
	// a new optimizer): Adam's bias corrections count the updates from
	// it, so that a state zeroed mid-run (Reset) starts as a new one
	// does. A checkpoint does not store it: it is 0 on resume.
	Origin int64
	norms  []float64
	ctx    *Context // the net's: threads and helpers for the updates
}

// NewOptimizer checks cfg and allocates state for net.
func NewOptimizer(cfg OptimConfig, net *Net) (*Optimizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Kind == "adam" {
		if cfg.Beta1 == 0 {
			cfg.Beta1 = 0.9
		}
		if cfg.Beta2 == 0 {
			cfg.Beta2 = 0.999
		}
		if cfg.Eps == 0 {
			cfg.Eps = 1e-8
		}
	}
	o := &Optimizer{Config: cfg, M: make([]float32, len(net.Data)), ctx: &net.Ctx}
	if cfg.Kind == "adam" {
		o.V = make([]float32, len(net.Data))
	}
	cols := 0
	for _, p := range net.Params {
		cols = max(cols, p.Cols)
	}
	o.norms = make([]float64, cols)
	return o, nil
}

// Reset zeroes the optimizer state before update t: Adam's bias
// corrections count from it again (Origin).
func (o *Optimizer) Reset(t int64) {
	clear(o.M)
	clear(o.V)
	o.Origin = t
}

// LR returns the learning rate of update t (counted from 0).
func (o *Optimizer) LR(t int64) float64 { return o.Config.LRAt(t - o.ScheduleStart) }

// Step applies update t (counted from 0) to every parameter in params
// from its Grad. The update is one pass over the parameters, split over
// the threads of the net's Context.
func (o *Optimizer) Step(params []*Param, t int64) {
	c := o.Config
	lr := float32(o.LR(t))
	u := update{o: o, params: params, lr: lr, wd: float32(c.WeightDecay), flush: t%flushEvery == 0}
	switch c.Kind {
	case "sgd":
		u.mu = float32(c.MomentumAt(t))
	case "adam":
		u.adam = true
		u.b1, u.b2 = float32(c.Beta1), float32(c.Beta2)
		// Bias corrections folded into the step size and epsilon.
		k := float64(max(t-o.Origin, 0) + 1)
		bc1 := 1 - math.Pow(c.Beta1, k)
		bc2 := 1 - math.Pow(c.Beta2, k)
		u.step = float32(float64(lr) * math.Sqrt(bc2) / bc1)
		u.eps = float32(c.Eps * math.Sqrt(bc2))
	}
	if tm, parts := o.ctx.split(len(o.M), minParams); tm != nil {
		tm.update = u
		tm.run(&tm.update, len(o.M), parts)
	} else {
		u.run(0, len(o.M))
	}
	if c.MaxNorm > 0 {
		for _, p := range params {
			if p.MaxNorm && !p.Frozen {
				o.capColumns(p, c.MaxNorm)
			}
		}
	}
}

// update is one optimizer step over the offsets [lo, hi) of the flat
// parameter buffer: the parts of params that fall in that range.
type update struct {
	o                 *Optimizer
	params            []*Param
	adam              bool
	lr, wd            float32
	mu                float32 // SGD
	step, b1, b2, eps float32 // Adam
	flush             bool    // flush tiny state to zero; see flushEvery
}

func (u *update) run(lo, hi int) {
	for _, p := range u.params {
		i0, i1 := max(lo, p.Off), min(hi, p.Off+p.Size())
		if i0 >= i1 || p.Frozen {
			continue
		}
		decay := u.wd
		if p.Role != Weight {
			decay = 0
		}
		w, g := p.Data[i0-p.Off:i1-p.Off], p.Grad[i0-p.Off:i1-p.Off]
		if u.flush {
			flushTiny(u.o.M[i0:i1])
			if u.adam {
				flushTiny(u.o.V[i0:i1])
			}
		}
		if u.adam {
			adamUpdate(w, g, u.o.M[i0:i1], u.o.V[i0:i1], u.step, u.b1, u.b2, u.eps, decay)
		} else {
			sgdUpdate(w, g, u.o.M[i0:i1], u.lr, u.mu, decay)
		}
	}
}

// The optimizers' state decays geometrically where the gradient is zero
// (a pixel that is always 0, a dead unit). Below 1e-30 it no longer moves
// w (an Adam step changes w by at most step·1e-30/eps), but left alone it
// decays into float32's subnormal range (below 1.2e-38), where every
// operation on it takes a microcode assist of about a hundred cycles: on
// MNIST that made Adam's update 1.7 times slower. So every flushEvery
// updates, Step sets the state below stateFloor to zero. That is 26
// binary orders of magnitude above the subnormals: state that decays by
// less than 2^−0.8 an update (Adam's β₁ = 0.9 decays by 2^−0.15) is
// flushed before it gets there, and state that decays faster spends at
// most 28 updates there, once.
const (
	stateFloor = 1e-30
	flushEvery = 32
)

// flushTiny sets the values of x smaller in magnitude than stateFloor to
// zero.
func flushTiny(x []float32) {
	for i, v := range x {
		if math.Abs(float64(v)) < stateFloor {
			x[i] = 0
		}
	}
}

// sgdUpdateGo applies v = μ·v − lr·(g + wd·w); w += v. sgdUpdate
// (simd_*.go) is this loop, or one that rounds alike in wasm SIMD.
func sgdUpdateGo(w, g, v []float32, lr, mu, wd float32) {
	g, v = g[:len(w)], v[:len(w)]
	for i := range w {
		vi := mu*v[i] - lr*(g[i]+wd*w[i])
		v[i] = vi
		w[i] += vi
	}
}

// adamUpdateGo applies Adam with bias corrections folded into step and eps.
// adamUpdate (simd_*.go) is this loop, or one that rounds alike in wasm
// SIMD.
// The square root is float32 (the compiler turns float32(math.Sqrt(
// float64(x))) into one SQRTSS); the divide that remains costs about as
// much as the rest of the update.
func adamUpdateGo(w, g, m, v []float32, step, b1, b2, eps, wd float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	c1, c2 := 1-b1, 1-b2
	for i := range w {
		gi := g[i] + wd*w[i]
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		w[i] -= step * mi / (float32(math.Sqrt(float64(vi))) + eps)
	}
}

// capColumns rescales every column of p whose L2 norm exceeds c to norm c.
func (o *Optimizer) capColumns(p *Param, c float64) {
	norms := o.norms[:p.Cols]
	clear(norms)
	for i := 0; i < p.Rows; i++ {
		for j, v := range p.Data[i*p.Cols : (i+1)*p.Cols] {
			norms[j] += float64(v) * float64(v)
		}
	}
	for j, s := range norms {
		n := math.Sqrt(s)
		norms[j] = 1
		if n > c {
			norms[j] = c / n
		}
	}
	for i := 0; i < p.Rows; i++ {
		row := p.Data[i*p.Cols : (i+1)*p.Cols]
		for j := range row {
			if norms[j] != 1 {
				row[j] = float32(float64(row[j]) * norms[j])
			}
		}
	}
}
