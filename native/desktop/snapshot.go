package main

import (
	"sync"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/models"
)

// trainState is what the training goroutine is doing.
type trainState int

const (
	stateTraining trainState = iota
	statePaused
	stateBuilding // building a new run after +, −, d or c
	stateFinished // every epoch trained
)

// String names the state for the header.
func (s trainState) String() string {
	switch s {
	case stateTraining:
		return "training"
	case statePaused:
		return "paused"
	case stateBuilding:
		return "rebuilding…"
	case stateFinished:
		return "finished"
	}
	return "?"
}

// lossPoint is the mean training loss of the steps since the previous
// point, at a position counted in epochs.
type lossPoint struct{ epoch, loss float64 }

// snapshot is a copy of what the window shows, filled by the training
// goroutine and read by the renderer. Its slices are owned by the
// snapshot, except those marked shared, which never change after the run
// that made them is built.
type snapshot struct {
	seq     uint64
	gen     int // counts rebuilds: a new gen is a new run
	rebuilt int // the id of the last rebuild request handled, done or failed
	state   trainState
	msg     string // the last rebuild error, if any

	cfg      *models.Config     // shared
	layers   []models.LayerInfo // shared
	acct     models.Accounting
	trainN   int
	testN    int
	threads  int
	epoch    int     // epochs finished
	progress float64 // epochs done, fractional
	rate     float64 // examples/s over the last seconds of training
	loss     []lossPoint
	history  []models.EpochMetrics

	// view is the view the renderer asked for when the snapshot was
	// made; the fields below say what was shown of it.
	view view

	// The shown layer: its index, the unit selected and its column, and
	// the layer's effective weights W (rows × units, row-major). wshape
	// lays a unit's rows out as an image (H×W×C, channel fastest).
	layer, unit, column int
	w                   []float32
	rows, units         int
	wshape              engine.Shape
	dict                *dictView // nil for an ordinary layer
}

// dictView is what the window shows of a predicted layer's dictionary.
type dictView struct {
	kind                 string
	columns, nAlpha      int
	alpha                [][]int   // shared; nil when atoms are not positions
	u                    []float32 // U of the selected unit's column, rows × nAlpha
	kernel               []float32 // kn × kn, pooled; nil when there is no kernel
	kn                   int
	kernelN              int  // positions the kernel image covers
	kernelAlpha          bool // kernel shows K(α,α) rather than K over all positions
	kernelMin, kernelMax float32
}

// mailbox hands snapshots from the training goroutine to the renderer
// without either waiting for the other: three snapshots circulate, one
// being filled by the trainer, one in the box, one being drawn, and the
// lock is held only to swap pointers.
type mailbox struct {
	mu    sync.Mutex
	mid   *snapshot
	fresh bool
}

// put leaves s in the box and returns the snapshot to fill next.
func (b *mailbox) put(s *snapshot) *snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.mid
	b.mid, b.fresh = s, true
	return old
}

// take returns the newest snapshot in exchange for front, or front and
// false when nothing new arrived since the last take.
func (b *mailbox) take(front *snapshot) (*snapshot, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.fresh {
		return front, false
	}
	s := b.mid
	b.mid, b.fresh = front, false
	return s, true
}
