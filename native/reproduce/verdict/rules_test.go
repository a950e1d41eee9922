package verdict

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/predparams/predparams/native/reproduce/stats"
	"gonum.org/v1/gonum/stat/distuv"
)

// spread returns six values with the given mean and sample standard
// deviation sd (symmetric offsets, scaled).
func spread(mean, sd float64) stats.Sample {
	offs := []float64{-1, -0.6, -0.2, 0.2, 0.6, 1}
	raw := stats.Sample{Vals: offs}.SD()
	s := stats.Sample{}
	for _, o := range offs {
		s.Vals = append(s.Vals, mean+o*sd/raw)
	}
	return s
}

// atP returns the difference of means that gives two samples spread(·,
// sd) a two-sided Welch p of p (equal spreads and sizes: 10 degrees of
// freedom).
func atP(p, sd float64) float64 {
	se := sd * math.Sqrt(2.0/6)
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: 10}.Quantile(1-p/2) * se
}

func TestRules(t *testing.T) {
	const margin = 0.2
	rule := Rule{MinN: 6, Margin: margin}
	base := spread(2, 0.1)
	pt := func(a stats.Sample) Point { return Point{Label: "f", A: a, B: base} }
	d03 := atP(0.03, 0.1) // significant alone, not after Holm over two points
	tests := []struct {
		name            string
		points          []Point
		superior        Verdict
		superiorOutcome []Outcome
		noLoss          Verdict
		noLossOutcome   []Outcome
	}{
		{"no points", nil, NotMeasured, nil, NotMeasured, nil},
		{"a side short of seeds", []Point{pt(spread(1, 0.1)), {A: stats.Sample{Vals: []float64{1, 1.1, 1.2}}, B: base}},
			NotMeasured, []Outcome{Missing, Missing}, NotMeasured, []Outcome{Missing, Missing}},
		{"better everywhere", []Point{pt(spread(1, 0.1)), pt(spread(1.5, 0.1))},
			Holds, []Outcome{Better, Better}, Holds, []Outcome{NoLossSeen, NoLossSeen}},
		{"better at one point, undecided at the other", []Point{pt(spread(1, 0.1)), pt(spread(2, 1))},
			PartlyHolds, []Outcome{Better, Undecided}, PartlyHolds, []Outcome{NoLossSeen, Undecided}},
		{"better at one point, worse at another", []Point{pt(spread(1, 0.1)), pt(spread(3, 0.1))},
			DoesNotHold, []Outcome{Better, Worse}, DoesNotHold, []Outcome{NoLossSeen, Worse}},
		{"one better, two worse (the old rule's partly)", []Point{pt(spread(1, 0.1)), pt(spread(3, 0.1)), pt(spread(2.8, 0.1))},
			DoesNotHold, []Outcome{Better, Worse, Worse}, DoesNotHold, []Outcome{NoLossSeen, Worse, Worse}},
		{"the same everywhere, precisely", []Point{pt(spread(2, 0.01)), pt(spread(2, 0.01))},
			DoesNotHold, []Outcome{NoEffect, NoEffect}, Holds, []Outcome{NoLossSeen, NoLossSeen}},
		{"the same, too noisy to tell", []Point{pt(spread(2, 1)), pt(spread(2, 1))},
			Inconclusive, []Outcome{Undecided, Undecided}, Inconclusive, []Outcome{Undecided, Undecided}},
		{"worse by less than the margin", []Point{{A: spread(2.1, 0.01), B: spread(2, 0.01)}},
			DoesNotHold, []Outcome{Worse}, Holds, []Outcome{NoLossSeen}},
		{"worse by more than the margin", []Point{{A: spread(2.5, 0.01), B: spread(2, 0.01)}},
			DoesNotHold, []Outcome{Worse}, DoesNotHold, []Outcome{Worse}},
		{"p = 0.03 at each of two points: Holm keeps neither", []Point{pt(spread(2-d03, 0.1)), pt(spread(2-d03, 0.1))},
			Inconclusive, []Outcome{Undecided, Undecided}, Holds, []Outcome{NoLossSeen, NoLossSeen}},
		{"p = 0.03 at a single point", []Point{pt(spread(2-d03, 0.1))},
			Holds, []Outcome{Better}, Holds, []Outcome{NoLossSeen}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				name     string
				j        Judgement
				want     Verdict
				outcomes []Outcome
			}{
				{"Superior", rule.Superior(tt.points), tt.superior, tt.superiorOutcome},
				{"NoLoss", rule.NoLoss(tt.points), tt.noLoss, tt.noLossOutcome},
			} {
				if c.j.Verdict != c.want {
					t.Errorf("%s: %q (%s), want %q", c.name, c.j.Verdict, c.j, c.want)
				}
				for i, o := range c.outcomes {
					if got := c.j.Points[i].Outcome; got != o {
						t.Errorf("%s: point %d: %q, want %q", c.name, i, got, o)
					}
				}
			}
		})
	}
}

