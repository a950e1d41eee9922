package engine

import (
	"runtime"
	"sync/atomic"

	"github.com/predparams/predparams/engine/internal/spin"
)

// A loop is the body of a loop that a team may split over goroutines: run
// does iterations [lo, hi). Iterations must write disjoint memory and
// compute each output the same way whatever the split, so that results do
// not depend on the thread count.
type loop interface {
	run(lo, hi int)
}

// split returns c's team and the number of parts to split work units of
// work into: a multiple of c.Threads, up to partsPerThread parts per
// thread, each at least minPart units. It returns nil when the work should
// run on the calling goroutine alone: one thread, a nil c, js/wasm, or too
// little work.
func (c *Context) split(work, minPart int) (*team, int) {
	if c == nil || c.Threads < 2 || runtime.GOARCH == "wasm" {
		return nil, 1
	}
	if c.minPart > 0 {
		minPart = c.minPart
	}
	perThread := min(partsPerThread, work/max(minPart, 1)/c.Threads)
	if perThread < 1 {
		if work/max(minPart, 1) < 2 {
			return nil, 1
		}
		perThread = 1 // fewer helpers than threads are worth it, but two are
	}
	if c.team == nil || c.team.threads != c.Threads {
		c.team = newTeam(c.Threads)
	}
	return c.team, perThread * c.Threads
}

// Minimum parts of work worth handing to another goroutine. A part handed
// over costs about 1 µs when the helper is polling for work, and the
// caller runs the part itself when the helper is late; these sizes take at
// least 5 µs on one core.
const (
	minElems  = 16384 // elementwise loops over float32s
	minParams = 8192  // optimizer updates
)

// partsPerThread bounds the parts of one loop per thread. Parts are
// claimed one at a time by whoever is free, so when the OS deschedules a
// helper (on a busy machine), the caller waits only for the part that the
// helper is running, not for a whole thread's share.
const partsPerThread = 4

// A team is the helper goroutines of one Context, started when the
// Context first has a loop worth splitting. The caller publishes a loop,
// wakes the helpers, and then it and the helpers claim its parts one at a
// time until none is left; the caller returns when every part is done. A
// helper that the OS does not schedule in time costs nothing but the
// wake-up. The helpers exit when the team is garbage collected.
type team struct {
	threads int
	crew    *crew
	loops
}

// crew is the part of a team its helpers see. It holds no reference to
// the team between calls, so that an unused team can be collected.
type crew struct {
	loop loop // the loop being split; nil between calls
	n    int  // its iterations

	// state packs the generation of the current loop (counted by the
	// caller in gen), its number of parts and the next part to claim:
	// one compare-and-swap claims a part of the current loop, and fails
	// when a new loop has replaced the one a helper looked at.
	state atomic.Uint64
	gen   uint64
	work  chan struct{} // wakes a helper
	done  chan struct{} // one token per part run by a helper
}

// state's fields: generation << 32 | parts << 16 | next part.
const (
	partBits = 16
	partMask = 1<<partBits - 1
)

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
		work: make(chan struct{}, threads),
		done: make(chan struct{}, partsPerThread*threads),
	}
	for range threads - 1 {
		go w.helper()
	}
	t := &team{threads: threads, crew: w}
	runtime.AddCleanup(t, func(work chan struct{}) { close(work) }, w.work)
	return t
}

// run runs l over [0, n) in up to parts blocks and returns when all are
// done.
func (t *team) run(l loop, n, parts int) {
	parts = min(parts, n, partMask)
	if parts < 2 {
		if n > 0 {
			l.run(0, n)
		}
		return
	}
	w := t.crew
	w.loop, w.n = l, n
	w.gen++
	w.state.Store(w.gen<<32 | uint64(parts)<<partBits) // publishes loop and n
	for range t.threads - 1 {
		select {
		case w.work <- struct{}{}:
		default: // every helper has a wake-up waiting already
		}
	}
	mine := 0
	for {
		part, _, ok := w.claim()
		if !ok {
			break
		}
		w.runPart(part, parts)
		mine++
	}
	for range parts - mine {
		spin.Recv(w.done, spin.Caller)
	}
	w.loop = nil
}

// claim claims the next part of the current loop, if one is left, and
// returns it and the loop's number of parts. The loop and n then stay as
// they are until the part is done.
func (w *crew) claim() (part, parts int, ok bool) {
	for {
		s := w.state.Load()
		next, parts := int(s&partMask), int(s>>partBits&partMask)
		if next >= parts {
			return 0, 0, false
		}
		if w.state.CompareAndSwap(s, s+1) {
			return next, parts, true
		}
	}
}

// runPart runs part of the current loop, split in parts.
func (w *crew) runPart(part, parts int) {
	lo, hi := w.n*part/parts, w.n*(part+1)/parts
	if lo < hi {
		w.loop.run(lo, hi)
	}
}

// helper runs parts of the current loop whenever it is woken, until the
// work channel is closed. A wake-up that comes late finds no part left.
func (w *crew) helper() {
	for {
		if _, ok := spin.Recv(w.work, spin.Helper); !ok {
			return
		}
		for {
			part, parts, ok := w.claim()
			if !ok {
				break
			}
			w.runPart(part, parts)
			w.done <- struct{}{}
		}
	}
}
