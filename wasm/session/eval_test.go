package session

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/models"
)

// TestAdvanceSnapshots trains on separable data: Advance hands out a
// snapshot every SnapshotGap of training time, and an Evaluator built
// from the session's export evaluates it to a high accuracy, with a
// confusion matrix that counts every test digit once.
func TestAdvanceSnapshots(t *testing.T) {
	for _, dict := range []string{"se", "dense"} {
		p := DefaultParams()
		p.Hidden, p.Batch, p.Dicts = 32, 50, []string{dict}
		s := newTestSession(t, p)
		s.SnapshotGap = 50 * time.Millisecond
		ev, err := NewEvaluator(p, s.Run.Model.StaticSums(), s.Run.Train, s.Run.Test)
		if err != nil {
			t.Fatal(err)
		}
		var last *Snapshot
		snaps := 0
		for i := 0; i < 400 && (last == nil || last.Examples < 1200); i++ {
			u := s.Advance(20 * time.Millisecond)
			if u.Snapshot == nil {
				continue
			}
			if last != nil && u.Snapshot.Seconds-last.Seconds < s.SnapshotGap.Seconds() {
				t.Fatalf("%s: snapshots %.3f s apart, the gap is %v", dict, u.Snapshot.Seconds-last.Seconds, s.SnapshotGap)
			}
			if u.Snapshot.Examples != u.Examples || u.Snapshot.Seconds != u.Seconds {
				t.Fatalf("%s: snapshot at %d examples, %.3f s; the update's %d, %.3f s", dict, u.Snapshot.Examples, u.Snapshot.Seconds, u.Examples, u.Seconds)
			}
			last = u.Snapshot
			snaps++
		}
		if last == nil {
			t.Fatalf("%s: no snapshot", dict)
		}
		e, err := ev.Evaluate(*last)
		if err != nil {
			t.Fatal(err)
		}
		if e.Accuracy < 0.9 || e.Examples != last.Examples {
			t.Errorf("%s: test accuracy %.3f after %d examples (snapshot of %d) on separable data", dict, e.Accuracy, e.Examples, last.Examples)
		}
		n := 0
		for _, c := range e.Confusion {
			n += c
		}
		if n != 300 {
			t.Errorf("%s: confusion counts %d digits, want 300", dict, n)
		}
		t.Logf("%s: %d snapshots, last after %d examples: accuracy %.3f", dict, snaps, last.Examples, e.Accuracy)
	}
}

// TestEvaluator checks that an Evaluator in another instance, built from
// the settings and the first EvalTrainExamples training digits, gives
// exactly the session's own test error and loss for each of the page's
// dictionaries; that it refuses dictionaries other than the session's
// (an Emp built from other digits) and weights of another model.
func TestEvaluator(t *testing.T) {
	train := synthetic(EvalTrainExamples+500, 1)
	first := train.Subset(0, EvalTrainExamples)
	for _, tc := range []struct {
		model string
		dicts []string
	}{{"mlp", []string{"se"}}, {"mlp", []string{"emp"}}, {"mlp", []string{"se", "emp"}}, {"mlp", []string{"randfixu", "lowrank"}},
		{"mlp", []string{"dense"}}, {"conv", []string{"se", "se", "dense"}}} {
		p := DefaultParams()
		p.Model, p.Hidden, p.Dicts, p.Depth = tc.model, 32, tc.dicts, len(tc.dicts)
		if tc.model == "conv" {
			p.Depth = 0
		}
		s, err := New(p, train, synthetic(300, 2), models.Env{Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := NewEvaluator(p, s.Run.Model.StaticSums(), first, s.Run.Test)
		if err != nil {
			t.Fatalf("%s %v: %v", tc.model, tc.dicts, err)
		}
		s.Advance(100 * time.Millisecond)
		e, err := ev.Evaluate(s.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		wantErr, wantLoss := engine.Evaluate(s.Run.Model.Net, s.Run.Test, nil)
		if e.Accuracy != 1-wantErr || e.Loss != wantLoss {
			t.Errorf("%s %v: evaluator: accuracy %v, loss %v; the session's %v, %v", tc.model, tc.dicts, e.Accuracy, e.Loss, 1-wantErr, wantLoss)
		}
		if _, err := ev.Evaluate(Snapshot{Weights: make([]float32, 3)}); err == nil {
			t.Errorf("%v: 3 weights evaluated", tc.dicts)
		}
		if slices.Contains(tc.dicts, "emp") {
			if _, err := NewEvaluator(p, s.Run.Model.StaticSums(), synthetic(EvalTrainExamples, 7), s.Run.Test); err == nil || !strings.Contains(err.Error(), "differ") {
				t.Errorf("%v: an Emp from other digits: %v", tc.dicts, err)
			}
		}
	}
}

// TestWeights checks that SetWeights of another session's Weights gives
// the same model: same predictions on the test set.
func TestWeights(t *testing.T) {
	p := DefaultParams()
	p.Hidden = 16
	a, b := newTestSession(t, p), newTestSession(t, p)
	a.Advance(50 * time.Millisecond)
	if err := b.SetWeights(a.Weights()); err != nil {
		t.Fatal(err)
	}
	ea, la := engine.Evaluate(a.Run.Model.Net, a.Run.Test, nil)
	eb, lb := engine.Evaluate(b.Run.Model.Net, b.Run.Test, nil)
	if ea != eb || la != lb {
		t.Errorf("after SetWeights: error %v, loss %v; the source's %v, %v", eb, lb, ea, la)
	}
	if b.SetWeights(make([]float32, 5)) == nil {
		t.Error("SetWeights took 5 weights")
	}
}

func TestCell(t *testing.T) {
	p := DefaultParams()
	p.Hidden = 16
	s := newTestSession(t, p)
	ev, err := NewEvaluator(p, s.Run.Model.StaticSums(), s.Run.Train, s.Run.Test)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ev.Cell(3, 3, 5); err == nil {
		t.Error("a cell before any evaluation")
	}
	s.Advance(50 * time.Millisecond)
	e, err := ev.Evaluate(s.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for c := 0; c < 10; c++ {
		idx, pix, total, err := ev.Cell(3, c, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(idx) != min(5, total) || len(pix) != len(idx)*784 {
			t.Errorf("cell (3, %d): %d indices, %d pixels, total %d", c, len(idx), len(pix), total)
		}
		if total != e.Confusion[3*10+c] {
			t.Errorf("cell (3, %d) holds %d digits, the confusion matrix counts %d", c, total, e.Confusion[3*10+c])
		}
		for _, i := range idx {
			if s.Run.Test.Y[i] != 3 {
				t.Errorf("cell (3, %d) holds test digit %d of class %d", c, i, s.Run.Test.Y[i])
			}
		}
		sum += total
	}
	if sum != 30 {
		t.Errorf("row 3 of the confusion counts %d digits, the test set has 30 threes", sum)
	}
	if _, _, _, err := ev.Cell(10, 0, 1); err == nil {
		t.Error("cell (10, 0) gave no error")
	}
}
