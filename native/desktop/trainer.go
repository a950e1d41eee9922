package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/models"
)

// publishEvery bounds how often the trainer copies a snapshot for the
// renderer (it also does at every epoch end and when asked).
const publishEvery = 500 * time.Millisecond

// maxLossPoints bounds the loss curve; beyond it, neighbours are merged.
const maxLossPoints = 2000

// maxKernelSide bounds the kernel image: larger kernels are averaged over
// blocks of positions.
const maxKernelSide = 240

// view is what the renderer asks the trainer to copy: the layer shown,
// the unit selected, and whether the kernel panel shows K(α,α).
type view struct {
	layer, unit int
	kernelAlpha bool
}

type cmdKind int

const (
	cmdPause   cmdKind = iota // pause or resume
	cmdRebuild                // build a new run from cfg and train it instead
	cmdQuit                   // write a checkpoint to save (if set), reply and stop
)

// command is a request from the renderer to the training goroutine.
type command struct {
	kind  cmdKind
	cfg   *models.Config
	id    int // cmdRebuild: the request's number, echoed in snapshot.rebuilt
	save  string
	reply chan report
}

// report is the trainer's account of the session when it stops.
type report struct {
	examples int64   // examples trained
	seconds  float64 // wall time spent training them, evaluation and pauses excluded
	err      error   // writing the checkpoint failed
	diverged error   // the run's Err: training diverged, no checkpoint written
}

// rate returns the training throughput in examples per second.
func (r report) rate() float64 {
	if r.seconds <= 0 {
		return 0
	}
	return float64(r.examples) / r.seconds
}

// trainer runs a models.Run in a goroutine of its own. The renderer talks
// to it through cmds (actions), view and poke (what to copy), and reads
// its snapshots from box; the trainer never waits for the renderer.
type trainer struct {
	cmds chan command
	poke chan struct{}
	view atomic.Pointer[view]
	note atomic.Pointer[string] // the last log line of a build
	box  mailbox
	done chan struct{} // closed when the goroutine returns

	// Everything below belongs to the goroutine.
	run         *models.Run
	train, test *data.Dataset
	env         models.Env
	gen         int
	rebuilt     int // the id of the last rebuild request handled
	paused      bool
	building    bool
	msg         string
	back        *snapshot
	seq         uint64
	lastPub     time.Time

	// The loss curve: pendSteps steps (loss sum pendSum) not yet in a
	// point of loss.
	pendSteps int
	pendSum   float64
	loss      []lossPoint

	// Throughput: examples trained in busy wall time (measured from mark),
	// and the sliding window of the shown rate.
	examples int64
	busy     time.Duration
	mark     time.Time
	winEx    int64
	winBusy  time.Duration
	rate     float64

	// Reused from snapshot to snapshot: the shown layer's weights, and
	// the kernel image of kkey with its side, positions and range.
	scratch    []float32
	kkey       kernelKey
	kimg       []float32
	kn, kcount int
	kmin, kmax float32
}

// kernelKey identifies a cached kernel image.
type kernelKey struct {
	gen, layer, column int
	alpha, valid       bool
}

// startTrainer starts training r, whose data are train and test (before
// any train_examples cut, for rebuilds).
func startTrainer(r *models.Run, train, test *data.Dataset, env models.Env) *trainer {
	t := &trainer{
		cmds: make(chan command, 8),
		poke: make(chan struct{}, 1),
		done: make(chan struct{}),
		run:  r, train: train, test: test,
		back: &snapshot{},
	}
	t.box.mid = &snapshot{}
	log := env.Log
	env.Log = func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		t.note.Store(&line)
		if log != nil {
			log(format, args...)
		}
	}
	t.env = env
	go t.loop()
	return t
}

// send queues an action without waiting; it reports false when the queue
// is full.
func (t *trainer) send(c command) bool {
	select {
	case t.cmds <- c:
		return true
	default:
		return false
	}
}

// setView asks for another layer, unit or kernel view in the next
// snapshot.
func (t *trainer) setView(v view) {
	t.view.Store(&v)
	select {
	case t.poke <- struct{}{}:
	default:
	}
}

// quit stops the goroutine, writing a checkpoint to save first unless
// save is empty, and returns its report.
func (t *trainer) quit(save string) report {
	reply := make(chan report, 1)
	t.cmds <- command{kind: cmdQuit, save: save, reply: reply}
	rep := <-reply
	<-t.done
	return rep
}

func (t *trainer) loop() {
	defer close(t.done)
	t.mark = time.Now()
	for {
		if t.paused || t.run.Done() {
			t.publish(true)
			select {
			case c := <-t.cmds:
				if t.handle(c) {
					return
				}
			case <-t.poke:
			}
			t.mark = time.Now()
			continue
		}
		select {
		case c := <-t.cmds:
			if t.handle(c) {
				return
			}
			t.lastPub = time.Time{}
			t.mark = time.Now()
			continue
		case <-t.poke:
			t.lastPub = time.Time{}
		default:
		}
		t.step()
	}
}

