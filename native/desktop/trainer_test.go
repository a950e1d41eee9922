package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/models"
)

// blobs returns a small separable data set: n examples of 4×4 images,
// the class sets one quadrant bright.
func blobs(n int, seed uint64) *data.Dataset {
	r := rand.New(rand.NewPCG(seed, 1))
	ds := &data.Dataset{Name: "blobs", N: n, H: 4, W: 4, C: 1, Classes: 4,
		X: make([]float32, n*16), Y: make([]int32, n)}
	for i := range n {
		c := r.IntN(4)
		ds.Y[i] = int32(c)
		for p := range 16 {
			v := 0.2 * r.Float32()
			if (p/4)/2 == c/2 && (p%4)/2 == c%2 {
				v += 0.8
			}
			ds.X[i*16+p] = v
		}
	}
	return ds
}

func blobConfig() *models.Config {
	return &models.Config{
		Name: "blobs",
		Layers: []models.LayerConfig{
			{Type: "dense", Units: 8, Act: "relu"},
			{Type: "dense", Units: 4},
		},
		Train: models.TrainConfig{Epochs: 1000, Batch: 10, Seed: 2,
			Optimizer: engine.OptimConfig{Kind: "adam", LR: 0.01}},
	}
}

// waitSnapshot takes snapshots until ok accepts one, or fails after 10 s.
func waitSnapshot(t *testing.T, tr *trainer, front *snapshot, ok func(*snapshot) bool) *snapshot {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s, fresh := tr.box.take(front); fresh {
			front = s
			if ok(s) {
				return s
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no snapshot as wanted in 10 s; last: state %v, epoch %d, gen %d, msg %q", front.state, front.epoch, front.gen, front.msg)
	return nil
}

func TestTrainer(t *testing.T) {
	train, test := blobs(200, 1), blobs(50, 2)
	env := models.Env{Gemm: gemm.Best(1), Threads: 1}
	r, err := models.NewRun(blobConfig(), train, test, env)
	if err != nil {
		t.Fatal(err)
	}
	tr := startTrainer(r, train, test, env)
	front := &snapshot{}

	// It trains, and every snapshot owns consistent copies.
	s := waitSnapshot(t, tr, front, func(s *snapshot) bool { return len(s.history) >= 2 && len(s.loss) > 0 })
	if s.state != stateTraining || s.rows != 16 || s.units != 8 || len(s.w) != 16*8 || s.layer != 0 || s.dict != nil {
		t.Fatalf("snapshot: state %v, layer %d, %d×%d weights (%d), dict %v", s.state, s.layer, s.rows, s.units, len(s.w), s.dict)
	}
	if s.wshape.H != 4 || s.wshape.W != 4 || s.wshape.C != 1 {
		t.Fatalf("weight shape %v, want 4×4×1", s.wshape)
	}
	w0 := slices.Clone(s.w)
	front = s

	// The weights move as it trains.
	epoch := s.epoch
	s = waitSnapshot(t, tr, front, func(s *snapshot) bool { return s.epoch >= epoch+2 })
	if slices.Equal(s.w, w0) {
		t.Fatal("the snapshot's weights did not change over two epochs")
	}
	front = s

	// The view selects the layer and unit copied.
	tr.setView(view{layer: 1, unit: 3})
	s = waitSnapshot(t, tr, front, func(s *snapshot) bool { return s.layer == 1 })
	if s.unit != 3 || s.rows != 8 || s.units != 4 {
		t.Fatalf("layer 1: unit %d, %d×%d weights", s.unit, s.rows, s.units)
	}
	front = s

	// Pausing stops training.
	tr.send(command{kind: cmdPause})
	s = waitSnapshot(t, tr, front, func(s *snapshot) bool { return s.state == statePaused })
	front = s
	time.Sleep(100 * time.Millisecond)
	tr.setView(view{layer: 1, unit: 0}) // a paused trainer still publishes views
	s2 := waitSnapshot(t, tr, front, func(s *snapshot) bool { return s.unit == 0 })
	if s2.progress != s.progress {
		t.Fatalf("paused, yet progress moved from %v to %v", s.progress, s2.progress)
	}
	front = s2
	tr.send(command{kind: cmdPause})

	// A rebuild starts a new run; a bad one leaves the old run going.
	bad := blobConfig()
	bad.Layers[1].Units = 7 // the data have 4 classes
	tr.send(command{kind: cmdRebuild, cfg: bad, id: 1})
	s = waitSnapshot(t, tr, front, func(s *snapshot) bool { return s.rebuilt == 1 && s.state == stateTraining })
	if s.gen != 0 || s.msg == "" {
		t.Fatalf("after a bad rebuild: gen %d, msg %q", s.gen, s.msg)
	}
	front = s
	good := blobConfig()
	good.Layers[0].Units = 12
	tr.send(command{kind: cmdRebuild, cfg: good, id: 2})
	s = waitSnapshot(t, tr, front, func(s *snapshot) bool { return s.rebuilt == 2 && s.state == stateTraining })
	if s.gen != 1 || s.msg != "" || s.cfg.Layers[0].Units != 12 {
		t.Fatalf("after a rebuild: gen %d, msg %q, units %d", s.gen, s.msg, s.cfg.Layers[0].Units)
	}

	// Quitting writes a checkpoint that models can load.
	path := filepath.Join(t.TempDir(), "out", "checkpoint.ckpt")
	rep := tr.quit(path)
	if rep.err != nil || rep.examples <= 0 || rep.seconds <= 0 || rep.rate() <= 0 {
		t.Fatalf("report %+v", rep)
	}
	if _, err := models.LoadRun(path, train, test, env); err != nil {
		t.Fatalf("the checkpoint does not load: %v", err)
	}
}

func TestMailboxNeverHandsOutOneSnapshotTwice(t *testing.T) {
	var b mailbox
	b.mid = &snapshot{}
	back, front := &snapshot{}, &snapshot{}
	if _, ok := b.take(front); ok {
		t.Fatal("an empty box handed out a snapshot")
	}
	for i := 1; i <= 3; i++ {
		back.seq = uint64(i)
		back = b.put(back)
	}
	s, ok := b.take(front)
	if !ok || s.seq != 3 {
		t.Fatalf("take: %v, seq %d, want the newest, 3", ok, s.seq)
	}
	if s == back || s == front || back == front {
		t.Fatal("the trainer and the renderer share a snapshot")
	}
	if _, ok := b.take(s); ok {
		t.Fatal("the same snapshot was handed out twice")
	}
}

func TestMergePairs(t *testing.T) {
	p := []lossPoint{{1, 2}, {2, 4}, {3, 6}, {4, 8}, {5, 10}}
	got := mergePairs(p)
	want := []lossPoint{{2, 3}, {4, 7}, {5, 10}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// distance is a kernel over positions on a line: k(i, j) = 1/(1+|i−j|).
type distance int

func (d distance) Len() int { return int(d) }
func (d distance) At(i, j int) float64 {
	return 1 / (1 + float64(max(i-j, j-i)))
}

func TestKernelImage(t *testing.T) {
	cases := []struct {
		name      string
		n         int
		pos       []int
		maxSide   int
		side, cnt int
		first     float32 // img[0]
	}{
		{"all positions", 4, nil, 10, 4, 4, 1},
		{"averaged 2×2", 4, nil, 2, 2, 4, (1 + 0.5 + 0.5 + 1) / 4},
		{"ragged blocks", 5, nil, 2, 2, 5, (1 + 0.5 + 1.0/3 + 0.5 + 1 + 0.5 + 1.0/3 + 0.5 + 1) / 9},
		{"alpha", 10, []int{2, 7}, 10, 2, 2, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, side, cnt, lo, hi := kernelImage(nil, distance(c.n), c.pos, c.maxSide)
			if side != c.side || cnt != c.cnt || len(img) != side*side {
				t.Fatalf("side %d, count %d, %d values; want %d, %d", side, cnt, len(img), c.side, c.cnt)
			}
			if d := img[0] - c.first; d > 1e-6 || d < -1e-6 {
				t.Fatalf("img[0] = %v, want %v", img[0], c.first)
			}
			if hi > 1 || lo <= 0 || lo > hi {
				t.Fatalf("range [%v, %v]", lo, hi)
			}
		})
	}
}

// TestTrainerDiverges checks that a run whose loss stops being finite
// stops, shows why, and writes no checkpoint on quit.
func TestTrainerDiverges(t *testing.T) {
	train, test := blobs(200, 1), blobs(50, 2)
	env := models.Env{Gemm: gemm.Best(1), Threads: 1}
	cfg := blobConfig()
	cfg.Layers[0].Act = "" // linear: nothing saturates or dies
	cfg.Train.Optimizer = engine.OptimConfig{Kind: "sgd", LR: 1e9}
	r, err := models.NewRun(cfg, train, test, env)
	if err != nil {
		t.Fatal(err)
	}
	tr := startTrainer(r, train, test, env)
	s := waitSnapshot(t, tr, &snapshot{}, func(s *snapshot) bool { return s.state == stateFinished })
	if !strings.HasPrefix(s.msg, "training diverged at step ") {
		t.Errorf("message %q", s.msg)
	}
	path := filepath.Join(t.TempDir(), "checkpoint.ckpt")
	rep := tr.quit(path)
	if rep.err != nil || rep.diverged == nil {
		t.Errorf("report %+v", rep)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a diverged run wrote a checkpoint")
	}
}
