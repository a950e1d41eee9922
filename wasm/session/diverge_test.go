package session

import (
	"testing"
	"time"
)

// TestDiverged checks that a learning rate far too high is reported as
// divergence, and the default one is not.
func TestDiverged(t *testing.T) {
	for _, tc := range []struct {
		lr   float64
		want bool
	}{{10, true}, {0.003, false}} {
		p := DefaultParams()
		p.Hidden, p.Batch, p.LR = 32, 50, tc.lr
		s := newTestSession(t, p)
		got := false
		for i := 0; i < 40 && !got; i++ {
			got = s.Advance(20 * time.Millisecond).Diverged
		}
		if got != tc.want {
			t.Errorf("lr %v: diverged %v, want %v", tc.lr, got, tc.want)
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