// step trains one minibatch, finishing the epoch if it ended one.
func (t *trainer) step() {
	r := t.run
	res := r.Step()
	if err := r.Err(); err != nil {
		t.msg = err.Error() // shown in red; Done is now true
	} else {
		t.examples += int64(res.Examples)
		t.pendSum += float64(res.Loss)
		t.pendSteps++
	}
	if !res.EpochEnd {
		t.publish(false)
		now := time.Now()
		t.busy += now.Sub(t.mark)
		t.mark = now
		return
	}
	t.busy += time.Since(t.mark)
	r.FinishEpoch() // evaluation: not counted as training time
	t.mark = time.Now()
	t.publish(true)
}

// handle carries out c and reports whether the goroutine must stop.
func (t *trainer) handle(c command) bool {
	switch c.kind {
	case cmdPause:
		t.paused = !t.paused
	case cmdRebuild:
		t.rebuild(c.cfg)
		t.rebuilt = c.id
	case cmdQuit:
		rep := report{examples: t.examples, seconds: t.busy.Seconds(), diverged: t.run.Err()}
		if c.save != "" && rep.diverged == nil {
			if err := os.MkdirAll(filepath.Dir(c.save), 0o755); err != nil {
				rep.err = err
			} else {
				rep.err = t.run.Save(c.save)
			}
		}
		c.reply <- rep
		return true
	}
	return false
}

// rebuild replaces the run by a new one built from cfg; on failure the
// old run goes on and the error is shown.
func (t *trainer) rebuild(cfg *models.Config) {
	t.building = true
	t.publish(true)
	r, err := t.newRun(cfg)
	t.building = false
	if err != nil {
		t.msg = "rebuild failed: " + err.Error()
		return
	}
	t.run, t.msg = r, ""
	t.gen++
	t.loss = t.loss[:0]
	t.pendSteps, t.pendSum = 0, 0
	t.winEx, t.winBusy, t.rate = t.examples, t.busy, 0
}

// newRun builds a run from cfg. A panic while building (a bug in the
// builder, not bad input: the config passed validation) becomes an error,
// with its stack on stderr, so that the window and the old run survive.
func (t *trainer) newRun(cfg *models.Config) (r *models.Run, err error) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "desktop: building the model panicked: %v\n%s", p, debug.Stack())
			r, err = nil, fmt.Errorf("internal error: %v", p)
		}
	}()
	return models.NewRun(cfg, t.train, t.test, t.env)
}

// addPoint appends the pending loss point, if any steps are pending.
func (t *trainer) addPoint() {
	if t.pendSteps == 0 {
		return
	}
	done, _ := t.run.Progress()
	t.loss = append(t.loss, lossPoint{epoch: float64(done) / float64(t.run.Train.N), loss: t.pendSum / float64(t.pendSteps)})
	t.pendSum, t.pendSteps = 0, 0
	if len(t.loss) > maxLossPoints {
		t.loss = mergePairs(t.loss)
	}
}

// mergePairs halves a curve by averaging neighbours.
func mergePairs(p []lossPoint) []lossPoint {
	n := 0
	for i := 0; i+1 < len(p); i += 2 {
		p[n] = lossPoint{epoch: p[i+1].epoch, loss: (p[i].loss + p[i+1].loss) / 2}
		n++
	}
	if len(p)%2 == 1 {
		p[n] = p[len(p)-1]
		n++
	}
	return p[:n]
}

// publish hands a new snapshot to the renderer, at most every
// publishEvery unless forced.
func (t *trainer) publish(force bool) {
	now := time.Now()
	if !force && now.Sub(t.lastPub) < publishEvery {
		return
	}
	t.lastPub = now
	t.addPoint()
	if dt := t.busy - t.winBusy; dt >= time.Second {
		t.rate = float64(t.examples-t.winEx) / dt.Seconds()
		if dt > 4*time.Second {
			t.winEx, t.winBusy = t.examples, t.busy
		}
	}
	s := t.back
	t.fill(s)
	t.back = t.box.put(s)
}

// fill copies the trainer's state into s.
func (t *trainer) fill(s *snapshot) {
	r := t.run
	m := r.Model
	t.seq++
	s.seq, s.gen, s.rebuilt, s.msg = t.seq, t.gen, t.rebuilt, t.msg
	switch {
	case t.building:
		s.state = stateBuilding
	case t.paused:
		s.state = statePaused
	case r.Done():
		s.state = stateFinished
	default:
		s.state = stateTraining
	}
	s.cfg, s.layers, s.acct = m.Config, m.Layers, m.Accounting()
	s.trainN, s.testN, s.threads = r.Train.N, r.Test.N, m.Net.Ctx.Threads
	s.epoch = r.Trainer.Epoch
	done, _ := r.Progress()
	s.progress = float64(done) / float64(r.Train.N)
	s.rate = t.rate
	if s.rate == 0 && t.busy > 0 {
		s.rate = float64(t.examples) / t.busy.Seconds() // under a second of training so far
	}
	s.loss = append(s.loss[:0], t.loss...)
	s.history = append(s.history[:0], r.History...)
	t.fillLayer(s)
}

