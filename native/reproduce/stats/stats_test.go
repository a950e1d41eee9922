package stats

import (
	"fmt"
	"math"
	"testing"
)

// same reports whether a and b are equal, NaN equal to NaN.
func same(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) < 1e-12
}

func TestSample(t *testing.T) {
	tests := []struct {
		name          string
		s             Sample
		mean, sd, se  float64
		format2, pct  string
		format0, fmt3 string
	}{
		{"empty", Sample{}, math.NaN(), 0, math.NaN(), "—", "—", "—", "—"},
		{"empty, three wanted", Sample{Want: 3}, math.NaN(), 0, math.NaN(), "—", "—", "—", "—"},
		{"one value", Sample{Vals: []float64{2}}, 2, 0, 0, "2.00", "2.00%", "2", "2.000"},
		{"one of three", Sample{Vals: []float64{2.871}, Want: 3}, 2.871, 0, 0, "2.87 (1/3)", "2.87% (1/3)", "3 (1/3)", "2.871 (1/3)"},
		{"three", Sample{Vals: []float64{1, 2, 3}, Want: 3}, 2, 1, 1 / math.Sqrt(3), "2.00 ± 1.00", "2.00 ± 1.00%", "2 ± 1", "2.000 ± 1.000"},
		{"two of three", Sample{Vals: []float64{1, 3}, Want: 3}, 2, math.Sqrt2, 1, "2.00 ± 1.41 (2/3)", "2.00 ± 1.41% (2/3)", "2 ± 1 (2/3)", "2.000 ± 1.414 (2/3)"},
		{"more than wanted", Sample{Vals: []float64{4, 4, 4, 4}, Want: 3}, 4, 0, 0, "4.00 ± 0.00", "4.00 ± 0.00%", "4 ± 0", "4.000 ± 0.000"},
		{"negative", Sample{Vals: []float64{-1, -3}}, -2, math.Sqrt2, 1, "-2.00 ± 1.41", "-2.00 ± 1.41%", "-2 ± 1", "-2.000 ± 1.414"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			if !same(s.Mean(), tt.mean) || !same(s.SD(), tt.sd) || !same(s.SE(), tt.se) {
				t.Errorf("mean %v sd %v se %v, want %v %v %v", s.Mean(), s.SD(), s.SE(), tt.mean, tt.sd, tt.se)
			}
			if s.N() != len(s.Vals) {
				t.Errorf("N() = %d, want %d", s.N(), len(s.Vals))
			}
			for _, c := range []struct{ got, want string }{
				{s.Format(2), tt.format2}, {s.Pct(), tt.pct}, {s.Format(0), tt.format0}, {s.Format(3), tt.fmt3},
			} {
				if c.got != c.want {
					t.Errorf("got %q, want %q", c.got, c.want)
				}
			}
		})
	}
}

func TestCompare(t *testing.T) {
	low := Sample{Vals: []float64{1, 1.1, 0.9}}
	high := Sample{Vals: []float64{2, 2.1, 1.9}}
	flat1 := Sample{Vals: []float64{1, 1}}
	flat2 := Sample{Vals: []float64{2, 2}}
	one := Sample{Vals: []float64{1}}
	// Two samples whose means differ by exactly twice the standard
	// error of the difference: not beyond noise (the test is strict).
	edgeA := Sample{Vals: []float64{0, 2}} // mean 1, se 1
	edgeB := Sample{Vals: []float64{3, 3}} // mean 3, se 0
	tests := []struct {
		name                      string
		a, b                      Sample
		ok, better, worse, within bool
		diff, se2                 float64
	}{
		{"lower beyond noise", low, high, true, true, false, false, -1, 2 * math.Sqrt(0.01/3+0.01/3)},
		{"higher beyond noise", high, low, true, false, true, false, 1, 2 * math.Sqrt(0.01/3+0.01/3)},
		{"itself", low, low, true, false, false, true, 0, 2 * math.Sqrt(0.01/3+0.01/3)},
		{"no spread on either side", flat1, flat2, true, false, false, true, -1, 0},
		{"one value: not measured", one, high, false, false, false, false, -1, 0},
		{"one value on the other side", high, one, false, false, false, false, 1, 0},
		{"no values", Sample{}, high, false, false, false, false, math.NaN(), 0},
		{"exactly two standard errors", edgeA, edgeB, true, false, false, true, -2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(tt.a, tt.b)
			if c.OK != tt.ok || c.Better() != tt.better || c.Worse() != tt.worse || c.Within() != tt.within {
				t.Errorf("%+v: ok %v better %v worse %v within %v; want %v %v %v %v",
					c, c.OK, c.Better(), c.Worse(), c.Within(), tt.ok, tt.better, tt.worse, tt.within)
			}
			if !same(c.Diff, tt.diff) || !same(c.SE2, tt.se2) {
				t.Errorf("diff %v se2 %v, want %v %v", c.Diff, c.SE2, tt.diff, tt.se2)
			}
		})
	}
}

// TestCompareSymmetry checks that swapping the samples negates the
// difference, keeps the noise and swaps better and worse.
func TestCompareSymmetry(t *testing.T) {
	samples := []Sample{
		{Vals: []float64{1, 2, 3}}, {Vals: []float64{1.5, 1.6}}, {Vals: []float64{5, 5, 5.1}},
		{Vals: []float64{0.2, 0.3, 0.25, 0.31}}, {Vals: []float64{7}},
	}
	for _, a := range samples {
		for _, b := range samples {
			ab, ba := Compare(a, b), Compare(b, a)
			if ab.OK != ba.OK || !same(ab.Diff, -ba.Diff) || !same(ab.SE2, ba.SE2) ||
				ab.Better() != ba.Worse() || ab.Worse() != ba.Better() || ab.Within() != ba.Within() {
				t.Errorf("Compare(%v, %v) = %+v and reversed %+v", a.Vals, b.Vals, ab, ba)
			}
		}
	}
}

func ExampleSample_Format() {
	s := Sample{Vals: []float64{1.58, 1.66, 1.62}, Want: 3}
	fmt.Println(s.Format(2))
	fmt.Println(s.Pct())
	fmt.Println(Sample{Vals: []float64{2.87}, Want: 3}.Pct())
	// Output:
	// 1.62 ± 0.04
	// 1.62 ± 0.04%
	// 2.87% (1/3)
}
