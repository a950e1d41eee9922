package gemm

import (
	"math"
	"runtime"
	"sync/atomic"

	"github.com/predparams/predparams/engine/internal/spin"
)

// parallelFlops is the product size (2·m·n·k) below which a call runs on
// the calling goroutine only. BenchmarkThreshold (fastest single calls on
// a shared machine) showed two threads 1.4–1.7× faster than one from about
// 1 MFLOP up (100×10×500, 100×64×100, 100³), and no gain at 0.07–0.5 MFLOP,
// where the hand-off (1–2 µs) and the duplicated packing eat the gain.
const parallelFlops = 1_000_000

// engine runs a family of configs over up to threads goroutines. It splits
// C into blocks of whole tiles along one dimension, never along the
// reduction, so every element of C gets the same sequence of operations
// whatever the thread count: results are bit-identical for any threads.
//
// Parts are handed to helper goroutines, started once, that live until the
// owning Impl is garbage collected. A part is run by whoever claims it
// first: when the calling goroutine has finished its own part it claims
// the parts that no helper has started and runs them itself, so a helper
// that the OS does not schedule in time (on a busy machine) costs nothing
// but the claim.
//
// An engine is used by one goroutine at a time.
type engine struct {
	family   []*config // candidate tiles, same kc; see pick
	threads  int
	minFlops float64   // parallelFlops; tests lower it
	scratch  []scratch // one per part

	// The call being split. The caller writes it before publishing gen;
	// a helper reads it only after claiming a part of generation gen.
	call   call
	cfg    *config // picked for the call
	splitN bool    // split columns (true) or rows (false)
	parts  int

	gen   atomic.Uint64   // generation of the current split call
	claim []atomic.Uint64 // claim[part]: the last generation that claimed part
	work  chan message    // parts offered to helpers
	done  chan struct{}   // one token per part run by a helper
}

// message offers part of the call of generation gen to a helper.
type message struct {
	gen  uint64
	part int
}

// call holds the arguments of one Sgemm call.
type call struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

// newEngine returns an engine for a family of configurations with threads
// goroutines. owner is the Impl that holds it: when owner becomes
// unreachable the helpers exit.
func newEngine[T any](owner *T, family []*config, threads int) *engine {
	threads = max(threads, 1)
	if runtime.GOARCH == "wasm" {
		threads = 1 // one thread: goroutines only add scheduling cost
	}
	e := &engine{family: family, threads: threads, minFlops: parallelFlops, scratch: make([]scratch, threads)}
	if threads > 1 {
		e.claim = make([]atomic.Uint64, threads)
		e.work = make(chan message, 4*threads)
		e.done = make(chan struct{}, threads)
		for range threads - 1 {
			go e.helper(e.work)
		}
		runtime.AddCleanup(owner, func(w chan message) { close(w) }, e.work)
	}
	return e
}

// tryClaim claims part for generation g and reports whether it succeeded.
func (e *engine) tryClaim(part int, g uint64) bool {
	c := &e.claim[part]
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

// helper runs offered parts until w is closed. Offers of finished calls
// are dropped.
func (e *engine) helper(w chan message) {
	for {
		msg, ok := spin.Recv(w, spin.Helper)
		if !ok {
			return
		}
		if e.gen.Load() != msg.gen || !e.tryClaim(msg.part, msg.gen) {
			continue
		}
		e.run(msg.part)
		e.done <- struct{}{}
	}
}

// sgemm implements Impl.Sgemm.
func (e *engine) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	cfg := pick(e.family, m, n)
	parts := 1
	if e.threads > 1 && 2*float64(m)*float64(n)*float64(k) >= e.minFlops {
		// Split the dimension whose partner is cheaper to pack twice:
		// splitting columns repacks A (m·k) in each part, splitting
		// rows repacks B (k·n).
		tn, tm := (n+cfg.nr-1)/cfg.nr, (m+cfg.mr-1)/cfg.mr
		e.splitN = m <= n && tn >= 2 || tm < 2
		tiles := tm
		if e.splitN {
			tiles = tn
		}
		parts = min(e.threads, tiles)
	}
	if parts == 1 {
		cfg.serial(&e.scratch[0], transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	e.call = call{transA, transB, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc}
	e.cfg = cfg
	e.parts = parts
	g := e.gen.Add(1)
	for part := 1; part < parts; part++ {
		select {
		case e.work <- message{g, part}:
		default: // helpers are behind: the caller will run the part
		}
	}
	e.run(0)
	helped := 0
	for part := 1; part < parts; part++ {
		if e.tryClaim(part, g) {
			e.run(part)
		} else {
			helped++
		}
	}
	for range helped {
		spin.Recv(e.done, spin.Caller)
	}
	e.call = call{} // drop references to the caller's slices
}

// run computes part of the current call: a block of whole tiles of C.
func (e *engine) run(part int) {
	x := &e.call
	cfg := e.cfg
	if e.splitN {
		j0, j1 := span(x.n, cfg.nr, e.parts, part)
		if j0 == j1 {
			return
		}
		b := x.b
		if x.transB {
			b = b[j0*x.ldb:]
		} else {
			b = b[j0:]
		}
		cfg.serial(&e.scratch[part], x.transA, x.transB, x.m, j1-j0, x.k, x.alpha, x.a, x.lda,
			b, x.ldb, x.beta, x.c[j0:], x.ldc)
		return
	}
	i0, i1 := span(x.m, cfg.mr, e.parts, part)
	if i0 == i1 {
		return
	}
	a := x.a
	if x.transA {
		a = a[i0:]
	} else {
		a = a[i0*x.lda:]
	}
	cfg.serial(&e.scratch[part], x.transA, x.transB, i1-i0, x.n, x.k, x.alpha, a, x.lda,
		x.b, x.ldb, x.beta, x.c[i0*x.ldc:], x.ldc)
}

// pick returns the configuration of family that pads C the least, counting
// the tile sizes' own efficiencies. The choice depends on m and n only, never
// on the thread count.
func pick(family []*config, m, n int) *config {
	best, bestCost := family[0], math.Inf(1)
	for _, cfg := range family {
		mm := (m + cfg.mr - 1) / cfg.mr * cfg.mr
		nn := (n + cfg.nr - 1) / cfg.nr * cfg.nr
		cost := float64(mm) * float64(nn) * max(cfg.cost, 1)
		if cost < bestCost {
			best, bestCost = cfg, cost
		}
	}
	return best
}

// span returns part's share [lo, hi) of n items split into parts blocks of
// whole tiles of size t.
func span(n, t, parts, part int) (lo, hi int) {
	tiles := (n + t - 1) / t
	lo = min(tiles*part/parts*t, n)
	hi = min(tiles*(part+1)/parts*t, n)
	return lo, hi
}