func TestJudgementText(t *testing.T) {
	rule := Rule{MinN: 6, Margin: 0.2}
	base := spread(2, 0.1)
	j := rule.Superior([]Point{{Label: "f = 0.05", A: spread(1, 0.1), B: base}, {Label: "f = 0.2", A: spread(2, 1), B: base}})
	if got, want := j.String(), "better at 1, undecided at 1 of 2 points"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := j.Effects(2); !strings.HasPrefix(got, "f = 0.05: -1.00 [") || !strings.Contains(got, "; f = 0.2: +0.00 [") {
		t.Errorf("Effects = %q", got)
	}
	short := rule.Superior([]Point{{A: spread(1, 0.1), B: stats.Sample{Vals: []float64{2}}}})
	if got, want := short.String(), "not every point measured yet (0 of 1 with two values or more a side)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	text := rule.Rules("points")
	for _, want := range []string{"6 seeds", "Holm", "±0.2 points", "**holds**", "**partly holds**", "**does not hold**", "**inconclusive**"} {
		if !strings.Contains(text, want) {
			t.Errorf("Rules() lacks %q", want)
		}
	}
}

// TestClaimErrorRates simulates whole claims at the grid's n with no
// true difference at any point, and with a true loss of exactly the
// margin at every point. A "beats" claim over k points must come out
// holds or partly holds at most Alpha of the time (Holm keeps the
// family-wise rate), and a "no loss" claim holds or partly holds at most
// Alpha of the time; the old rule (any point beyond 2·SE, n = 3) is
// simulated beside them and must be far above.
func TestClaimErrorRates(t *testing.T) {
	const reps = 4000
	mc := 3 * math.Sqrt(stats.Alpha*(1-stats.Alpha)/reps)
	r := rand.New(rand.NewPCG(3, 4))
	draw := func(n int, mean float64) stats.Sample {
		s := stats.Sample{}
		for range n {
			s.Vals = append(s.Vals, mean+0.3*r.NormFloat64())
		}
		return s
	}
	rule := Rule{MinN: stats.DesignN, Margin: 0.2}
	for _, k := range []int{1, 3, 7} {
		pos, neg, old := 0, 0, 0
		for range reps {
			var null, lossy, small []Point
			var tl Tally
			for range k {
				null = append(null, Point{A: draw(stats.DesignN, 0), B: draw(stats.DesignN, 0)})
				lossy = append(lossy, Point{A: draw(stats.DesignN, 0.2), B: draw(stats.DesignN, 0)})
				small = append(small, Point{A: draw(3, 0), B: draw(3, 0)})
				tl.Add(stats.Compare(small[len(small)-1].A, small[len(small)-1].B))
			}
			if v := rule.Superior(null).Verdict; v == Holds || v == PartlyHolds {
				pos++
			}
			if v := rule.NoLoss(lossy).Verdict; v == Holds || v == PartlyHolds {
				neg++
			}
			if v := tl.Beats(); v == Holds || v == PartlyHolds {
				old++
			}
		}
		fp, fn, fo := float64(pos)/reps, float64(neg)/reps, float64(old)/reps
		t.Logf("k = %d points: 'beats' confirmed under the null %.4f (old rule at n = 3: %.4f); 'no loss' confirmed at a loss of the margin %.4f", k, fp, fo, fn)
		if fp > stats.Alpha+mc {
			t.Errorf("k = %d: a 'beats' claim confirmed %.4f of the time with no effect, want ≤ %.2f", k, fp, stats.Alpha)
		}
		if fn > stats.Alpha+mc {
			t.Errorf("k = %d: a 'no loss' claim confirmed %.4f of the time at a loss of the margin, want ≤ %.2f", k, fn, stats.Alpha)
		}
		if k == 7 && fo < 0.2 {
			t.Errorf("old rule at k = 7: %.4f, the issue measured about a third", fo)
		}
	}
}
