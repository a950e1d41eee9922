package session

import (
	"fmt"
	"math"
)

// SetLR changes the learning rate of a running session: the schedule
// (halving every HalfLife examples, down to a twentieth) continues from
// the new starting rate. It needs no rebuild, so the page applies it
// live.
func (s *Session) SetLR(lr float64) error {
	if math.IsNaN(lr) || lr <= 0 || lr > MaxLR {
		return fmt.Errorf("learning rate %v: want more than 0 and at most %d", lr, MaxLR)
	}
	c := &s.Run.Trainer.Opt.Config
	c.LR, c.MinLR = lr, lr/20
	s.Params.LR = lr
	return nil
}
