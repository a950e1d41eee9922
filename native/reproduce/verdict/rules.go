package verdict

import (
	"fmt"
	"strings"

	"github.com/predparams/predparams/native/reproduce/stats"
)

// Inconclusive is the verdict of a claim whose measurements can neither
// confirm nor refute it at the stated level and margin.
const Inconclusive Verdict = "inconclusive"

// A Point is one comparison of a claim: arm a against baseline b at one
// point of the grid (a fraction, a budget), lower being better.
type Point struct {
	Label string
	A, B  stats.Sample
}

// An Outcome is what the tests found at one point.
type Outcome string

// Outcomes of a point.
const (
	Better     Outcome = "better"        // a lower than b (two-sided Welch, Holm-adjusted)
	Worse      Outcome = "worse"         // a higher than b; for NoLoss: by more than the margin
	NoEffect   Outcome = "no difference" // for Superior: equivalent within the margin (TOST)
	NoLossSeen Outcome = "no loss"       // for NoLoss: worse by less than the margin (non-inferior)
	Undecided  Outcome = "undecided"     // none of the above
	Missing    Outcome = "not measured"  // fewer values than the rule needs
)

// A PointResult is a point with its test, the Holm-adjusted p-value of
// the test that decided it (or of the claim's main test when none did)
// and its outcome.
type PointResult struct {
	Point
	Test    stats.Test
	AdjP    float64
	Outcome Outcome
}

// A Judgement is a claim's verdict with the points it rests on.
type Judgement struct {
	Verdict Verdict
	Points  []PointResult
	// Margin is the equivalence or non-inferiority margin used.
	Margin float64
}

// A Rule judges the points of one claim. MinN is the number of values
// each side of every point needs: the claim is not measured until every
// point has them, so that no verdict rests on a partial grid. Margin is
// the margin of equivalence (Superior) or of non-inferiority (NoLoss),
// in the points' unit.
type Rule struct {
	MinN   int
	Margin float64
}

// measured runs Welch's test at every point and reports whether every
// point has MinN values on each side.
func (r Rule) measured(points []Point) ([]PointResult, bool) {
	out := make([]PointResult, len(points))
	all := len(points) > 0
	for i, p := range points {
		out[i] = PointResult{Point: p, Test: stats.Welch(p.A, p.B), Outcome: Missing}
		if p.A.N() < max(r.MinN, 2) || p.B.N() < max(r.MinN, 2) {
			all = false
		}
	}
	return out, all
}

// holm returns the Holm-adjusted values of f over the results.
func holm(res []PointResult, f func(stats.Test) float64) []float64 {
	p := make([]float64, len(res))
	for i, r := range res {
		p[i] = f(r.Test)
	}
	return stats.Holm(p)
}

// Superior judges the claim "a beats b" (a's error is lower) over its
// points. At each point Welch's two-sided test decides better or worse,
// its p-values Holm-adjusted over the claim's points; a point with
// neither is "no difference" when the two one-sided tests show the
// difference inside ±Margin (also Holm-adjusted), undecided otherwise.
// The claim holds when a is better at every point, partly holds when
// better at some and worse at none, does not hold when a is worse at
// any point or when every point shows no difference, and is
// inconclusive otherwise.
func (r Rule) Superior(points []Point) Judgement {
	res, ok := r.measured(points)
	j := Judgement{Points: res, Margin: r.Margin}
	if !ok {
		j.Verdict = NotMeasured
		return j
	}
	two := holm(res, func(t stats.Test) float64 { return t.P })
	eq := holm(res, func(t stats.Test) float64 { return t.TOST(r.Margin) })
	var better, worse, none int
	for i := range res {
		pr := &res[i]
		pr.AdjP = two[i]
		switch {
		case two[i] <= stats.Alpha && pr.Test.Diff < 0:
			pr.Outcome = Better
			better++
		case two[i] <= stats.Alpha && pr.Test.Diff > 0:
			pr.Outcome = Worse
			worse++
		case eq[i] <= stats.Alpha:
			pr.Outcome, pr.AdjP = NoEffect, eq[i]
			none++
		default:
			pr.Outcome = Undecided
		}
	}
	n := len(res)
	switch {
	case worse > 0:
		j.Verdict = DoesNotHold
	case better == n:
		j.Verdict = Holds
	case better > 0:
		j.Verdict = PartlyHolds
	case none == n:
		j.Verdict = DoesNotHold
	default:
		j.Verdict = Inconclusive
	}
	return j
}

