package session

import (
	"fmt"
	"slices"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/models"
)

// Snapshot is a session's weights at one point of training: a copy of
// the Net's parameter buffer (models.Model.Net.Data: every learned
// parameter, V, biases, dense layers and a learned U; a fixed dictionary
// is not in it), with where training was. The page's evaluation worker
// evaluates it with an Evaluator while training goes on.
type Snapshot struct {
	Weights []float32
	// Examples seen and active seconds when it was taken.
	Examples int64
	Seconds  float64
}

// Snapshot returns a copy of the session's weights now.
func (s *Session) Snapshot() Snapshot {
	return Snapshot{Weights: s.Weights(), Examples: s.examples(), Seconds: s.active.Seconds()}
}

// Weights returns a copy of the model's parameter buffer (Net.Data).
func (s *Session) Weights() []float32 {
	return append([]float32(nil), s.Run.Model.Net.Data...)
}

// SetWeights replaces the model's parameter buffer with w, a copy of
// another instance's Net.Data for the same model (same settings).
func (s *Session) SetWeights(w []float32) error {
	return setWeights(s.Run.Model.Net, w)
}

func setWeights(net *engine.Net, w []float32) error {
	if len(w) != len(net.Data) {
		return fmt.Errorf("%d weights for a model of %d parameters", len(w), len(net.Data))
	}
	copy(net.Data, w)
	return nil
}

// Evaluation is one pass over the whole test set.
type Evaluation struct {
	// Accuracy and Loss over the test set.
	Accuracy, Loss float64
	// Examples and Seconds are the snapshot's: how many training
	// examples had been seen and how long the session had trained.
	Examples int64
	Seconds  float64
	// Confusion[true·classes+predicted] counts the test digits.
	Confusion []int
}

// Evaluator evaluates snapshots of one session's model on a test set, in
// another wasm instance than the session's (the page's evaluation
// worker). It builds the same model from the same settings: the
// dictionaries from the config and seed, and the data-driven ones from
// the first EvalTrainExamples training digits, as the session did; the
// session's Model.StaticSums check that they came out the same.
type Evaluator struct {
	Model *models.Model
	Test  *data.Dataset
	// Last is the last snapshot evaluated, nil before the first: the
	// weights Cell classifies with.
	Last *Evaluation
}

// EvalTrainExamples is how many of the first training digits an
// Evaluator needs: all that the page's data-driven dictionaries are
// computed from.
const EvalTrainExamples = max(DictExamples, AEExamples)

// NewEvaluator builds the model p describes for evaluation on test: train
// holds the first EvalTrainExamples (or more) of the session's training
// digits, and sums is the session's Model.StaticSums, which the rebuilt
// dictionaries must match.
func NewEvaluator(p Params, sums []string, train, test *data.Dataset) (*Evaluator, error) {
	cfg, err := p.Config()
	if err != nil {
		return nil, err
	}
	m, err := models.Build(cfg, engine.Shape{H: train.H, W: train.W, C: train.C}, train.Classes, train, models.Env{Threads: 1})
	if err != nil {
		return nil, err
	}
	if err := engine.CheckData(m.Net, test); err != nil {
		return nil, err
	}
	if got := m.StaticSums(); !slices.Equal(got, sums) {
		return nil, fmt.Errorf("the evaluation's dictionaries differ from the training's: %q, want %q", got, sums)
	}
	return &Evaluator{Model: m, Test: test}, nil
}

// Evaluate loads the snapshot's weights and evaluates them on the whole
// test set.
func (e *Evaluator) Evaluate(sn Snapshot) (*Evaluation, error) {
	if err := setWeights(e.Model.Net, sn.Weights); err != nil {
		return nil, err
	}
	k := e.Test.Classes
	conf := make([]int, k*k)
	errRate, loss := engine.Evaluate(e.Model.Net, e.Test, conf)
	ev := &Evaluation{Accuracy: 1 - errRate, Loss: loss, Examples: sn.Examples, Seconds: sn.Seconds, Confusion: conf}
	e.Last = ev
	return ev, nil
}

// Cell returns up to max test digits of true class t that the model, with
// the weights last evaluated, classifies as p (one cell of the confusion
// matrix the last Evaluation counted): their indices in the test set and
// their pixels, one image after another, and how many there are in all.
func (e *Evaluator) Cell(t, p, max int) (idx []int, pixels []float32, total int, err error) {
	test := e.Test
	if t < 0 || t >= test.Classes || p < 0 || p >= test.Classes || max < 0 {
		return nil, nil, 0, fmt.Errorf("no confusion cell (%d, %d)", t, p)
	}
	if e.Last == nil {
		return nil, nil, 0, fmt.Errorf("no evaluation yet")
	}
	net := e.Model.Net
	size, k := net.In.Size(), net.Out().Size()
	batch := net.MaxBatch
	for start := 0; start < test.N; start += batch {
		n := min(batch, test.N-start)
		logits := net.Forward(test.X[start*size:(start+n)*size], n)
		for i := 0; i < n; i++ {
			if int(test.Y[start+i]) != t || engine.Argmax(logits[i*k:(i+1)*k]) != p {
				continue
			}
			total++
			if len(idx) < max {
				idx = append(idx, start+i)
				pixels = append(pixels, test.X[(start+i)*size:(start+i+1)*size]...)
			}
		}
	}
	return idx, pixels, total, nil
}