// defaultLayer returns the layer shown first: the first predicted layer,
// else the first layer with weights.
func defaultLayer(ls []models.LayerInfo) int {
	for i, l := range ls {
		if l.Predicted {
			return i
		}
	}
	for i, l := range ls {
		if l.DenseWeights > 0 {
			return i
		}
	}
	return 0
}

// fillLayer copies the shown layer's weights and dictionary into s.
func (t *trainer) fillLayer(s *snapshot) {
	m := t.run.Model
	v := view{layer: -1}
	if p := t.view.Load(); p != nil {
		v = *p
	}
	s.view = v
	if v.layer < 0 || v.layer >= len(m.Layers) || m.Layers[v.layer].DenseWeights == 0 {
		v.layer = defaultLayer(m.Layers)
	}
	s.layer = v.layer
	if n := m.Layers[v.layer].DenseWeights; cap(t.scratch) < n {
		t.scratch = make([]float32, n)
	}
	w, rows, units := m.Weights(v.layer, t.scratch[:cap(t.scratch)])
	s.w = append(s.w[:0], w...)
	s.rows, s.units = rows, units
	s.unit = min(max(v.unit, 0), max(units-1, 0))
	s.column = 0
	s.wshape = weightShape(m, v.layer, rows)
	d := m.Dictionary(v.layer)
	if d == nil || d.Columns <= 0 || len(d.U) != d.Columns {
		s.dict = nil
		return
	}
	if s.dict == nil {
		s.dict = &dictView{}
	}
	dv := s.dict
	s.column = min(s.unit/max(d.Units/d.Columns, 1), d.Columns-1)
	dv.kind, dv.columns, dv.nAlpha, dv.alpha = d.Kind, d.Columns, d.NAlpha, d.Alpha
	dv.u = append(dv.u[:0], d.U[s.column]...)
	dv.kernel, dv.kn, dv.kernelN, dv.kernelAlpha = dv.kernel[:0], 0, 0, false
	if d.Kernel == nil {
		return
	}
	alphaView := v.kernelAlpha && d.Alpha != nil
	key := kernelKey{gen: t.gen, layer: v.layer, column: s.column, alpha: alphaView, valid: true}
	if !alphaView {
		key.column = 0 // K over all positions is the same for every column
	}
	if key != t.kkey {
		var pos []int
		if alphaView {
			pos = slices.Sorted(slices.Values(d.Alpha[s.column]))
		}
		t.kimg, t.kn, t.kcount, t.kmin, t.kmax = kernelImage(t.kimg, d.Kernel, pos, maxKernelSide)
		t.kkey = key
	}
	dv.kernel = append(dv.kernel, t.kimg...)
	dv.kn, dv.kernelN, dv.kernelAlpha = t.kn, t.kcount, alphaView
	dv.kernelMin, dv.kernelMax = t.kmin, t.kmax
}

// weightShape returns how a unit's incoming weights of layer i lie out as
// an image: the layer's input for a dense layer, the K×K×C filter for a
// conv layer, a flat vector when neither matches rows.
func weightShape(m *models.Model, i, rows int) engine.Shape {
	in := m.In
	if i > 0 {
		in = m.Net.Shapes[i-1]
	}
	if lc := m.Config.Layers[i]; lc.Type == "conv" {
		in = engine.Shape{H: lc.K, W: lc.K, C: in.C}
	}
	if in.Size() != rows {
		return engine.Shape{H: 1, W: 1, C: rows}
	}
	return in
}

// maxKernelPositions bounds the positions a kernel image is computed
// over; beyond it, positions are subsampled evenly.
const maxKernelPositions = 2048

// kernel is a covariance over a layer's input positions, as
// models.Dictionary.Kernel holds it.
type kernel interface {
	Len() int
	At(i, j int) float64
}

// kernelImage returns the kernel k over positions pos (all of k's
// positions when pos is nil) as a side×side image, averaged over blocks
// of positions so that side ≤ maxSide, with its range. It reuses dst.
func kernelImage(dst []float32, k kernel, pos []int, maxSide int) (img []float32, side, count int, lo, hi float32) {
	if pos == nil {
		n := k.Len()
		step := max(1, (n+maxKernelPositions-1)/maxKernelPositions)
		for i := 0; i < n; i += step {
			pos = append(pos, i)
		}
	}
	n := len(pos)
	if n == 0 {
		return dst[:0], 0, 0, 0, 0
	}
	b := (n + maxSide - 1) / maxSide
	side = (n + b - 1) / b
	img = slices.Grow(dst[:0], side*side)[:side*side]
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for bi := 0; bi < side; bi++ {
		for bj := 0; bj < side; bj++ {
			var sum float64
			cnt := 0
			for i := bi * b; i < min((bi+1)*b, n); i++ {
				for j := bj * b; j < min((bj+1)*b, n); j++ {
					sum += k.At(pos[i], pos[j])
					cnt++
				}
			}
			v := float32(sum / float64(cnt))
			img[bi*side+bj] = v
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return img, side, n, lo, hi
}
