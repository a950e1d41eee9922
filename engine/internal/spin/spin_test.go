package spin

import (
	"testing"
	"time"
)

// TestRecv checks that Recv returns a value that is ready, one that
// arrives while it polls, one that arrives after it has blocked, and ok
// false on a closed channel.
func TestRecv(t *testing.T) {
	for _, tc := range []struct {
		name   string
		send   func(c chan int) // run in a goroutine, except when nil
		closed bool
		want   int
		wantOK bool
	}{
		{"ready", nil, false, 7, true},
		{"while polling", func(c chan int) { c <- 8 }, false, 8, true},
		{"after blocking", func(c chan int) { time.Sleep(20 * Helper); c <- 9 }, false, 9, true},
		{"closed", nil, true, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := make(chan int, 1)
			switch {
			case tc.closed:
				close(c)
			case tc.send == nil:
				c <- tc.want
			default:
				go tc.send(c)
			}
			got, ok := Recv(c, Helper)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("Recv = %d, %v; want %d, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
