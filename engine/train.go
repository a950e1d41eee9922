package engine

import (
	"fmt"
	"math/rand/v2"

	"github.com/predparams/predparams/engine/data"
)

// Trainer runs minibatch training of a classifier Net with softmax
// cross-entropy. Each epoch visits the training set in an order drawn
// from (Seed, epoch) alone, so the position (Epoch, Step, Updates) and the
// parameters and optimizer state fix the rest of a run: a run resumed from
// a checkpoint ends bit-identical to one that was never stopped.
type Trainer struct {
	Net   *Net
	Opt   *Optimizer
	Batch int
	Seed  uint64

	// Epoch is the current epoch (from 0), Step the next minibatch within
	// it, and Updates the number of optimizer steps taken so far.
	Epoch, Step int
	Updates     int64

	perm      []int32
	permEpoch int
	x         []float32
	y         []int32
}

// NewTrainer returns a Trainer at the start of epoch 0.
func NewTrainer(net *Net, opt *Optimizer, batch int, seed uint64) (*Trainer, error) {
	if batch <= 0 || batch > net.MaxBatch {
		return nil, fmt.Errorf("batch size %d, want 1 to %d", batch, net.MaxBatch)
	}
	return &Trainer{
		Net: net, Opt: opt, Batch: batch, Seed: seed,
		permEpoch: -1,
		x:         make([]float32, batch*net.In.Size()),
		y:         make([]int32, batch),
	}, nil
}

// SetBatch changes the minibatch size to n (at most Net.MaxBatch) from
// the current position on. The epoch goes on where it is, so the
// examples it has visited must fill whole minibatches of n
// (Step·Batch a multiple of n, as at an epoch's start); otherwise
// SetBatch returns an error and changes nothing. See CanSetBatch.
func (t *Trainer) SetBatch(n int) error {
	if n <= 0 || n > t.Net.MaxBatch {
		return fmt.Errorf("batch size %d, want 1 to %d", n, t.Net.MaxBatch)
	}
	if !t.CanSetBatch(n) {
		return fmt.Errorf("batch size %d: the %d examples of epoch %d seen so far are not whole batches of %d", n, t.Step*t.Batch, t.Epoch, n)
	}
	t.Step = t.Step * t.Batch / n
	t.Batch = n
	if len(t.y) < n {
		t.x = make([]float32, n*t.Net.In.Size())
		t.y = make([]int32, n)
	}
	return nil
}

// CanSetBatch reports whether SetBatch(n) can change the batch size at
// the current position: the examples of the epoch seen so far fill
// whole minibatches of n.
func (t *Trainer) CanSetBatch(n int) bool { return n > 0 && t.Step*t.Batch%n == 0 }

// StepsPerEpoch returns the number of minibatches in one pass over n
// examples (the last may be short).
func (t *Trainer) StepsPerEpoch(n int) int { return (n + t.Batch - 1) / t.Batch }

// CheckData reports whether ds fits the net: same example size, and as
// many classes as the net has outputs.
func CheckData(net *Net, ds *data.Dataset) error {
	if err := ds.Validate(); err != nil {
		return err
	}
	if ds.Dim() != net.In.Size() {
		return fmt.Errorf("dataset %s has %d×%d×%d examples, the model expects %v", ds.Name, ds.H, ds.W, ds.C, net.In)
	}
	if ds.Classes != net.Out().Size() {
		return fmt.Errorf("dataset %s has %d classes, the model has %d outputs", ds.Name, ds.Classes, net.Out().Size())
	}
	return nil
}

// StepResult is what one training step measured on its minibatch, from
// the forward pass before the update (as llm.c's model->mean_loss), so
// that no caller has to compute it again.
type StepResult struct {
	// Loss is the minibatch's mean cross-entropy.
	Loss float32
	// Correct counts the examples whose largest logit is their label, of
	// the minibatch's Examples.
	Correct, Examples int
}

