// Package dist exchanges the dynamic parameters of data-parallel training
// between processes over TCP: a Hub averages one vector per worker each
// round (a parameter-server all-reduce) and a Client is a worker's end.
// Vectors travel as float32 or, to halve the bytes, IEEE float16.
//
// dist imports engine (for a data-parallel training step) and nothing of
// the faces.
package dist

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync"
	"time"

	"github.com/predparams/predparams/engine"
)

// Encoding is how a vector's numbers travel.
type Encoding int

const (
	// F32 sends IEEE float32, 4 bytes a number.
	F32 Encoding = iota
	// F16 sends IEEE float16 (round to nearest even), 2 bytes a number.
	F16
)

// Bytes returns the bytes per number.
func (e Encoding) Bytes() int {
	if e == F16 {
		return 2
	}
	return 4
}

// String returns "f32" or "f16".
func (e Encoding) String() string {
	if e == F16 {
		return "f16"
	}
	return "f32"
}

// ParseEncoding parses "f32" or "f16".
func ParseEncoding(s string) (Encoding, error) {
	switch s {
	case "f32", "":
		return F32, nil
	case "f16":
		return F16, nil
	}
	return 0, fmt.Errorf("dist: encoding %q, want f32 or f16", s)
}

// magic opens a worker's handshake: the protocol's name and version.
const magic = "PPD1"

// header is a worker's handshake: magic, vector length, encoding.
type header struct {
	Magic [4]byte
	Dim   uint32
	Enc   uint8
}

// Float16 returns the IEEE 754 half-precision bits nearest to f (ties to
// even); values beyond the half range become ±Inf, NaN stays NaN.
func Float16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127 > 15: // overflow
		return sign | 0x7c00
	case exp-127 >= -14: // normal half
		e := uint32(exp-127+15) << 10
		m := mant >> 13
		h := e | m
		rest := mant & 0x1fff
		if rest > 0x1000 || rest == 0x1000 && h&1 == 1 {
			h++ // may carry into the exponent, which is right
		}
		return sign | uint16(h)
	case exp-127 >= -25: // subnormal half
		m := mant | 0x800000
		shift := uint(-14-(exp-127)) + 13
		h := m >> shift
		rest := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rest > half || rest == half && h&1 == 1 {
			h++
		}
		return sign | uint16(h)
	}
	return sign
}

// Float32 returns the float32 value of IEEE half-precision bits h.
func Float32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		v := float32(mant) / (1 << 24)
		if sign != 0 {
			return -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// encode writes v into buf (len(v)·enc.Bytes() bytes), little-endian.
func encode(buf []byte, v []float32, enc Encoding) {
	if enc == F16 {
		for i, x := range v {
			binary.LittleEndian.PutUint16(buf[2*i:], Float16(x))
		}
		return
	}
	for i, x := range v {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(x))
	}
}

// halfTable returns the float32 value of every half-precision bit
// pattern, so that decoding a float16 vector is one lookup per number.
func halfTable() []float32 {
	t := make([]float32, 1<<16)
	for h := range t {
		t[h] = Float32(uint16(h))
	}
	return t
}

// decode reads len(v) numbers from buf into v; half is halfTable() for F16.
func decode(v []float32, buf []byte, enc Encoding, half []float32) {
	if enc == F16 {
		for i := range v {
			v[i] = half[binary.LittleEndian.Uint16(buf[2*i:])]
		}
		return
	}
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
}

// Hub averages vectors of Dim numbers from Workers clients: every round it
// reads one vector from each, in the order they connected, sums them,
// divides by Workers and sends the mean back to each. The sum runs in a
// fixed order, so every worker receives the same bits.
type Hub struct {
	ln      net.Listener
	workers int
	dim     int
	enc     Encoding
	half    []float32 // halfTable for F16
}

// NewHub returns a hub serving on ln. dim 0 takes the vector length from
// the first worker's handshake; the others must agree.
func NewHub(ln net.Listener, workers, dim int, enc Encoding) (*Hub, error) {
	if workers < 1 || dim < 0 {
		return nil, fmt.Errorf("dist: hub for %d workers of %d numbers", workers, dim)
	}
	h := &Hub{ln: ln, workers: workers, dim: dim, enc: enc}
	if enc == F16 {
		h.half = halfTable()
	}
	return h, nil
}

// Dim returns the vector length (known after the first handshake when
// NewHub was given 0).
func (h *Hub) Dim() int { return h.dim }

// Addr returns the address workers dial.
func (h *Hub) Addr() string { return h.ln.Addr().String() }

