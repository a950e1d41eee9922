package session

import (
	"fmt"
	"math"
)

// The reviewers' naive baseline: a dense net down-sized to as many
// learned weights as a predicted one. The page trains it beside the
// predicted net ("compare with: dense net, as many learned weights").
//
// Learned weights are models.Accounting.LearnedWeights: the trained
// weights of the hidden layers, biases and the classifier left out.

// SmallTolerance is the relative gap between a convnet's learned weights
// and Small's target within which Small prefers the most even shrinking
// to the closest count. One hidden unit more or less moves the count by
// its incoming weights (16 per filter of the second conv layer), so the
// page's convnets come far closer than that (the test states how close).
const SmallTolerance = 0.01

// Small returns the dense net of p's family (p.Dense's model, with
// fewer units and, for the convnet, fewer filters) whose learned weights
// are as close as possible to learned: for the MLP, the hidden width
// nearest to it; for the convnet, the filters and hidden width that
// shrink the three layers most evenly among those within SmallTolerance
// of it (the closest of all when none is). It also returns that net's
// learned weights.
func Small(p Params, learned int) (Params, int, error) {
	if err := p.Validate(); err != nil {
		return Params{}, 0, err
	}
	if learned < 1 {
		return Params{}, 0, fmt.Errorf("%d learned weights: want at least 1", learned)
	}
	q := p.Dense()
	if p.Model == "mlp" {
		q.Hidden = nearestWidth(learned, func(h int) int { return q.withHidden(h).denseLearned() })
		return q, q.denseLearned(), nil
	}
	f0 := DefaultFilters
	best, bestErr, bestSkew := q, math.Inf(1), math.Inf(1)
	for f2 := 1; f2 <= f0[1]; f2++ {
		c := q
		c.Filters = []int{max(1, int(math.Round(float64(f2*f0[0])/float64(f0[1])))), f2}
		c.Hidden = nearestWidth(learned, func(h int) int { return c.withHidden(h).denseLearned() })
		off := math.Abs(float64(c.denseLearned()-learned)) / float64(learned)
		// How unevenly the filters and the hidden layer shrink: the
		// gap between their log ratios to the model's.
		skew := math.Abs(math.Log(float64(f2)/float64(f0[1])) - math.Log(float64(c.Hidden)/float64(p.Hidden)))
		within, bestWithin := off <= SmallTolerance, bestErr <= SmallTolerance
		if within && (!bestWithin || skew < bestSkew) || !within && !bestWithin && off < bestErr {
			best, bestErr, bestSkew = c, off, skew
		}
	}
	return best, best.denseLearned(), nil
}

func (p Params) withHidden(h int) Params {
	p.Hidden = h
	return p
}

// nearestWidth returns the hidden width in [1, MaxHidden] whose count,
// an increasing function of it, is nearest to target (the smaller on a
// tie).
func nearestWidth(target int, count func(h int) int) int {
	lo, hi := 1, MaxHidden
	for lo < hi { // the first width whose count reaches target
		mid := (lo + hi) / 2
		if count(mid) >= target {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo > 1 && target-count(lo-1) <= count(lo)-target {
		return lo - 1
	}
	return lo
}

// denseLearned returns the learned weights of the dense net p describes
// (p's dictionaries are not read): the weights of its hidden layers.
func (p Params) denseLearned() int {
	const in = 28 * 28
	if p.Model == "mlp" {
		n := in * p.Hidden
		if p.Depth == 2 {
			n += p.Hidden * p.Hidden
		}
		return n
	}
	// 28×28 → conv 5×5 → 24×24 → pool 2 → 12×12 → conv 5×5 → 8×8 →
	// pool 2 → 4×4 → dense.
	f := p.filters()
	return 25*f[0] + 25*f[0]*f[1] + 4*4*f[1]*p.Hidden
}