// TrainStep takes one minibatch of ds in the epoch's order, updates the
// parameters, advances the position and returns what it measured on the
// minibatch. ds must be the same dataset at every step of a run and must
// have passed CheckData.
func (t *Trainer) TrainStep(ds *data.Dataset) StepResult {
	n := Gather(t.x, t.y, ds, t.NextBatch(ds))
	res := StepResult{Loss: t.Gradient(t.x, t.y, n), Correct: Correct(t.Net, t.y, n), Examples: n}
	t.Update(ds.N)
	return res
}

// NextBatch returns the indices into ds of the minibatch at the current
// position, in the epoch's order (the last of an epoch may be short).
// It does not advance: Update does. The slice is the trainer's own,
// valid until the next call.
func (t *Trainer) NextBatch(ds *data.Dataset) []int32 {
	if t.permEpoch != t.Epoch {
		t.perm = Shuffle(t.perm, ds.N, t.Seed, t.Epoch)
		t.permEpoch = t.Epoch
	}
	start := t.Step * t.Batch
	return t.perm[start : start+min(t.Batch, ds.N-start)]
}

// Update steps the optimizer from the gradient in Net.Grad and advances
// the position by one minibatch of a training set of n examples.
func (t *Trainer) Update(n int) {
	t.Opt.Step(t.Net.Params, t.Updates)
	t.Updates++
	t.Step++
	if t.Step*t.Batch >= n {
		t.Epoch++
		t.Step = 0
	}
}

// Gather copies the examples idx of ds into x and their labels into y,
// which must hold len(idx) of each, and returns len(idx).
func Gather(x []float32, y []int32, ds *data.Dataset, idx []int32) int {
	dim := ds.Dim()
	for i, j := range idx {
		copy(x[i*dim:(i+1)*dim], ds.X[int(j)*dim:int(j+1)*dim])
		y[i] = ds.Y[j]
	}
	return len(idx)
}

// Correct counts the first n examples of net's last Forward whose
// largest logit is their label in y.
func Correct(net *Net, y []int32, n int) int {
	k := net.Out().Size()
	logits := net.Activation(len(net.Layers)-1, n)
	c := 0
	for i, l := range y[:n] {
		if Argmax(logits[i*k:(i+1)*k]) == int(l) {
			c++
		}
	}
	return c
}

// Gradient runs forward and backward on n examples x with labels y and
// leaves the gradient of the mean cross-entropy in Net.Grad. It returns
// the loss.
func (t *Trainer) Gradient(x []float32, y []int32, n int) float32 {
	net := t.Net
	logits := net.Forward(x, n)
	loss := SoftmaxCrossEntropy(net.OutputGrad(n), logits, y, n, net.Out().Size())
	net.Backward(x, n, false)
	return loss
}

// Shuffle returns a permutation of [0, n) fixed by (seed, epoch), reusing
// buf's storage when it is large enough.
func Shuffle(buf []int32, n int, seed uint64, epoch int) []int32 {
	if cap(buf) < n {
		buf = make([]int32, n)
	}
	buf = buf[:n]
	for i := range buf {
		buf[i] = int32(i)
	}
	r := rand.New(rand.NewPCG(seed^streamShuffle, uint64(epoch)))
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		buf[i], buf[j] = buf[j], buf[i]
	}
	return buf
}

// Evaluate returns the error rate and mean cross-entropy of net on ds,
// evaluated in batches of net.MaxBatch. If conf is not nil it must hold
// Classes² counts, and conf[true·Classes+predicted] is incremented for
// every example.
func Evaluate(net *Net, ds *data.Dataset, conf []int) (errRate, loss float64) {
	dim, k := ds.Dim(), ds.Classes
	wrong := 0
	for start := 0; start < ds.N; start += net.MaxBatch {
		n := min(net.MaxBatch, ds.N-start)
		logits := net.Forward(ds.X[start*dim:(start+n)*dim], n)
		loss += float64(SoftmaxCrossEntropy(nil, logits, ds.Y[start:start+n], n, k)) * float64(n)
		for i := 0; i < n; i++ {
			p := Argmax(logits[i*k : (i+1)*k])
			y := int(ds.Y[start+i])
			if p != y {
				wrong++
			}
			if conf != nil {
				conf[y*k+p]++
			}
		}
	}
	if ds.N == 0 {
		return 0, 0
	}
	return float64(wrong) / float64(ds.N), loss / float64(ds.N)
}