// Serve accepts the workers, checks their handshakes and averages rounds
// until every worker has closed its connection at a round boundary. It
// returns the number of rounds served; a worker that breaks off within a
// round or sends a bad handshake is an error.
func (h *Hub) Serve() (rounds int, err error) {
	conns := make([]net.Conn, 0, h.workers)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for len(conns) < h.workers {
		c, err := h.ln.Accept()
		if err != nil {
			return 0, fmt.Errorf("dist: accept: %w", err)
		}
		conns = append(conns, c)
		var hd header
		if err := binary.Read(c, binary.LittleEndian, &hd); err != nil {
			return 0, fmt.Errorf("dist: handshake: %w", err)
		}
		if h.dim == 0 && hd.Dim > 0 {
			h.dim = int(hd.Dim)
		}
		if string(hd.Magic[:]) != magic || int(hd.Dim) != h.dim || Encoding(hd.Enc) != h.enc {
			return 0, fmt.Errorf("dist: handshake %q dim %d enc %d, want %q dim %d enc %d",
				hd.Magic[:], hd.Dim, hd.Enc, magic, h.dim, h.enc)
		}
	}
	n := h.dim * h.enc.Bytes()
	bufs := make([][]byte, len(conns))
	readers := make([]*bufio.Reader, len(conns))
	for i, c := range conns {
		bufs[i] = make([]byte, n)
		readers[i] = bufio.NewReaderSize(c, 1<<16)
	}
	sum := make([]float32, h.dim)
	v := make([]float32, h.dim)
	out := make([]byte, n)
	errs := make([]error, len(conns))
	for {
		var wg sync.WaitGroup
		for i := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = io.ReadFull(readers[i], bufs[i])
			}()
		}
		wg.Wait()
		eof := 0
		for _, err := range errs {
			switch {
			case errors.Is(err, io.EOF):
				eof++
			case err != nil:
				return rounds, fmt.Errorf("dist: round %d: %w", rounds, err)
			}
		}
		if eof == len(conns) {
			return rounds, nil
		}
		if eof > 0 {
			return rounds, fmt.Errorf("dist: round %d: %d of %d workers closed", rounds, eof, len(conns))
		}
		clear(sum)
		for i := range conns {
			decode(v, bufs[i], h.enc, h.half)
			for j, x := range v {
				sum[j] += x
			}
		}
		inv := 1 / float32(len(conns))
		for j := range sum {
			sum[j] *= inv
		}
		encode(out, sum, h.enc)
		for i, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.Write(out)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return rounds, fmt.Errorf("dist: round %d: %w", rounds, err)
			}
		}
		rounds++
	}
}

// Client is a worker's connection to a Hub.
type Client struct {
	conn net.Conn
	r    *bufio.Reader
	dim  int
	enc  Encoding
	buf  []byte
	half []float32 // halfTable for F16
	// Sent and Received count the payload bytes exchanged so far.
	Sent, Received int64
}

// Dial connects to the hub at addr for vectors of dim numbers.
func Dial(addr string, dim int, enc Encoding) (*Client, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dist: %w", err)
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	hd := header{Dim: uint32(dim), Enc: uint8(enc)}
	copy(hd.Magic[:], magic)
	if err := binary.Write(c, binary.LittleEndian, hd); err != nil {
		c.Close()
		return nil, fmt.Errorf("dist: handshake: %w", err)
	}
	cl := &Client{conn: c, r: bufio.NewReaderSize(c, 1<<16), dim: dim, enc: enc, buf: make([]byte, dim*enc.Bytes())}
	if enc == F16 {
		cl.half = halfTable()
	}
	return cl, nil
}

// AllReduce replaces v (dim numbers) by the mean of every worker's v for
// this round.
func (c *Client) AllReduce(v []float32) error {
	if len(v) != c.dim {
		return fmt.Errorf("dist: AllReduce of %d numbers on a connection for %d", len(v), c.dim)
	}
	encode(c.buf, v, c.enc)
	if _, err := c.conn.Write(c.buf); err != nil {
		return fmt.Errorf("dist: send: %w", err)
	}
	c.Sent += int64(len(c.buf))
	if _, err := io.ReadFull(c.r, c.buf); err != nil {
		return fmt.Errorf("dist: receive: %w", err)
	}
	c.Received += int64(len(c.buf))
	decode(v, c.buf, c.enc, c.half)
	return nil
}

// Close ends the worker's participation; the hub finishes when all have
// closed.
func (c *Client) Close() error { return c.conn.Close() }

// TrainStep is one data-parallel step: the gradient of t's net on this
// worker's n examples, averaged with the other workers' through c (nil
// for a single worker), then one optimizer update. Every worker must
// start from the same parameters and take the same number of steps; they
// then stay identical. It returns the local loss and the time spent
// exchanging.
func TrainStep(c *Client, t *engine.Trainer, x []float32, y []int32, n int) (loss float32, comm time.Duration, err error) {
	loss = t.Gradient(x, y, n)
	if c != nil {
		start := time.Now()
		if err := c.AllReduce(t.Net.Grad); err != nil {
			return 0, 0, err
		}
		comm = time.Since(start)
	}
	t.Opt.Step(t.Net.Params, t.Updates)
	t.Updates++
	return loss, comm, nil
}
