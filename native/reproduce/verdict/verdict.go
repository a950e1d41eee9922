// Package verdict holds the rules that turn the report's comparisons into
// the verdicts of docs/RESULTS.md: holds, partly holds, does not hold,
// inconclusive, or not measured yet.
//
// The tuned grid's claims are judged by a Rule (rules.go): Welch's test
// at each point of a claim, Holm's correction across the claim's points,
// a stated margin for equivalence and non-inferiority, and verdicts that
// count a claim's worse points as well as its better ones (Superior for
// "a beats b", NoLoss for "no loss" and "as well as"). Rule.Rules states
// them in words for the report, and the tests pin them, by table and by
// simulating whole claims.
//
// The earlier grid's rules (Graded, Tally, WithoutLoss, NegligibleLoss,
// SmallestWithinNoise: a difference beyond twice its standard error) stay
// for the sections that report that grid until it is replaced.
// It imports only the stats package.
package verdict

import (
	"fmt"

	"github.com/predparams/predparams/native/reproduce/stats"
)

// A Verdict is the judgement of one claim.
type Verdict string

// Verdicts.
const (
	Holds        Verdict = "holds"
	PartlyHolds  Verdict = "partly holds"
	DoesNotHold  Verdict = "does not hold"
	NotMeasured  Verdict = "not measured yet"
	NotAvailable Verdict = "cannot be tested here"
	NotRun       Verdict = "not run"
)

// Graded returns NotMeasured unless measured, then Holds when all, else
// PartlyHolds when some, else DoesNotHold.
func Graded(measured, all, some bool) Verdict {
	switch {
	case !measured:
		return NotMeasured
	case all:
		return Holds
	case some:
		return PartlyHolds
	}
	return DoesNotHold
}

// A Tally counts, over points, how an arm a compares with a baseline b
// (lower is better).
type Tally struct {
	Better, Within, Worse, Total int
	// Detail lists what the caller wants to show of the compared points.
	Detail []string
}

// Add counts the comparison c of a point, when it could be made (c.OK),
// and reports whether it could.
func (t *Tally) Add(c stats.Comparison) bool {
	if !c.OK {
		return false
	}
	t.Total++
	switch {
	case c.Better():
		t.Better++
	case c.Worse():
		t.Worse++
	default:
		t.Within++
	}
	return true
}

// String describes the tally as the report prints it.
func (t Tally) String() string {
	if t.Total == 0 {
		return "no point measured yet"
	}
	return fmt.Sprintf("better beyond noise at %d of %d points, within noise at %d, worse at %d", t.Better, t.Total, t.Within, t.Worse)
}

// Beats judges a claim "a beats b": it holds when a is better beyond
// noise at every compared point, partly at some, does not at none, and is
// not measured without a compared point.
func (t Tally) Beats() Verdict { return Graded(t.Total > 0, t.Better == t.Total, t.Better > 0) }

// NoWorse judges a claim "a is no worse than b": it holds when no point
// is worse beyond noise, partly when some points are not worse, does not
// when all are.
func (t Tally) NoWorse() Verdict { return Graded(t.Total > 0, t.Worse == 0, t.Worse < t.Total) }

// WithoutLoss judges "a loses no accuracy against b" from the comparison
// of their test errors in percent: it holds within noise (or better),
// partly when a is worse beyond noise by less than half a point, does not
// otherwise.
func WithoutLoss(c stats.Comparison) Verdict { return Graded(c.OK, !c.Worse(), c.Diff < 0.5) }

// NegligibleLoss judges "a loses a negligible amount against b": it holds
// within noise or at most 0.1 point worse, partly at most 0.3 point
// worse, does not otherwise.
func NegligibleLoss(c stats.Comparison) Verdict {
	return Graded(c.OK, !c.Worse() || c.Diff <= 0.1, c.Diff <= 0.3)
}

// SmallestWithinNoise judges "most weights can be predicted without loss"
// from the points, in increasing order, at which a predicted arm is within
// noise of dense (or better): measured says whether the first point could
// be compared, first is that point and lowest the first point within
// noise (ok false when none is). It holds when the first point is within
// noise, partly when a later one is, does not when none is.
func SmallestWithinNoise(measured bool, first, lowest float64, ok bool) Verdict {
	return Graded(measured, ok && lowest == first, ok)
}
