package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/predparams/predparams/engine"
)

// Weights are the buffers of a predicted layer's W = [U_1V_1 | … |
// U_JV_J] and bias, in the layouts of Factors, passed as one value the way
// gonum passes a blas32.General: the shape with its data. The same type
// carries the gradients, where U is nil for a fixed dictionary (and UC is
// not used).
type Weights struct {
	F Factors
	// U holds the J dictionaries, (J·Rows)×NAlpha. UC, when not nil, holds
	// the same side by side, Rows × J·NAlpha (Factors.Concat; U itself
	// when J = 1), for the factored form's single product; it must be nil
	// when U changes between calls without UC following it (a learned
	// dictionary).
	U, UC []float32
	// V is NAlpha×Units (column block j is V_j); B holds Units biases.
	V, B []float32
}

// PredictedParams is what the predicted dense and conv layers share: the
// factor shape, the dictionary, how V (and a learned U) start, and the
// layer's parameters.
type PredictedParams struct {
	// F is the factor shape.
	F Factors
	// U is the fixed dictionary (J blocks of F.Rows×F.NAlpha, see
	// Factors); nil when LearnU.
	U []float32
	// LearnU makes U the learned parameter "u" ("lowrank"), initialised
	// by UInit.
	LearnU bool
	UInit  func(r *rand.Rand, w []float32)
	// VInit initialises V; nil means the layer's default init for its
	// activation.
	VInit func(r *rand.Rand, w []float32)
	// MaxNorm marks V for the optimizer's max-norm constraint on units.
	MaxNorm bool
	// Alternate, with LearnU, trains U and V in turns of Alternate epochs
	// (see PredictConfig.Alternate and SetPhase); 0 trains both together.
	Alternate int

	// V (n_α×n_h), B and, when LearnU, UP (the learned U, J·n_v×n_α) are
	// the layer's parameters, set by Setup.
	V, B, UP *engine.Param
}

// predictedOf returns the shared part of a predicted layer, nil for any
// other layer.
func predictedOf(l engine.Layer) *PredictedParams {
	if p, ok := l.(interface{ predicted() *PredictedParams }); ok {
		return p.predicted()
	}
	return nil
}

func (p *PredictedParams) predicted() *PredictedParams { return p }

// setupParams checks the dictionary's size and declares V, B and UP, for
// a layer called what with activation act.
func (p *PredictedParams) setupParams(what string, act engine.Act) error {
	f := p.F
	if !p.LearnU && len(p.U) != f.USize() {
		return fmt.Errorf("%s: dictionary of %d values, want %d", what, len(p.U), f.USize())
	}
	init := p.VInit
	if init == nil {
		init = engine.DefaultInit(f.Rows, f.Units, act)
	}
	p.V = &engine.Param{Name: "v", Rows: f.NAlpha, Cols: f.Units, Role: engine.Weight, MaxNorm: p.MaxNorm, Init: init}
	p.B = &engine.Param{Name: "b", Rows: 1, Cols: f.Units, Role: engine.Bias}
	p.UP = nil
	if p.LearnU {
		p.UP = &engine.Param{Name: "u", Rows: f.Columns * f.Rows, Cols: f.NAlpha, Role: engine.Weight, Init: p.UInit}
	}
	return nil
}

// SetPhase freezes U or V for the turn of alternating training that
// epoch falls in: V learns in turns 0, 2, 4, … and U in turns 1, 3, …,
// each Alternate epochs long; the biases learn in every turn. It does
// nothing unless U is learned and Alternate > 0.
func (p *PredictedParams) SetPhase(epoch int) {
	if p.Alternate <= 0 || p.UP == nil {
		return
	}
	trainU := (epoch/p.Alternate)%2 == 1
	p.UP.Frozen, p.V.Frozen = !trainU, trainU
}

// Params implements engine.Layer: v, b, and u when LearnU.
func (p *PredictedParams) Params() []*engine.Param {
	if p.UP != nil {
		return []*engine.Param{p.V, p.B, p.UP}
	}
	return []*engine.Param{p.V, p.B}
}

// Dict returns the current dictionary: U, or the learned parameter's data.
func (p *PredictedParams) Dict() []float32 {
	if p.UP != nil {
		return p.UP.Data
	}
	return p.U
}

// weights returns the layer's weights (with uc as their UC) and their
// gradients.
func (p *PredictedParams) weights(uc []float32) (w, dw Weights) {
	w = Weights{F: p.F, U: p.Dict(), UC: uc, V: p.V.Data, B: p.B.Data}
	dw = Weights{F: p.F, V: p.V.Grad, B: p.B.Grad}
	if p.UP != nil {
		dw.U = p.UP.Grad
	}
	return w, dw
}

// effectiveW writes W = U·V into w.
func (p *PredictedParams) effectiveW(c *engine.Context, w []float32) {
	p.F.Materialise(c, w, p.Dict(), p.V.Data)
}

// addWGrad adds the gradient of a loss with respect to W, dw, into the
// parameters' gradients.
func (p *PredictedParams) addWGrad(c *engine.Context, dw []float32) {
	w, grad := p.weights(nil)
	p.F.BackpropW(c, grad.U, grad.V, dw, w.U, w.V)
}