// NoLoss judges the claim "a loses at most Margin against b" (a's error
// is not higher by Margin or more; being lower is no loss) over its
// points. At each point the one-sided test of H0 "a is worse by Margin or
// more" decides "no loss", and the opposite one-sided test "worse": a is
// worse by more than Margin; each is Holm-adjusted over the claim's
// points. The claim holds when every point shows no loss, does not hold
// when any point is worse, partly holds when some points show no loss
// and the others are undecided, and is inconclusive when none decides.
func (r Rule) NoLoss(points []Point) Judgement {
	res, ok := r.measured(points)
	j := Judgement{Points: res, Margin: r.Margin}
	if !ok {
		j.Verdict = NotMeasured
		return j
	}
	ni := holm(res, func(t stats.Test) float64 { return t.PBelow(r.Margin) })
	loss := holm(res, func(t stats.Test) float64 { return t.PAbove(r.Margin) })
	var fine, worse int
	for i := range res {
		pr := &res[i]
		switch {
		case ni[i] <= stats.Alpha:
			pr.Outcome, pr.AdjP = NoLossSeen, ni[i]
			fine++
		case loss[i] <= stats.Alpha:
			pr.Outcome, pr.AdjP = Worse, loss[i]
			worse++
		default:
			pr.Outcome, pr.AdjP = Undecided, ni[i]
		}
	}
	switch {
	case worse > 0:
		j.Verdict = DoesNotHold
	case fine == len(res):
		j.Verdict = Holds
	case fine > 0:
		j.Verdict = PartlyHolds
	default:
		j.Verdict = Inconclusive
	}
	return j
}

// Count returns how many points had outcome o.
func (j Judgement) Count(o Outcome) int {
	n := 0
	for _, p := range j.Points {
		if p.Outcome == o {
			n++
		}
	}
	return n
}

// Effects lists every point's label and difference with its 95%
// interval, in points of error: "f = 0.05: +0.41 [+0.20, +0.62]".
func (j Judgement) Effects(prec int) string {
	var parts []string
	for _, p := range j.Points {
		parts = append(parts, fmt.Sprintf("%s: %s", p.Label, p.Test.Effect(prec)))
	}
	return strings.Join(parts, "; ")
}

// String describes the outcomes: "better at 2 of 3 points, worse at 0,
// no difference at 1, undecided at 0".
func (j Judgement) String() string {
	if j.Verdict == NotMeasured {
		n := 0
		for _, p := range j.Points {
			if p.Test.OK {
				n++
			}
		}
		return fmt.Sprintf("not every point measured yet (%d of %d with two values or more a side)", n, len(j.Points))
	}
	var parts []string
	for _, o := range []Outcome{Better, NoLossSeen, Worse, NoEffect, Undecided} {
		if c := j.Count(o); c > 0 {
			parts = append(parts, fmt.Sprintf("%s at %d", o, c))
		}
	}
	return fmt.Sprintf("%s of %d points", strings.Join(parts, ", "), len(j.Points))
}

// Rules states the rules of Superior and NoLoss in words for the report,
// with the level, the margin (in unit) and the number of seeds.
func (r Rule) Rules(unit string) string {
	return fmt.Sprintf(`- **Per point.** Each claim compares an arm a with a baseline b at one or more points (fractions, budgets). At each point the per-seed test errors of a and b (%d seeds each) go into Welch's two-sample t-test (no equal-variance assumption, Welch–Satterthwaite degrees of freedom). The effect size is the difference of mean test errors a − b in %s with its 95%% confidence interval.
- **Multiple comparisons.** The p-values of one claim's points form one family and are adjusted with Holm's step-down method, so that the chance of any false finding within a claim is at most %.2f whatever the correlation between points. A separate family per claim: claims are not corrected against each other.
- **"a beats b"** claims: a point is *better* (or *worse*) when the Holm-adjusted two-sided p ≤ %.2f and a's mean is lower (higher); otherwise it is *no difference* when the two one-sided tests (TOST) show the difference inside ±%g %s (Holm-adjusted p ≤ %.2f), else *undecided*. The claim **holds** when a is better at every point; **partly holds** when better at some point and worse at none; **does not hold** when a is worse at any point, or when every point shows no difference; and is **inconclusive** otherwise.
- **"no loss" and "as well as"** claims: a point shows *no loss* when the one-sided test of "a is worse by %g %s or more" rejects (Holm-adjusted p ≤ %.2f: the upper test of the TOST pair, since a being better does not contradict these claims); it is *worse* when the opposite one-sided test shows a worse by more than %g %s; else *undecided*. The claim **holds** when every point shows no loss; **does not hold** when any point is worse; **partly holds** when some points show no loss and the others are undecided; and is **inconclusive** when no point decides.
- **Not measured yet**: until every point of a claim has %d seeds on both sides, the claim has no verdict, whatever the partial numbers say.`,
		r.MinN, unit, stats.Alpha, stats.Alpha, r.Margin, unit, stats.Alpha,
		r.Margin, unit, stats.Alpha, r.Margin, unit, r.MinN)
}
