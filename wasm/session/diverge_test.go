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
