// Package stats holds the statistics of the experiment report: a sample
// of one measurement over seeds and its mean ± sample standard deviation
// as the report prints it; Welch's t-test with its 95% confidence
// interval, one-sided tests against a margin (non-inferiority and the
// two one-sided tests of equivalence) and Holm's correction for a family
// of tests, which the verdicts rest on; and the earlier grid's rule, the
// comparison of two means against twice the standard error of their
// difference (Compare), kept for the sections that still report it.
//
// It imports no package of the project, only gonum's t distribution:
// the rules here are what the report's verdicts rest on, and they are
// tested on their own, against values computed independently and by
// simulation at the grid's number of seeds (DesignN).
package stats

import (
	"fmt"
	"math"
	"strings"
)

// A Sample is one measurement over seeds (or repetitions).
type Sample struct {
	Vals []float64
	// Want is how many values the grid asks for; 0 means as many as
	// there are.
	Want int
}

// N returns the number of values.
func (s Sample) N() int { return len(s.Vals) }

// Mean returns the mean, NaN without values.
func (s Sample) Mean() float64 {
	if len(s.Vals) == 0 {
		return math.NaN()
	}
	t := 0.0
	for _, v := range s.Vals {
		t += v
	}
	return t / float64(len(s.Vals))
}

// SD returns the sample standard deviation (n − 1), 0 for fewer than two
// values.
func (s Sample) SD() float64 {
	if len(s.Vals) < 2 {
		return 0
	}
	m, t := s.Mean(), 0.0
	for _, v := range s.Vals {
		t += (v - m) * (v - m)
	}
	return math.Sqrt(t / float64(len(s.Vals)-1))
}

// SE returns the standard error of the mean, SD/√n; NaN without values.
func (s Sample) SE() float64 {
	if len(s.Vals) == 0 {
		return math.NaN()
	}
	return s.SD() / math.Sqrt(float64(len(s.Vals)))
}

// Format returns "mean ± sd" with prec decimals ("mean" alone for one
// value, "—" without values), followed by " (n/want)" when fewer values
// than wanted are in.
func (s Sample) Format(prec int) string {
	if s.N() == 0 {
		return "—"
	}
	out := fmt.Sprintf("%.*f", prec, s.Mean())
	if s.N() > 1 {
		out += fmt.Sprintf(" ± %.*f", prec, s.SD())
	}
	if s.Want > 0 && s.N() < s.Want {
		out += fmt.Sprintf(" (%d/%d)", s.N(), s.Want)
	}
	return out
}

// Pct is Format(2) with a percent sign after the value, before any count
// of missing values: "1.62 ± 0.05%", "2.87% (1/3)", "—".
func (s Sample) Pct() string {
	out := s.Format(2)
	if i := strings.Index(out, " ("); i >= 0 {
		return out[:i] + "%" + out[i:]
	}
	if out == "—" {
		return out
	}
	return out + "%"
}

// A Comparison says how sample a's mean relates to sample b's, lower
// being better: the difference of means a − b and twice its standard
// error (a rough two-sided test at about 95%). Without at least two
// values on each side there is no standard error and OK is false: the
// comparison counts as not measured, though Diff is still set (NaN when
// a side has no values).
type Comparison struct {
	Diff, SE2 float64
	OK        bool // both samples have two values or more
}

// Compare compares a with b.
func Compare(a, b Sample) Comparison {
	if a.N() < 2 || b.N() < 2 {
		return Comparison{Diff: a.Mean() - b.Mean()}
	}
	se := math.Sqrt(a.SE()*a.SE() + b.SE()*b.SE())
	return Comparison{Diff: a.Mean() - b.Mean(), SE2: 2 * se, OK: true}
}

// Better reports whether a is lower than b beyond noise: the difference
// is below −SE2. Two samples without spread (SE2 = 0) are never better.
func (c Comparison) Better() bool { return c.OK && c.SE2 > 0 && c.Diff < -c.SE2 }

// Worse reports whether a is higher than b beyond noise.
func (c Comparison) Worse() bool { return c.OK && c.SE2 > 0 && c.Diff > c.SE2 }

// Within reports whether the comparison was made and the difference is
// inside the noise.
func (c Comparison) Within() bool { return c.OK && !c.Better() && !c.Worse() }
