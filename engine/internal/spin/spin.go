// Package spin receives from channels by polling before blocking, for the
// worker crews of engine and engine/gemm.
//
// Waking a parked goroutine takes a futex wake-up of an idle OS thread,
// which costs tens of microseconds or more in a virtual machine. So a
// helper polls for the next offer of work for Helper before it parks (the
// gaps between the loops and products of a training step are shorter than
// that), and a caller polls for its helpers for up to Caller.
package spin

import (
	"runtime"
	"time"
)

// How long helpers and callers poll before they block.
const (
	Helper = 200 * time.Microsecond
	Caller = time.Millisecond
)

// Recv receives from c, polling it for up to d (and yielding to other
// goroutines meanwhile) before blocking. ok is false when c is closed.
func Recv[T any](c chan T, d time.Duration) (v T, ok bool) {
	var start time.Time
	for i := 0; ; i++ {
		select {
		case v, ok := <-c:
			return v, ok
		default:
		}
		if i&31 == 0 {
			if i == 0 {
				start = time.Now()
			} else if time.Since(start) > d {
				break
			}
			runtime.Gosched()
		}
	}
	v, ok = <-c
	return v, ok
}
