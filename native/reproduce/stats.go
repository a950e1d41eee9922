package main

import (
	"fmt"
	"math"
	"strings"
)

// stat is a sample of one measurement over seeds.
type stat struct {
	vals []float64
	// want is how many seeds the grid asks for.
	want int
}

func (s stat) n() int { return len(s.vals) }

func (s stat) mean() float64 {
	if len(s.vals) == 0 {
		return math.NaN()
	}
	t := 0.0
	for _, v := range s.vals {
		t += v
	}
	return t / float64(len(s.vals))
}

// sd returns the sample standard deviation (n − 1), 0 for one value.
func (s stat) sd() float64 {
	if len(s.vals) < 2 {
		return 0
	}
	m, t := s.mean(), 0.0
	for _, v := range s.vals {
		t += (v - m) * (v - m)
	}
	return math.Sqrt(t / float64(len(s.vals)-1))
}

// se returns the standard error of the mean.
func (s stat) se() float64 {
	if len(s.vals) == 0 {
		return math.NaN()
	}
	return s.sd() / math.Sqrt(float64(len(s.vals)))
}

// format returns "mean ± sd" with prec decimals, "—" without values, and
// the count when fewer seeds than asked for are in.
func (s stat) format(prec int) string {
	if s.n() == 0 {
		return "—"
	}
	out := fmt.Sprintf("%.*f", prec, s.mean())
	if s.n() > 1 {
		out += fmt.Sprintf(" ± %.*f", prec, s.sd())
	}
	if s.want > 0 && s.n() < s.want {
		out += fmt.Sprintf(" (%d/%d)", s.n(), s.want)
	}
	return out
}

// pct is format(2) with a percent sign after the value, before any count
// of missing seeds: "1.62 ± 0.05%", "2.87% (1/3)".
func (s stat) pct() string {
	out := s.format(2)
	if i := strings.Index(out, " ("); i >= 0 {
		return out[:i] + "%" + out[i:]
	}
	if out == "—" {
		return out
	}
	return out + "%"
}

// compare says how a's mean relates to b's (lower is better): the
// difference a − b and whether it exceeds twice its standard error (a
// rough two-sided test at about 95%). Without at least two values on
// each side there is no standard error, and the comparison is not ok:
// it counts as not measured.
type comparison struct {
	diff, se2 float64
	ok        bool // both have two values or more
}

func compare(a, b stat) comparison {
	if a.n() < 2 || b.n() < 2 {
		return comparison{diff: a.mean() - b.mean()}
	}
	se := math.Sqrt(a.se()*a.se() + b.se()*b.se())
	return comparison{diff: a.mean() - b.mean(), se2: 2 * se, ok: true}
}

// better reports whether a is lower than b beyond noise.
func (c comparison) better() bool { return c.ok && c.se2 > 0 && c.diff < -c.se2 }

// worse reports whether a is higher than b beyond noise.
func (c comparison) worse() bool { return c.ok && c.se2 > 0 && c.diff > c.se2 }

// within reports whether the difference is inside the noise.
func (c comparison) within() bool { return c.ok && !c.better() && !c.worse() }
