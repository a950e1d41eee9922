package verdict

import (
	"testing"

	"github.com/predparams/predparams/native/reproduce/stats"
)

// cmp returns a comparison made (OK) with the given difference and twice
// its standard error.
func cmp(diff, se2 float64) stats.Comparison { return stats.Comparison{Diff: diff, SE2: se2, OK: true} }

// unmeasured is a comparison that could not be made.
var unmeasured = stats.Comparison{Diff: 0.2}

func TestGraded(t *testing.T) {
	tests := []struct {
		measured, all, some bool
		want                Verdict
	}{
		{false, false, false, NotMeasured},
		{false, true, true, NotMeasured},
		{true, true, true, Holds},
		{true, true, false, Holds},
		{true, false, true, PartlyHolds},
		{true, false, false, DoesNotHold},
	}
	for _, tt := range tests {
		if got := Graded(tt.measured, tt.all, tt.some); got != tt.want {
			t.Errorf("Graded(%v, %v, %v) = %q, want %q", tt.measured, tt.all, tt.some, got, tt.want)
		}
	}
}

func TestTally(t *testing.T) {
	better, within, worse := cmp(-1, 0.5), cmp(0.1, 0.5), cmp(1, 0.5)
	tests := []struct {
		name    string
		points  []stats.Comparison
		counted int
		beats   Verdict
		noWorse Verdict
		text    string
	}{
		{"nothing", nil, 0, NotMeasured, NotMeasured, "no point measured yet"},
		{"only unmeasured", []stats.Comparison{unmeasured, unmeasured}, 0, NotMeasured, NotMeasured, "no point measured yet"},
		{"better everywhere", []stats.Comparison{better, better, unmeasured}, 2, Holds, Holds,
			"better beyond noise at 2 of 2 points, within noise at 0, worse at 0"},
		{"better somewhere", []stats.Comparison{better, within, within}, 3, PartlyHolds, Holds,
			"better beyond noise at 1 of 3 points, within noise at 2, worse at 0"},
		{"within everywhere", []stats.Comparison{within, within}, 2, DoesNotHold, Holds,
			"better beyond noise at 0 of 2 points, within noise at 2, worse at 0"},
		{"worse somewhere", []stats.Comparison{better, worse}, 2, PartlyHolds, PartlyHolds,
			"better beyond noise at 1 of 2 points, within noise at 0, worse at 1"},
		{"worse everywhere", []stats.Comparison{worse, worse, worse}, 3, DoesNotHold, DoesNotHold,
			"better beyond noise at 0 of 3 points, within noise at 0, worse at 3"},
		{"no spread counts as within", []stats.Comparison{cmp(-1, 0), cmp(1, 0)}, 2, DoesNotHold, Holds,
			"better beyond noise at 0 of 2 points, within noise at 2, worse at 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tl Tally
			counted := 0
			for _, c := range tt.points {
				if tl.Add(c) {
					counted++
				}
			}
			if counted != tt.counted || tl.Total != tt.counted || tl.Better+tl.Within+tl.Worse != tl.Total {
				t.Errorf("counted %d, tally %+v; want %d", counted, tl, tt.counted)
			}
			if got := tl.Beats(); got != tt.beats {
				t.Errorf("Beats() = %q, want %q", got, tt.beats)
			}
			if got := tl.NoWorse(); got != tt.noWorse {
				t.Errorf("NoWorse() = %q, want %q", got, tt.noWorse)
			}
			if got := tl.String(); got != tt.text {
				t.Errorf("String() = %q, want %q", got, tt.text)
			}
		})
	}
}

func TestWithoutLoss(t *testing.T) {
	tests := []struct {
		name string
		c    stats.Comparison
		want Verdict
	}{
		{"not measured", unmeasured, NotMeasured},
		{"better", cmp(-0.3, 0.1), Holds},
		{"within noise", cmp(0.4, 0.5), Holds},
		{"within noise though over half a point", cmp(0.9, 1), Holds},
		{"worse by 0.3", cmp(0.3, 0.1), PartlyHolds},
		{"worse by just under half a point", cmp(0.499, 0.1), PartlyHolds},
		{"worse by half a point", cmp(0.5, 0.1), DoesNotHold},
		{"worse by two points", cmp(2, 0.1), DoesNotHold},
	}
	for _, tt := range tests {
		if got := WithoutLoss(tt.c); got != tt.want {
			t.Errorf("%s: WithoutLoss(%+v) = %q, want %q", tt.name, tt.c, got, tt.want)
		}
	}
}

func TestNegligibleLoss(t *testing.T) {
	tests := []struct {
		name string
		c    stats.Comparison
		want Verdict
	}{
		{"not measured", unmeasured, NotMeasured},
		{"better", cmp(-1, 0.1), Holds},
		{"within noise", cmp(0.5, 0.6), Holds},
		{"worse by 0.05", cmp(0.05, 0.01), Holds},
		{"worse by 0.1", cmp(0.1, 0.01), Holds},
		{"worse by 0.2", cmp(0.2, 0.01), PartlyHolds},
		{"worse by 0.3", cmp(0.3, 0.01), PartlyHolds},
		{"worse by 0.31", cmp(0.31, 0.01), DoesNotHold},
	}
	for _, tt := range tests {
		if got := NegligibleLoss(tt.c); got != tt.want {
			t.Errorf("%s: NegligibleLoss(%+v) = %q, want %q", tt.name, tt.c, got, tt.want)
		}
	}
}

func TestSmallestWithinNoise(t *testing.T) {
	tests := []struct {
		name          string
		measured      bool
		first, lowest float64
		ok            bool
		want          Verdict
	}{
		{"first point not comparable", false, 0.05, 0.1, true, NotMeasured},
		{"within noise at the first point", true, 0.05, 0.05, true, Holds},
		{"within noise from a later point", true, 0.05, 0.2, true, PartlyHolds},
		{"never within noise", true, 0.05, 0, false, DoesNotHold},
	}
	for _, tt := range tests {
		if got := SmallestWithinNoise(tt.measured, tt.first, tt.lowest, tt.ok); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestTallyFromSamples runs the whole chain, samples to verdict, on the
// shape of a report's comparison: arm a against b at three points.
func TestTallyFromSamples(t *testing.T) {
	s := func(v ...float64) stats.Sample { return stats.Sample{Vals: v} }
	a := []stats.Sample{s(1.0, 1.1, 0.9), s(2.0, 2.1, 1.9), s(3, 3.1)}
	b := []stats.Sample{s(2.0, 2.1, 1.9), s(2.0, 2.2, 1.8), s(4)}
	var tl Tally
	for i := range a {
		tl.Add(stats.Compare(a[i], b[i]))
	}
	if tl.Total != 2 || tl.Better != 1 || tl.Within != 1 || tl.Beats() != PartlyHolds || tl.NoWorse() != Holds {
		t.Errorf("tally %+v: %q, %q", tl, tl.Beats(), tl.NoWorse())
	}
}
