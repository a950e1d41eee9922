package dist

import (
	"math"
	"net"
	"sync"
	"testing"
)

func TestFloat16(t *testing.T) {
	tests := []struct {
		f float32
		h uint16
	}{
		{0, 0x0000},
		{float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3c00},
		{-2, 0xc000},
		{0.5, 0x3800},
		{65504, 0x7bff},                     // largest half
		{65520, 0x7c00},                     // rounds up to +Inf
		{1e6, 0x7c00},                       // overflow
		{float32(math.Pow(2, -14)), 0x0400}, // smallest normal
		{float32(math.Pow(2, -24)), 0x0001}, // smallest subnormal
		{float32(math.Pow(2, -26)), 0x0000}, // underflows to zero
		{1 + 1.0/2048, 0x3c00},              // tie: rounds to even (down)
		{1 + 3.0/2048, 0x3c02},              // tie: rounds to even (up)
		{float32(math.Inf(-1)), 0xfc00},
	}
	for _, tt := range tests {
		if got := Float16(tt.f); got != tt.h {
			t.Errorf("Float16(%v) = %#04x, want %#04x", tt.f, got, tt.h)
		}
	}
	if h := Float16(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("Float16(NaN) = %#04x, not a NaN", h)
	}
	// Every finite half survives the round trip exactly.
	for h := 0; h < 0x10000; h++ {
		if h&0x7c00 == 0x7c00 {
			continue
		}
		if back := Float16(Float32(uint16(h))); back != uint16(h) {
			t.Fatalf("Float16(Float32(%#04x)) = %#04x", h, back)
		}
	}
}

// TestHub runs three workers through a few rounds over loopback and checks
// that each receives the mean, and the byte counts.
func TestHub(t *testing.T) {
	for _, enc := range []Encoding{F32, F16} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Skipf("no loopback TCP: %v", err)
		}
		const workers, dim, rounds = 3, 5, 4
		hub, err := NewHub(ln, workers, dim, enc)
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() {
			n, err := hub.Serve()
			if err == nil && n != rounds {
				t.Errorf("%v: hub served %d rounds, want %d", enc, n, rounds)
			}
			served <- err
		}()
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := Dial(hub.Addr(), dim, enc)
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				for r := 0; r < rounds; r++ {
					v := make([]float32, dim)
					for j := range v {
						v[j] = float32(w + r + j) // mean over w = 0, 1, 2 is 1 + r + j
					}
					if err := c.AllReduce(v); err != nil {
						t.Error(err)
						return
					}
					for j, x := range v {
						if want := float32(1 + r + j); x != want {
							t.Errorf("%v: worker %d round %d: v[%d] = %v, want %v", enc, w, r, j, x, want)
						}
					}
				}
				if want := int64(rounds * dim * enc.Bytes()); c.Sent != want || c.Received != want {
					t.Errorf("%v: sent %d, received %d bytes, want %d", enc, c.Sent, c.Received, want)
				}
			}()
		}
		wg.Wait()
		if err := <-served; err != nil {
			t.Fatalf("%v: %v", enc, err)
		}
		ln.Close()
	}
}

func TestHubRejectsBadHandshake(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback TCP: %v", err)
	}
	defer ln.Close()
	hub, _ := NewHub(ln, 1, 8, F32)
	done := make(chan error, 1)
	go func() { _, err := hub.Serve(); done <- err }()
	c, err := Dial(hub.Addr(), 7, F32)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := <-done; err == nil {
		t.Fatal("a worker with the wrong length was accepted")
	}
	if err := c.AllReduce(make([]float32, 8)); err == nil {
		t.Fatal("AllReduce of the wrong length did not fail")
	}
}

func TestParseEncoding(t *testing.T) {
	tests := []struct {
		in   string
		want Encoding
		ok   bool
	}{{"f32", F32, true}, {"", F32, true}, {"f16", F16, true}, {"bf16", 0, false}}
	for _, tt := range tests {
		got, err := ParseEncoding(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseEncoding(%q) = %v, %v", tt.in, got, err)
		}
	}
}
