package stats

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Alpha is the significance level of every test of the report: 0.05,
// two-sided for differences, one-sided for each test of an equivalence
// or non-inferiority pair (so that their confidence interval is 90%).
const Alpha = 0.05

// DesignN is the number of seeds per point the report's tests are
// designed for: the grid runs this many. The package's tests simulate
// the tests at this n: a false-positive rate of at most Alpha, and a
// planted difference of two standard deviations found at least 80% of
// the time (at n = 5 Welch's test finds it about 77% of the time).
const DesignN = 6

// A Test is Welch's two-sample t-test of the difference of means a − b
// (lower values being better, a test error): the difference, its
// standard error √(s_a²/n_a + s_b²/n_b), the Welch–Satterthwaite degrees
// of freedom, the t statistic, the two-sided p-value and the 95%
// confidence interval of the difference. It makes no assumption of equal
// variances.
//
// OK is false when a side has fewer than two values: then only Diff is
// set (NaN when a side has none) and every p-value method returns 1.
// When both sides have no spread (SE = 0) the test is exact: DF is
// n_a + n_b − 2, the interval is [Diff, Diff] and a p-value is 0 or 1
// by the sign of what it tests.
type Test struct {
	Diff, SE, DF, T float64
	P               float64 // two-sided p of H0: no difference
	Lo, Hi          float64 // 95% confidence interval of Diff
	Na, Nb          int
	OK              bool
}

// Welch returns Welch's t-test of a − b.
func Welch(a, b Sample) Test {
	t := Test{Diff: a.Mean() - b.Mean(), Na: a.N(), Nb: b.N()}
	if a.N() < 2 || b.N() < 2 {
		t.P, t.Lo, t.Hi = 1, math.NaN(), math.NaN()
		return t
	}
	t.OK = true
	na, nb := float64(a.N()), float64(b.N())
	va, vb := a.SD()*a.SD()/na, b.SD()*b.SD()/nb
	t.SE = math.Sqrt(va + vb)
	if t.SE == 0 {
		t.DF = na + nb - 2
		t.T = math.Copysign(math.Inf(1), t.Diff)
		if t.Diff == 0 {
			t.T, t.P = 0, 1
		}
		t.Lo, t.Hi = t.Diff, t.Diff
		return t
	}
	t.DF = (va + vb) * (va + vb) / (va*va/(na-1) + vb*vb/(nb-1))
	t.T = t.Diff / t.SE
	t.P = 2 * t.dist().Survival(math.Abs(t.T))
	half := t.dist().Quantile(1-Alpha/2) * t.SE
	t.Lo, t.Hi = t.Diff-half, t.Diff+half
	return t
}

// dist is the t distribution of the test's degrees of freedom.
func (t Test) dist() distuv.StudentsT { return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: t.DF} }

// cdf returns P(T ≤ (Diff − m)/SE) under H0: the true difference is m.
// Without spread it is 0 or 1 (1 when Diff = m: nothing is shown).
func (t Test) cdf(m float64) float64 {
	if t.SE == 0 {
		if t.Diff < m {
			return 0
		}
		return 1
	}
	return t.dist().CDF((t.Diff - m) / t.SE)
}

// PBelow returns the one-sided p-value of H0: the true difference is m
// or more, against H1: it is below m. PBelow(0) small means a is
// better than b; PBelow(m) small with a margin m > 0 means a is worse
// by less than m (non-inferiority).
func (t Test) PBelow(m float64) float64 {
	if !t.OK {
		return 1
	}
	return t.cdf(m)
}

// PAbove returns the one-sided p-value of H0: the true difference is m
// or less, against H1: it is above m. PAbove(m) small with a margin
// m > 0 means a is worse than b by more than m.
func (t Test) PAbove(m float64) float64 {
	if !t.OK {
		return 1
	}
	if t.SE == 0 {
		if t.Diff > m {
			return 0
		}
		return 1
	}
	return t.dist().Survival((t.Diff - m) / t.SE)
}

// TOST returns the p-value of the two one-sided tests of equivalence
// within margin m > 0: H0 is |true difference| ≥ m, rejected when both
// PAbove(−m) and PBelow(m) are small; the p-value is the larger. At
// level Alpha it rejects exactly when the 90% confidence interval of the
// difference lies inside (−m, m).
func (t Test) TOST(m float64) float64 { return math.Max(t.PAbove(-m), t.PBelow(m)) }

// Effect formats the difference and its 95% interval in points:
// "+0.41 [+0.20, +0.62]", "—" when the test could not be made.
func (t Test) Effect(prec int) string {
	if !t.OK {
		if math.IsNaN(t.Diff) {
			return "—"
		}
		return fmt.Sprintf("%+.*f [no interval: n = %d, %d]", prec, unsignedZero(t.Diff, prec), t.Na, t.Nb)
	}
	return fmt.Sprintf("%+.*f [%+.*f, %+.*f]", prec, unsignedZero(t.Diff, prec), prec, unsignedZero(t.Lo, prec), prec, unsignedZero(t.Hi, prec))
}

// unsignedZero returns 0 for an x that prints as zero with prec
// decimals, so that it prints "+0.00", not "-0.00".
func unsignedZero(x float64, prec int) float64 {
	if math.Abs(x) < 0.5*math.Pow(10, -float64(prec)) {
		return 0
	}
	return x
}

// Holm returns Holm's step-down adjusted p-values of a family of tests,
// in the order given: the i-th smallest p (from 1) is multiplied by
// k − i + 1, the products are made non-decreasing in that order and
// capped at 1. Rejecting the hypotheses whose adjusted p is at most
// Alpha keeps the probability of any false rejection in the family at
// most Alpha, whatever the dependence between the tests. NaN p-values
// count as 1.
func Holm(p []float64) []float64 {
	k := len(p)
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	val := func(i int) float64 {
		if math.IsNaN(p[i]) {
			return 1
		}
		return p[i]
	}
	sort.SliceStable(idx, func(x, y int) bool { return val(idx[x]) < val(idx[y]) })
	out := make([]float64, k)
	run := 0.0
	for rank, i := range idx {
		adj := math.Min(1, float64(k-rank)*val(i))
		run = math.Max(run, adj)
		out[i] = run
	}
	return out
}
