package models

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/checkpoint"
	"github.com/predparams/predparams/engine/data"
)

// runMeta is the JSON metadata of a run checkpoint. The tensors hold the
// trained parameters ("param/<name>") and the optimizer state
// ("opt.m/<name>", "opt.v/<name>"); fixed dictionaries are rebuilt from
// the config and seed, and checked against StaticSums, but those computed
// from data (emp, emp2, pca, ae) are stored too ("dict/<layer>"), since
// their rebuild differs in its last bits between targets. When
// the hidden layers were pretrained, their pretrained values are stored
// too ("pretrain/<layer>/<k>", k in the layer's Params order), so that
// dictionaries computed from pretrained layers are rebuilt without
// pretraining again. A run whose α has grown stores every layer's n_α
// ("n_alpha") and its growth log: the model is rebuilt at those sizes.
type runMeta struct {
	Kind       string         `json:"kind"`
	Config     *Config        `json:"config"`
	Epoch      int            `json:"epoch"`
	Step       int            `json:"step"`
	Updates    int64          `json:"updates"`
	Seconds    float64        `json:"seconds"`
	EpochSecs  float64        `json:"epoch_seconds"`
	LossSum    float64        `json:"loss_sum"`
	LossSteps  int            `json:"loss_steps"`
	History    []EpochMetrics `json:"history"`
	TrainN     int            `json:"train_examples"`
	TestN      int            `json:"test_examples"`
	StaticSums []string       `json:"static_sums,omitempty"`
	// DataSum is a checksum of the training set (dataSum), so that a
	// run is not resumed on other data of the same size.
	DataSum string     `json:"data_sum,omitempty"`
	NAlpha  []int      `json:"n_alpha,omitempty"`
	Growth  *GrowthLog `json:"growth,omitempty"`
}

const runKind = "predparams run"

// Checkpoint returns the run's state as a checkpoint file.
func (r *Run) Checkpoint() *checkpoint.File {
	t := r.Trainer
	secs := r.epochSecs
	if !r.epochStart.IsZero() {
		secs += time.Since(r.epochStart).Seconds()
	}
	meta := runMeta{
		Kind: runKind, Config: r.Model.Config,
		Epoch: t.Epoch, Step: t.Step, Updates: t.Updates,
		Seconds: r.Seconds, EpochSecs: secs,
		LossSum: r.lossSum, LossSteps: r.lossSteps,
		History: r.History, TrainN: r.Train.N, TestN: r.Test.N,
		StaticSums: r.Model.StaticSums(), DataSum: dataSum(r.Train),
		Growth: r.Growth,
	}
	if r.Growth != nil {
		meta.NAlpha = r.Model.NAlpha()
	}
	b, err := json.Marshal(meta)
	if err != nil {
		panic(err) // the meta holds only plain values
	}
	f := &checkpoint.File{Meta: b}
	for _, p := range r.Model.Net.Params {
		shape := []int{p.Rows, p.Cols}
		f.Tensors = append(f.Tensors, checkpoint.Tensor{Name: "param/" + p.Name, Shape: shape, Data: p.Data})
		f.Tensors = append(f.Tensors, checkpoint.Tensor{Name: "opt.m/" + p.Name, Shape: shape, Data: t.Opt.M[p.Off : p.Off+p.Size()]})
		if t.Opt.V != nil {
			f.Tensors = append(f.Tensors, checkpoint.Tensor{Name: "opt.v/" + p.Name, Shape: shape, Data: t.Opt.V[p.Off : p.Off+p.Size()]})
		}
	}
	f.Tensors = append(f.Tensors, r.Model.storedDicts()...)
	for i, vals := range r.Model.pretrained {
		for k, v := range vals {
			f.Tensors = append(f.Tensors, checkpoint.Tensor{Name: pretrainTensor(i, k), Shape: []int{len(v)}, Data: v})
		}
	}
	return f
}

func pretrainTensor(layer, k int) string { return fmt.Sprintf("pretrain/%d/%d", layer, k) }

// pretrainedValues returns the pretrained values stored in f for cfg's
// hidden layers, or nil when cfg has no pretraining.
func pretrainedValues(f *checkpoint.File, cfg *Config) ([][][]float32, error) {
	if cfg.Train.Pretrain == nil {
		return nil, nil
	}
	pre := make([][][]float32, len(cfg.Layers))
	for i := range cfg.Layers[:len(cfg.Layers)-1] {
		for k := 0; ; k++ {
			t, ok := f.Tensor(pretrainTensor(i, k))
			if !ok {
				break
			}
			if !allFinite(t.Data) {
				return nil, fmt.Errorf("tensor %s holds a value that is not finite (NaN or ±Inf)", t.Name)
			}
			pre[i] = append(pre[i], t.Data)
		}
		if pre[i] == nil {
			return nil, fmt.Errorf("the pretrained values of layer %d are missing", i)
		}
	}
	return pre, nil
}

// Save writes the run's checkpoint to path atomically. A run that
// diverged (see Err) is not saved: its parameters are not finite, and
// Save returns the error instead, leaving path as it was.
func (r *Run) Save(path string) error {
	if r.err != nil {
		return fmt.Errorf("checkpoint not written: %w", r.err)
	}
	return checkpoint.Write(path, r.Checkpoint())
}

