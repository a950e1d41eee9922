package models

import (
	"slices"
	"testing"
)

// TestAlternate checks alternating training (PredictConfig.Alternate):
// U starts as the dictionary built and counts as learned; in turn 0 only
// V moves, in turn 1 only U, in turn 2 only V again; the biases move
// throughout.
func TestAlternate(t *testing.T) {
	ds := synthImages(60, 6, 6, 1, 3, 1)
	cfg := mlpConfig(6, "tanh", &PredictConfig{Dict: "se", NAlpha: 4, Columns: 2, Alternate: 1}, nil)
	cfg.Train.Epochs, cfg.Train.Batch = 3, 20
	r, err := NewRun(cfg, ds, ds, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	p := predictedOf(r.Model.Net.Layers[0])
	d := r.Model.Dictionary(0)
	if p.UP == nil || !slices.Equal(p.UP.Data, d.u) {
		t.Fatal("U does not start as the dictionary built")
	}
	if info := r.Model.Layers[0]; info.Static != 0 || info.Learned != p.F.USize()+p.F.NAlpha*p.F.Units {
		t.Fatalf("accounting: %d static, %d learned", info.Static, info.Learned)
	}
	snap := func() (u, v, b []float32) {
		return slices.Clone(p.UP.Data), slices.Clone(p.V.Data), slices.Clone(p.B.Data)
	}
	u, v, b := snap()
	for epoch, trainU := range []bool{false, true, false} {
		for !r.Step().EpochEnd {
		}
		r.FinishEpoch()
		u2, v2, b2 := snap()
		if slices.Equal(u, u2) == trainU || slices.Equal(v, v2) != trainU || slices.Equal(b, b2) {
			t.Fatalf("epoch %d (U's turn: %v): U moved %v, V moved %v, b moved %v",
				epoch, trainU, !slices.Equal(u, u2), !slices.Equal(v, v2), !slices.Equal(b, b2))
		}
		u, v, b = u2, v2, b2
	}
	bad := mlpConfig(6, "tanh", &PredictConfig{Dict: "lowrank", NAlpha: 4, Alternate: 1}, nil)
	if err := bad.Validate(); err == nil {
		t.Error("alternate with lowrank was accepted")
	}
}
