package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// near reports whether got is within tol of want.
func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// TestWelch checks Welch's test against values computed independently
// with mpmath 1.3.0 at 30 digits (the regularised incomplete beta for
// the t distribution's CDF, findroot for its quantile). The first two
// pairs are Wikipedia's worked examples of Welch's t-test, which print
// t = −2.46, ν = 24.9, p = 0.021 and t = −1.57, ν = 9.9, p = 0.149; the
// third has the shape of the report's comparisons (test errors in
// percent, three seeds against five).
func TestWelch(t *testing.T) {
	s := func(v ...float64) Sample { return Sample{Vals: v} }
	tests := []struct {
		name                        string
		a, b                        Sample
		diff, se, df, tt, p, lo, hi float64
	}{
		{"equal variances",
			s(27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4),
			s(27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4),
			-2.16666666667, 0.882424510014, 24.9885292902, -2.45535639829, 0.0213780014629, -3.98409626714, -0.349237066192},
		{"unequal variances and sizes",
			s(17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8),
			s(21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8),
			-1.525, 0.974171037614, 9.90474124865, -1.5654335236, 0.148841696605, -3.69842132538, 0.648421325375},
		{"test errors, 3 against 5",
			s(1.62, 1.55, 1.71), s(1.53, 1.50, 1.56, 1.49, 1.55),
			0.100666666667, 0.0482746770517, 2.35313775209, 2.08528928239, 0.152924002678, -0.0798535452758, 0.281186878609},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := Welch(tt.a, tt.b)
			if !w.OK {
				t.Fatal("not OK")
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"diff", w.Diff, tt.diff}, {"se", w.SE, tt.se}, {"df", w.DF, tt.df}, {"t", w.T, tt.tt},
				{"p", w.P, tt.p}, {"lo", w.Lo, tt.lo}, {"hi", w.Hi, tt.hi},
			} {
				if !near(c.got, c.want, 1e-7*math.Max(1, math.Abs(c.want))) {
					t.Errorf("%s = %.12g, want %.12g", c.name, c.got, c.want)
				}
			}
			// The two one-sided p-values at 0 split the two-sided one.
			if one := math.Min(w.PBelow(0), w.PAbove(0)); !near(2*one, w.P, 1e-12) {
				t.Errorf("one-sided p %v, two-sided %v", one, w.P)
			}
		})
	}
}

// TestOneSided checks the margin tests on the third pair of TestWelch:
// mpmath gives P(T ≤ (d − 0.2)/se) = 0.0782054140828 and
// P(T ≥ (d + 0.2)/se) = 0.00822076976582 at 2.35313775209 degrees of
// freedom.
func TestOneSided(t *testing.T) {
	w := Welch(Sample{Vals: []float64{1.62, 1.55, 1.71}}, Sample{Vals: []float64{1.53, 1.50, 1.56, 1.49, 1.55}})
	if got := w.PBelow(0.2); !near(got, 0.0782054140828, 1e-9) {
		t.Errorf("PBelow(0.2) = %.12g", got)
	}
	if got := w.PAbove(-0.2); !near(got, 0.00822076976582, 1e-9) {
		t.Errorf("PAbove(-0.2) = %.12g", got)
	}
	if got := w.TOST(0.2); got != w.PBelow(0.2) {
		t.Errorf("TOST(0.2) = %v, want the larger one-sided p %v", got, w.PBelow(0.2))
	}
	if got := w.PAbove(0.2) + w.PBelow(0.2); !near(got, 1, 1e-12) {
		t.Errorf("PAbove(m) + PBelow(m) = %v, want 1", got)
	}
}

func TestWelchEdges(t *testing.T) {
	s := func(v ...float64) Sample { return Sample{Vals: v} }
	tests := []struct {
		name                      string
		a, b                      Sample
		ok                        bool
		p, below0, above0, tost01 float64
		effect                    string
	}{
		{"no values", s(), s(1, 2), false, 1, 1, 1, 1, "—"},
		{"one value", s(1), s(1, 2), false, 1, 1, 1, 1, "-0.50 [no interval: n = 1, 2]"},
		{"no spread, equal", s(2, 2), s(2, 2, 2), true, 1, 1, 1, 0, "+0.00 [+0.00, +0.00]"},
		{"no spread, lower", s(1, 1), s(2, 2), true, 0, 0, 1, 1, "-1.00 [-1.00, -1.00]"},
		{"no spread, higher", s(3, 3), s(2, 2), true, 0, 1, 0, 1, "+1.00 [+1.00, +1.00]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := Welch(tt.a, tt.b)
			if w.OK != tt.ok || w.P != tt.p || w.PBelow(0) != tt.below0 || w.PAbove(0) != tt.above0 || w.TOST(0.1) != tt.tost01 {
				t.Errorf("OK %v p %v below %v above %v tost %v, want %v %v %v %v %v",
					w.OK, w.P, w.PBelow(0), w.PAbove(0), w.TOST(0.1), tt.ok, tt.p, tt.below0, tt.above0, tt.tost01)
			}
			if got := w.Effect(2); got != tt.effect {
				t.Errorf("Effect = %q, want %q", got, tt.effect)
			}
		})
	}
}

