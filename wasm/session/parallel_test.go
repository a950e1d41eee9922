package session

import (
	"slices"
	"testing"
	"time"

	"github.com/predparams/predparams/engine"
)

// parallelRun trains p for steps data-parallel steps over n in-process
// workers, exchanging the shards as the page does, and returns the
// workers' sessions.
func parallelRun(t *testing.T, p Params, n, steps int) []*Session {
	t.Helper()
	ws := make([]*Session, n)
	for k := range ws {
		ws[k] = newTestSession(t, p)
		if err := ws[k].StartParallel(k, n); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < steps; i++ {
		parallelStep(t, ws)
	}
	return ws
}

// parallelStep takes one data-parallel step of the workers ws,
// exchanging the shards as the page does.
func parallelStep(t *testing.T, ws []*Session) {
	t.Helper()
	shards := make([]Shard, len(ws))
	for k, w := range ws {
		sh, err := w.ShardGradient()
		if err != nil {
			t.Fatal(err)
		}
		// What crosses to the other workers is a copy.
		shards[k] = Shard{Grad: slices.Clone(sh.Grad), Loss: sh.Loss, Correct: sh.Correct, Examples: sh.Examples}
	}
	for k, w := range ws {
		mine := slices.Clone(shards)
		mine[k].Grad = nil
		if err := w.ApplyShards(mine); err != nil {
			t.Fatal(err)
		}
	}
}

// TestParallel checks data-parallel training: one worker takes exactly
// the steps Trainer.TrainStep takes; two and three workers keep
// bit-identical weights, the same seed and N give the same run, and it
// learns as well as one worker; the bytes exchanged count N² gradients.
func TestParallel(t *testing.T) {
	p := DefaultParams()
	p.Hidden, p.Batch = 32, 50
	const steps = 40 // 2,000 examples: more than an epoch of 600
	alone := newTestSession(t, p)
	for i := 0; i < steps; i++ {
		alone.step()
	}
	one := parallelRun(t, p, 1, steps)[0]
	if !slices.Equal(one.Weights(), alone.Weights()) {
		t.Error("one data-parallel worker differs from Trainer.TrainStep")
	}
	if one.examples() != alone.examples() || one.Run.Trainer.Epoch != alone.Run.Trainer.Epoch {
		t.Errorf("one worker at %d examples, epoch %d; alone at %d, epoch %d", one.examples(), one.Run.Trainer.Epoch, alone.examples(), alone.Run.Trainer.Epoch)
	}
	wantErr, _ := engine.Evaluate(alone.Run.Model.Net, alone.Run.Test, nil)
	for _, n := range []int{2, 3} {
		ws := parallelRun(t, p, n, steps)
		for k := 1; k < n; k++ {
			if !slices.Equal(ws[k].Weights(), ws[0].Weights()) || ws[k].WeightsSum() != ws[0].WeightsSum() {
				t.Errorf("N=%d: worker %d's weights differ from worker 0's", n, k)
			}
		}
		again := parallelRun(t, p, n, steps)
		if !slices.Equal(again[0].Weights(), ws[0].Weights()) {
			t.Errorf("N=%d: a second run with the same seed differs", n)
		}
		if slices.Equal(ws[0].Weights(), alone.Weights()) || ws[0].WeightsSum() == alone.WeightsSum() {
			t.Errorf("N=%d: bit-identical to one worker (the shards' sum rounds differently)", n)
		}
		gotErr, _ := engine.Evaluate(ws[0].Run.Model.Net, ws[0].Run.Test, nil)
		if gotErr > wantErr+0.02 {
			t.Errorf("N=%d: test error %.3f, one worker %.3f", n, gotErr, wantErr)
		}
		loss, _ := ws[0].win.mean()
		aloneLoss, _ := alone.win.mean()
		t.Logf("N=%d: test error %.4f (alone %.4f), window loss %.4f (alone %.4f)", n, gotErr, wantErr, loss, aloneLoss)
		if got, want := ws[0].ExchangeBytes(n), int64(len(ws[0].Run.Model.Net.Grad)*4*n*n); got != want {
			t.Errorf("N=%d: %d bytes a step, want %d", n, got, want)
		}
	}
	if ExchangeBytes(1000, 1) != 0 {
		t.Error("one worker exchanges bytes")
	}
	s := newTestSession(t, p)
	if s.StartParallel(2, 2) == nil || s.StartParallel(0, 51) == nil {
		t.Error("StartParallel accepted worker 2 of 2, or more workers than examples in a batch")
	}
	if err := s.StartParallel(0, 2); err != nil {
		t.Fatal(err)
	}
	if s.ApplyShards(make([]Shard, 2)) == nil {
		t.Error("ApplyShards with no pending shard")
	}
	s.ShardGradient()
	if s.ApplyShards([]Shard{{}, {Grad: make([]float32, 3)}}) == nil {
		t.Error("ApplyShards took a shard of 3 gradients")
	}
}

// TestParallelUpdate checks the reports of a data-parallel run: examples,
// training time between steps only, and snapshots on schedule.
func TestParallelUpdate(t *testing.T) {
	p := DefaultParams()
	p.Hidden, p.Batch = 16, 50
	ws := parallelRun(t, p, 2, 3)
	w := ws[0]
	w.SnapshotGap = time.Nanosecond
	u := w.ParallelUpdate()
	if u.Examples != 150 || u.Steps != 3 || u.Snapshot == nil || u.Diverged {
		t.Errorf("update %+v", u)
	}
	w.PauseParallel()
	time.Sleep(20 * time.Millisecond)
	before := w.active
	if k, n := w.Parallel(); k != 0 || n != 2 {
		t.Errorf("Parallel() = %d, %d", k, n)
	}
	sh, _ := ws[1].ShardGradient()
	w.ShardGradient()
	if err := w.ApplyShards([]Shard{{}, sh}); err != nil {
		t.Fatal(err)
	}
	if w.active != before {
		t.Errorf("the pause counted as training time: %v → %v", before, w.active)
	}
}
