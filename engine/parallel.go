package engine

import (
	"runtime"
	"sync/atomic"
	"time"
)

// A loop is the body of a loop that a team may split over goroutines: run
// does iterations [lo, hi). Iterations must write disjoint memory and
// compute each output the same way whatever the split, so that results do
// not depend on the thread count.
type loop interface {
	run(lo, hi int)
}

// split returns c's team and the number of parts to split work units of
// work into, at least minPart units per part, on up to c.Threads
// goroutines. It returns nil when the work should run on the calling
// goroutine alone: one thread, a nil c, js/wasm, or too little work.
func (c *Context) split(work, minPart int) (*team, int) {
	if c == nil || c.Threads < 2 || runtime.GOARCH == "wasm" {
		return nil, 1
	}
	if c.minPart > 0 {
		minPart = c.minPart
	}
	parts := min(c.Threads, work/max(minPart, 1))
	if parts < 2 {
		return nil, 1
	}
	if c.team == nil || c.team.threads != c.Threads {
		c.team = newTeam(c.Threads)
	}
	return c.team, parts
}

// Minimum parts of work worth handing to another goroutine. A part handed
// over costs about 1 µs when the helper is polling for work, and the
// caller runs the part itself when the helper is late; these sizes take at
// least 5 µs on one core.
const (
	minElems  = 16384 // elementwise loops over float32s
	minParams = 8192  // optimizer updates
)

// A team is the helper goroutines of one Context, started when the
// Context first has a loop worth splitting. It works like the driver of
// engine/gemm: the caller offers parts to the helpers, runs the first part
// itself, then claims and runs every part that no helper has started, so a
// helper that the OS does not schedule in time costs nothing but the
// claim. The helpers exit when the team is garbage collected.
type team struct {
	threads int
	crew    *crew
	loops
}

// crew is the part of a team its helpers see. It holds no reference to
// the team between calls, so that an unused team can be collected.
type crew struct {
	loop  loop // the loop being split; nil between calls
	n     int
	parts int

	gen   atomic.Uint64   // generation of the current call
	claim []atomic.Uint64 // claim[part]: the last generation that claimed part
	work  chan message    // parts offered to helpers
	done  chan struct{}   // one token per part run by a helper
}

// message offers part of the call of generation gen to a helper.
type message struct {
	gen  uint64
	part int
}

// loops holds one argument block per kind of split loop. A call fills
// its block and hands a pointer to it to the helpers, so that handing a
// loop over allocates nothing.
type loops struct {
	biasAct     biasActLoop
	actBack     actBackLoop
	actBiasBack actBiasBackLoop
	im2col      im2colLoop
	col2im      col2imLoop
	maxPool     maxPoolLoop
	maxPoolBack maxPoolBackLoop
	update      update
}

// newTeam starts threads−1 helpers.
func newTeam(threads int) *team {
	w := &crew{
		claim: make([]atomic.Uint64, threads),
		work:  make(chan message, 4*threads),
		done:  make(chan struct{}, threads),
	}
	for range threads - 1 {
		go w.helper()
	}
	t := &team{threads: threads, crew: w}
	runtime.AddCleanup(t, func(work chan message) { close(work) }, w.work)
	return t
}

// run runs l over [0, n) in up to parts blocks and returns when all are
// done.
func (t *team) run(l loop, n, parts int) {
	parts = min(parts, n)
	if parts < 2 {
		if n > 0 {
			l.run(0, n)
		}
		return
	}
	w := t.crew
	w.loop, w.n, w.parts = l, n, parts
	g := w.gen.Add(1)
	for part := 1; part < parts; part++ {
		select {
		case w.work <- message{g, part}:
		default: // helpers are behind: the caller will run the part
		}
	}
	w.runPart(0)
	helped := 0
	for part := 1; part < parts; part++ {
		if w.tryClaim(part, g) {
			w.runPart(part)
		} else {
			helped++
		}
	}
	for range helped {
		recv(w.done, callerSpin)
	}
	w.loop = nil
}

// runPart runs part of the current loop.
func (w *crew) runPart(part int) {
	lo, hi := w.n*part/w.parts, w.n*(part+1)/w.parts
	if lo < hi {
		w.loop.run(lo, hi)
	}
}

// tryClaim claims part for generation g and reports whether it succeeded.
func (w *crew) tryClaim(part int, g uint64) bool {
	c := &w.claim[part]
	for {
		old := c.Load()
		if old >= g {
			return false
		}
		if c.CompareAndSwap(old, g) {
			return true
		}
	}
}

// helper runs offered parts until the work channel is closed. Offers of
// finished calls are dropped.
func (w *crew) helper() {
	for {
		msg, ok := recv(w.work, helperSpin)
		if !ok {
			return
		}
		if w.gen.Load() != msg.gen || !w.tryClaim(msg.part, msg.gen) {
			continue
		}
		w.runPart(msg.part)
		w.done <- struct{}{}
	}
}

// Waking a parked goroutine costs tens of microseconds in a virtual
// machine, so a helper polls for the next offer for helperSpin before it
// parks (the gaps between the loops of a training step are shorter), and
// the caller polls for its helpers for up to callerSpin. The values are
// those of engine/gemm.
const (
	helperSpin = 200 * time.Microsecond
	callerSpin = time.Millisecond
)

// recv receives from c, polling it for up to spin (and yielding to other
// goroutines meanwhile) before blocking.
func recv[T any](c chan T, spin time.Duration) (T, bool) {
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
			} else if time.Since(start) > spin {
				break
			}
			runtime.Gosched()
		}
	}
	v, ok := <-c
	return v, ok
}