func TestHolm(t *testing.T) {
	tests := []struct {
		name   string
		p, adj []float64
	}{
		{"empty", nil, []float64{}},
		{"one", []float64{0.03}, []float64{0.03}},
		// Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03,
		// 0.06, 0.04, made non-decreasing: 0.02, 0.03, 0.06, 0.06.
		{"textbook", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}},
		{"capped at 1", []float64{0.6, 0.55}, []float64{1, 1}},
		{"later p raised to an earlier", []float64{0.6, 0.2}, []float64{0.6, 0.4}},
		{"ties keep order", []float64{0.02, 0.02}, []float64{0.04, 0.04}},
		{"NaN counts as 1", []float64{math.NaN(), 0.01}, []float64{1, 0.02}},
	}
	for _, tt := range tests {
		got := Holm(tt.p)
		if len(got) != len(tt.adj) {
			t.Fatalf("%s: %v, want %v", tt.name, got, tt.adj)
		}
		for i := range got {
			if !near(got[i], tt.adj[i], 1e-12) {
				t.Errorf("%s: Holm(%v) = %v, want %v", tt.name, tt.p, got, tt.adj)
				break
			}
		}
	}
}

// draw returns n values from N(mean, sd²).
func draw(r *rand.Rand, n int, mean, sd float64) Sample {
	s := Sample{Vals: make([]float64, n)}
	for i := range s.Vals {
		s.Vals[i] = mean + sd*r.NormFloat64()
	}
	return s
}

// TestWelchErrorRates simulates the test at the grid's n under the null
// (equal means; equal, then unequal spreads) and under a planted effect
// of two standard deviations. The rejection rate under the null must be
// at most Alpha (within three Monte Carlo standard errors), and the
// planted effect must be found at least 80% of the time. The old rule
// (|Δ| > 2·SE, a z-test) is simulated beside it and must be found to
// exceed Alpha at the old n = 3, so that the simulation can tell the
// two apart.
func TestWelchErrorRates(t *testing.T) {
	const reps = 20000
	mc := 3 * math.Sqrt(Alpha*(1-Alpha)/reps)
	r := rand.New(rand.NewPCG(1, 2))
	rate := func(n int, da, sa, sb float64, reject func(a, b Sample) bool) float64 {
		hits := 0
		for range reps {
			if reject(draw(r, n, da, sa), draw(r, n, 0, sb)) {
				hits++
			}
		}
		return float64(hits) / reps
	}
	welch := func(a, b Sample) bool { return Welch(a, b).P <= Alpha }
	old := func(a, b Sample) bool { c := Compare(a, b); return c.Better() || c.Worse() }
	for _, c := range []struct {
		name   string
		sa, sb float64
	}{{"equal spreads", 1, 1}, {"spreads 1 and 3", 1, 3}} {
		if fp := rate(DesignN, 0, c.sa, c.sb, welch); fp > Alpha+mc {
			t.Errorf("%s: Welch false-positive rate %.4f at n = %d, want ≤ %.2f", c.name, fp, DesignN, Alpha)
		} else {
			t.Logf("%s: Welch false-positive rate %.4f at n = %d", c.name, fp, DesignN)
		}
	}
	if fp := rate(3, 0, 1, 1, old); fp < 0.09 {
		t.Errorf("old rule's false-positive rate %.4f at n = 3; the issue measured about 0.12", fp)
	} else {
		t.Logf("old rule: false-positive rate %.4f at n = 3", fp)
	}
	if power := rate(DesignN, -2, 1, 1, welch); power < 0.8 {
		t.Errorf("a 2-SD effect found %.3f of the time at n = %d, want ≥ 0.8", power, DesignN)
	} else {
		t.Logf("power against a 2-SD effect at n = %d: %.3f", DesignN, power)
	}
	// Non-inferiority at margin m: a true loss of exactly m must be
	// declared non-inferior at most Alpha of the time.
	const m = 0.2
	ni := func(a, b Sample) bool { return Welch(a, b).PBelow(m) <= Alpha }
	if fp := rate(DesignN, m, 0.1, 0.1, ni); fp > Alpha+mc {
		t.Errorf("non-inferiority declared %.4f of the time at a true loss of the margin, want ≤ %.2f", fp, Alpha)
	}
	tost := func(a, b Sample) bool { return Welch(a, b).TOST(m) <= Alpha }
	if fp := rate(DesignN, -m, 0.1, 0.1, tost); fp > Alpha+mc {
		t.Errorf("equivalence declared %.4f of the time at a true difference of the margin, want ≤ %.2f", fp, Alpha)
	}
}
