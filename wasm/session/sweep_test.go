package session

import (
	"strings"
	"testing"
	"time"

	"github.com/predparams/predparams/models"
)

// TestFigure4 runs a small Figure 4 sweep on separable data: every run
// ends at the same number of examples, in order, with a point whose real
// fraction learned is near its nominal one (1 for dense); a second sweep
// with the same seed gives the same errors, in other time slices.
func TestFigure4(t *testing.T) {
	p := DefaultParams()
	p.Hidden, p.Batch = 20, 50
	sweep := func(slice time.Duration) []SweepPoint {
		w, err := NewFigure4(p, []float64{0.1, 0.5}, 300, synthetic(600, 1), synthetic(300, 2), models.Env{Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Runs) != 5 {
			t.Fatalf("%d runs, want 2 arms × 2 fractions + dense", len(w.Runs))
		}
		var pr SweepProgress
		for i := 0; i < 10000 && !pr.Done; i++ {
			if pr, err = w.Advance(slice); err != nil {
				t.Fatal(err)
			}
			if pr.Examples > w.Examples {
				t.Fatalf("run %d at %d examples, past %d", pr.Run, pr.Examples, w.Examples)
			}
		}
		if !pr.Done || len(w.Points) != 5 {
			t.Fatalf("not done: %+v, %d points", pr, len(w.Points))
		}
		return w.Points
	}
	a, b := sweep(time.Millisecond), sweep(30*time.Millisecond)
	for i, pt := range a {
		if pt.Examples != 300 {
			t.Errorf("%s at %g: %d examples, want 300", pt.Arm, pt.Fraction, pt.Examples)
		}
		if pt.Arm == "dense" && pt.Learned != 1 || pt.Arm != "dense" && (pt.Learned < pt.Fraction*0.9 || pt.Learned > pt.Fraction*1.1) {
			t.Errorf("%s at %g: learned %g", pt.Arm, pt.Fraction, pt.Learned)
		}
		if pt.Error != b[i].Error || pt.Loss != b[i].Loss {
			t.Errorf("%s at %g: error %v, loss %v in 1 ms slices; %v, %v in 30 ms slices", pt.Arm, pt.Fraction, pt.Error, pt.Loss, b[i].Error, b[i].Loss)
		}
	}
	if _, err := NewFigure4(p, nil, 300, synthetic(600, 1), synthetic(300, 2), models.Env{}); err == nil || !strings.Contains(err.Error(), "no fractions") {
		t.Errorf("no fractions: %v", err)
	}
	if _, err := NewFigure4(p, []float64{0.1}, 0, synthetic(600, 1), synthetic(300, 2), models.Env{}); err == nil {
		t.Error("0 examples per run accepted")
	}
}