// LoadRun reads the checkpoint at path and rebuilds the run it holds on
// the same data: the model is rebuilt from the stored config (fixed
// dictionaries included, and checked against their stored checksums),
// then the trained parameters, optimizer state and position are restored.
func LoadRun(path string, train, test *data.Dataset, env Env) (*Run, error) {
	f, err := checkpoint.Read(path)
	if err != nil {
		return nil, err
	}
	var meta runMeta
	if err := json.Unmarshal(f.Meta, &meta); err != nil || meta.Kind != runKind || meta.Config == nil {
		return nil, fmt.Errorf("%s: not a training-run checkpoint", path)
	}
	pre, err := pretrainedValues(f, meta.Config)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if (meta.Growth != nil) != (meta.Config.Train.Grow != nil) || (meta.NAlpha != nil && meta.Growth == nil) {
		return nil, fmt.Errorf("%s: impossible metadata: a growth log and sizes without train.grow, or train.grow without a log", path)
	}
	r, err := newRun(meta.Config, train, test, env, pre, meta.NAlpha)
	if err != nil {
		return nil, fmt.Errorf("%s: rebuilding the model: %w", path, err)
	}
	if r.Train.N != meta.TrainN || r.Test.N != meta.TestN {
		return nil, fmt.Errorf("%s: saved with %d training and %d test examples, the data has %d and %d",
			path, meta.TrainN, meta.TestN, r.Train.N, r.Test.N)
	}
	if err := meta.check(r.Trainer.StepsPerEpoch(r.Train.N)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if got := dataSum(r.Train); meta.DataSum != "" && got != meta.DataSum {
		return nil, fmt.Errorf("%s: the training data differs from the checkpoint's (checksum %s, saved %s)", path, got, meta.DataSum)
	}
	if err := r.Model.restoreDicts(f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if got := r.Model.StaticSums(); fmt.Sprint(got) != fmt.Sprint(meta.StaticSums) {
		return nil, fmt.Errorf("%s: the rebuilt dictionaries differ from the saved ones (checksums %v, saved %v): the data or the code changed since the checkpoint", path, got, meta.StaticSums)
	}
	t := r.Trainer
	for _, p := range r.Model.Net.Params {
		if err := restore(f, "param/"+p.Name, p, p.Data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := restore(f, "opt.m/"+p.Name, p, t.Opt.M[p.Off:p.Off+p.Size()]); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if t.Opt.V != nil {
			if err := restore(f, "opt.v/"+p.Name, p, t.Opt.V[p.Off:p.Off+p.Size()]); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	t.Epoch, t.Step, t.Updates = meta.Epoch, meta.Step, meta.Updates
	r.Seconds, r.epochSecs = meta.Seconds, meta.EpochSecs
	r.lossSum, r.lossSteps = meta.LossSum, meta.LossSteps
	r.History = meta.History
	if meta.Growth != nil {
		*r.Growth = *meta.Growth
		if n := len(meta.Growth.Steps); n > 0 && meta.Config.Train.Grow.RestartLR {
			t.Opt.ScheduleStart = meta.Growth.Steps[n-1].Updates
		}
	}
	return r, nil
}

func restore(f *checkpoint.File, name string, p *engine.Param, dst []float32) error {
	t, ok := f.Tensor(name)
	if !ok {
		return fmt.Errorf("tensor %s missing", name)
	}
	if len(t.Shape) != 2 || t.Shape[0] != p.Rows || t.Shape[1] != p.Cols || len(t.Data) != len(dst) {
		return fmt.Errorf("tensor %s has shape %v, the model wants %d×%d", name, t.Shape, p.Rows, p.Cols)
	}
	if !allFinite(t.Data) {
		return fmt.Errorf("tensor %s holds a value that is not finite (NaN or ±Inf)", name)
	}
	copy(dst, t.Data)
	return nil
}

// allFinite reports whether no value of x is NaN or ±Inf.
func allFinite(x []float32) bool {
	for _, v := range x {
		if !isFinite(float64(v)) {
			return false
		}
	}
	return true
}

// check reports metadata that no run can have written: the checksum
// guards against damage, not against a file written by other means. A
// run with steps steps per epoch is at epoch Epoch (0 to the config's
// epochs, one History entry per finished epoch), step Step of it, after
// Epoch·steps + Step updates.
func (m *runMeta) check(steps int) error {
	epochs := m.Config.Train.Epochs
	switch {
	case m.Epoch < 0 || m.Epoch > epochs:
		return fmt.Errorf("impossible metadata: epoch %d of a run of %d epochs", m.Epoch, epochs)
	case m.Step < 0 || m.Step >= steps:
		return fmt.Errorf("impossible metadata: step %d of an epoch of %d steps", m.Step, steps)
	case m.Updates != int64(m.Epoch)*int64(steps)+int64(m.Step):
		return fmt.Errorf("impossible metadata: %d updates at epoch %d, step %d of %d", m.Updates, m.Epoch, m.Step, steps)
	case len(m.History) != m.Epoch:
		return fmt.Errorf("impossible metadata: %d epochs of history at epoch %d", len(m.History), m.Epoch)
	case m.LossSteps < 0 || m.LossSteps > steps:
		return fmt.Errorf("impossible metadata: %d steps in the epoch's loss, of %d", m.LossSteps, steps)
	case !(m.Seconds >= 0) || !(m.EpochSecs >= 0) || !isFinite(m.LossSum):
		return fmt.Errorf("impossible metadata: seconds %v, epoch seconds %v, loss sum %v", m.Seconds, m.EpochSecs, m.LossSum)
	}
	return nil
}
