package session

import (
	"math"
	"testing"
)

// TestSmall checks the down-sized dense nets: their learned weights, as
// the built model counts them, are those Small reports and within the
// stated tolerance of the predicted net's; the convnet shrinks its
// filters and its hidden layer about evenly.
func TestSmall(t *testing.T) {
	train := synthetic(60, 1)
	for _, tc := range []struct {
		name    string
		change  func(*Params)
		tol     float64 // |small − target| / target at most
		hidden  int     // the down-sized hidden width, 0: not checked
		filters []int   // the down-sized filters, nil: not checked
	}{
		{"MLP, 64 units", func(p *Params) { p.Hidden = 64 }, 0.05, 12, nil},
		{"MLP, default", func(*Params) {}, 0.001, 100, nil},
		{"MLP, two layers", func(p *Params) { p.Depth, p.Dicts = 2, []string{"se", "emp"} }, 0.002, 0, nil},
		{"convnet, default", func(p *Params) { p.Model, p.Dicts = "conv", []string{"se", "se", "dense"} }, 0.001, 0, nil},
		{"convnet, all predicted", func(p *Params) { p.Model, p.Dicts = "conv", []string{"se", "se", "se"} }, 0.005, 227, []int{4, 7}},
		{"convnet, 64 units", func(p *Params) { p.Model, p.Hidden, p.Dicts = "conv", 64, []string{"se", "se", "se"} }, 0.01, 0, nil},
		{"convnet, 5%", func(p *Params) { p.Model, p.Fraction, p.Dicts = "conv", 0.05, []string{"se", "se", "se"} }, 0.01, 0, nil},
		{"convnet, dense", func(p *Params) { p.Model, p.Dicts = "conv", nil }, 0, 512, []int{8, 16}},
	} {
		p := DefaultParams()
		tc.change(&p)
		d, err := Describe(p, train)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		target := d.Accounting.LearnedWeights
		small, n := d.Small, d.SmallLearned
		built, err := Describe(small, train)
		if err != nil {
			t.Fatalf("%s: the down-sized net %+v: %v", tc.name, small, err)
		}
		if got := built.Accounting.LearnedWeights; got != n {
			t.Errorf("%s: Small reports %d learned weights, the built net has %d", tc.name, n, got)
		}
		if off := math.Abs(float64(n-target)) / float64(target); off > tc.tol {
			t.Errorf("%s: %d learned weights for a target of %d: %.4f off, want at most %v", tc.name, n, target, off, tc.tol)
		}
		if built.Accounting.FractionLearned != 1 || small.Model != p.Model {
			t.Errorf("%s: the down-sized net %+v is not a dense %s", tc.name, small, p.Model)
		}
		if tc.hidden != 0 && small.Hidden != tc.hidden {
			t.Errorf("%s: hidden width %d, want %d", tc.name, small.Hidden, tc.hidden)
		}
		if tc.filters != nil && (len(small.Filters) != 2 || small.Filters[0] != tc.filters[0] || small.Filters[1] != tc.filters[1]) {
			t.Errorf("%s: filters %v, want %v", tc.name, small.Filters, tc.filters)
		}
		t.Logf("%s: target %d, down-sized %d (hidden %d, filters %v)", tc.name, target, n, small.Hidden, small.Filters)
	}
	if _, _, err := Small(DefaultParams(), 0); err == nil {
		t.Error("Small with no learned weights succeeded")
	}
}
