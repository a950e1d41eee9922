package session

import (
	"fmt"
	"hash/crc32"
	"math"
	"time"
	"unsafe"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/models"
)

// Data-parallel training on the page: N training workers, each with its
// own wasm instance and the same Session (same settings and seed, hence
// the same initial weights and the same dictionaries U, which are built
// in each worker and never sent). At every step each worker computes the
// gradient of its shard of the minibatch (Shard); the page hands every
// worker the other workers' shards, and each sums all N in the same
// order and takes the same optimizer step (ApplyShards), so the workers'
// weights stay bit-identical and the run depends on the seed and N only,
// never on timing. Only the learned parameters travel: Net.Grad holds V,
// the biases and the dense layers, not a fixed U.

// Shard is one worker's part of a data-parallel step.
type Shard struct {
	// Grad is the gradient of the mean loss over the shard's examples,
	// scaled by their share of the minibatch, so that the shards' sum is
	// the minibatch's gradient. It has len(Net.Grad) values.
	Grad []float32
	// Loss is the shard's mean loss, Correct how many of its Examples the
	// model classified right (before the step).
	Loss              float32
	Correct, Examples int
}

// parallel is a session's data-parallel state.
type parallel struct {
	k, n    int // this worker's index, of n
	x       []float32
	y       []int32
	own     Shard     // this worker's shard of the pending step
	pending bool      // own is computed, not yet applied
	last    time.Time // end of the last step (zero after a pause)
	// For Update: the counts at the last report.
	repSteps, repExamples int64
	repTime               time.Time
	err                   error
}

// StartParallel makes the session worker k of n for data-parallel
// training, from the run's current position.
func (s *Session) StartParallel(k, n int) error {
	if n < 1 || k < 0 || k >= n {
		return fmt.Errorf("worker %d of %d", k, n)
	}
	t := s.Run.Trainer
	if n > t.Batch {
		return fmt.Errorf("%d workers for batches of %d: want at most one worker per example", n, t.Batch)
	}
	dim := t.Net.In.Size()
	s.par = &parallel{k: k, n: n, x: make([]float32, t.Batch*dim), y: make([]int32, t.Batch)}
	return nil
}

// Parallel reports this worker's index and the number of workers (0, 0
// when the session trains alone).
func (s *Session) Parallel() (k, n int) {
	if s.par == nil {
		return 0, 0
	}
	return s.par.k, s.par.n
}

// shardRange returns the examples [lo, hi) of shard k of n in a
// minibatch of m examples.
func shardRange(k, n, m int) (lo, hi int) { return k * m / n, (k + 1) * m / n }

// ShardGradient computes this worker's shard of the next minibatch (in
// the trainer's order) and returns it; it stays pending until
// ApplyShards. Calling it again before ApplyShards returns the same
// shard.
func (s *Session) ShardGradient() (Shard, error) {
	p := s.par
	if p == nil {
		return Shard{}, fmt.Errorf("not a data-parallel session")
	}
	if p.err != nil {
		return Shard{}, p.err
	}
	if p.pending {
		return p.own, nil
	}
	s.switchBatch()
	t, ds := s.Run.Trainer, s.Run.Train
	batch := t.NextBatch(ds)
	m := len(batch)
	lo, hi := shardRange(p.k, p.n, m)
	nk := engine.Gather(p.x, p.y, ds, batch[lo:hi])
	net := t.Net
	if cap(p.own.Grad) < len(net.Grad) {
		p.own.Grad = make([]float32, len(net.Grad))
	}
	g := p.own.Grad[:len(net.Grad)]
	p.own = Shard{Grad: g, Examples: nk}
	if nk == 0 {
		clear(g)
	} else {
		p.own.Loss = t.Gradient(p.x, p.y, nk)
		p.own.Correct = engine.Correct(net, p.y, nk)
		scale := float32(nk) / float32(m)
		for i, v := range net.Grad {
			g[i] = v * scale
		}
	}
	p.pending = true
	return p.own, nil
}

