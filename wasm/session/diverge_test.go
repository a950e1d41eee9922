package session

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/predparams/predparams/models"
)

// TestDiverged checks what counts as divergence: a loss that is not a
// number, infinite or above DivergedLoss; a run whose weights turned NaN
// (its loss is NaN, the run stops with a *models.DivergedError); and not
// the default settings.
func TestDiverged(t *testing.T) {
	for _, tc := range []struct {
		loss float64
		want bool
	}{{math.NaN(), true}, {math.Inf(1), true}, {DivergedLoss + 1, true}, {1e6, true}, {math.Log(10), false}, {0, false}} {
		if got := diverged(tc.loss); got != tc.want {
			t.Errorf("diverged(%v) = %v, want %v", tc.loss, got, tc.want)
		}
	}
	for _, poison := range []bool{true, false} {
		p := DefaultParams()
		p.Hidden, p.Batch = 32, 50
		s := newTestSession(t, p)
		if poison {
			s.Run.Model.Net.Data[0] = float32(math.NaN())
		}
		var u Update
		for i := 0; i < 40 && !u.Diverged; i++ {
			u = s.Advance(20 * time.Millisecond)
		}
		var d *models.DivergedError
		if u.Diverged != poison || errors.As(u.Err, &d) != poison {
			t.Errorf("NaN weight %v: diverged %v, error %v", poison, u.Diverged, u.Err)
		}
	}
}

func TestSetLR(t *testing.T) {
	p := DefaultParams()
	p.Hidden = 16
	s := newTestSession(t, p)
	if err := s.SetLR(0.01); err != nil {
		t.Fatal(err)
	}
	if c := s.Run.Trainer.Opt.Config; c.LR != 0.01 || c.MinLR != 0.0005 || s.Params.LR != 0.01 {
		t.Errorf("after SetLR(0.01): %+v", c)
	}
	for _, bad := range []float64{0, -1, 11} {
		if s.SetLR(bad) == nil {
			t.Errorf("SetLR(%v) gave no error", bad)
		}
	}
}