// ApplyShards takes the step of the pending minibatch from every
// worker's shard, shards[i] being worker i's (this worker's own entry
// may have a nil Grad: the pending shard is used). It sums the gradients
// in worker order, steps the optimizer and advances the position, as
// Trainer.TrainStep does for one instance.
func (s *Session) ApplyShards(shards []Shard) error {
	p := s.par
	if p == nil || !p.pending {
		return fmt.Errorf("no pending shard to apply")
	}
	if len(shards) != p.n {
		return fmt.Errorf("%d shards for %d workers", len(shards), p.n)
	}
	t := s.Run.Trainer
	net := t.Net
	shards[p.k] = p.own
	clear(net.Grad)
	var loss float64
	correct, examples := 0, 0
	for i, sh := range shards {
		if len(sh.Grad) != len(net.Grad) {
			return fmt.Errorf("shard %d has %d gradients, the model %d parameters", i, len(sh.Grad), len(net.Grad))
		}
		for j, v := range sh.Grad {
			net.Grad[j] += v
		}
		loss += float64(sh.Loss) * float64(sh.Examples)
		correct += sh.Correct
		examples += sh.Examples
	}
	p.pending = false
	if examples == 0 {
		return fmt.Errorf("a step of no examples")
	}
	loss /= float64(examples)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		p.err = &models.DivergedError{Step: t.Updates, Loss: loss}
		return nil
	}
	t.Update(s.Run.Train.N)
	s.steps++
	s.win.add(loss, float64(correct)/float64(examples))
	now := time.Now()
	if !p.last.IsZero() {
		s.active += now.Sub(p.last)
	}
	p.last = now
	return nil
}

// PauseParallel marks a pause: the time until the next step is not
// training time.
func (s *Session) PauseParallel() {
	if s.par != nil {
		s.par.last = time.Time{}
		s.par.repTime = time.Time{}
	}
}

// ParallelUpdate reports where a data-parallel run is, as Advance does
// for one instance: the throughput is over the wall time since the last
// report (the exchanges included), and a snapshot is due every
// SnapshotGap of training time.
func (s *Session) ParallelUpdate() Update {
	p := s.par
	var u Update
	now := time.Now()
	u.Examples, u.Steps, u.Seconds = s.examples(), s.steps, s.active.Seconds()
	u.Epoch = s.Run.Trainer.Epoch
	u.TrainLoss, u.TrainAccuracy = s.win.mean()
	if p != nil {
		if n := s.steps - p.repSteps; n > 0 && !p.repTime.IsZero() {
			dt := now.Sub(p.repTime)
			u.ExamplesPerS = float64(u.Examples-p.repExamples) / dt.Seconds()
			u.MsPerStep = dt.Seconds() * 1000 / float64(n)
		}
		p.repSteps, p.repExamples, p.repTime = s.steps, u.Examples, now
		u.Err = p.err
	}
	s.finish(&u)
	return u
}

// ExchangeBytes returns the bytes one data-parallel step moves between n
// workers and the page: each worker sends its shard's gradient and
// receives the n−1 others, len(Net.Grad) float32 values each (none for
// one worker).
func (s *Session) ExchangeBytes(n int) int64 {
	return ExchangeBytes(len(s.Run.Model.Net.Grad), n)
}

// ExchangeBytes returns the bytes of one data-parallel step of n workers
// for a model of params learned values: n gradients to the page, n−1 to
// each worker.
func ExchangeBytes(params, n int) int64 {
	if n <= 1 {
		return 0 // one worker steps alone
	}
	return int64(params) * 4 * int64(n) * int64(n)
}

// WeightsSum returns the CRC-32 (IEEE) of the model's parameter buffer:
// data-parallel workers in step have the same.
func (s *Session) WeightsSum() uint32 {
	d := s.Run.Model.Net.Data
	if len(d) == 0 {
		return 0
	}
	return crc32.ChecksumIEEE(unsafe.Slice((*byte)(unsafe.Pointer(&d[0])), 4*len(d)))
}
