package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/predparams/predparams/engine"
)

// Config describes a model and how to train it. It maps one to one onto
// the JSON files in models/configs; unknown JSON fields are errors.
type Config struct {
	// Name identifies the model in logs and result files.
	Name string `json:"name"`
	// Data names the data set: "mnist" (the default) or another name
	// known to models/datasets.LoadData.
	Data string `json:"data,omitempty"`
	// Layers are the network's layers from input to output. The last one
	// must be a dense layer with as many units as the data has classes.
	Layers []LayerConfig `json:"layers"`
	// Train configures optimisation.
	Train TrainConfig `json:"train"`
}

// LayerConfig is one layer of a Config.
type LayerConfig struct {
	// Type is "dense", "conv" or "maxpool".
	Type string `json:"type"`
	// Units is a dense layer's width.
	Units int `json:"units,omitempty"`
	// Filters is a conv layer's number of output maps.
	Filters int `json:"filters,omitempty"`
	// K is the kernel size of a conv layer or the window of a max-pool.
	K int `json:"k,omitempty"`
	// Stride of a conv layer (default 1) or max-pool (default K).
	Stride int `json:"stride,omitempty"`
	// Pad is a conv layer's zero padding.
	Pad int `json:"pad,omitempty"`
	// Act is the activation: "relu", "sigmoid", "tanh" or "" (identity).
	Act string `json:"act,omitempty"`
	// InitScale, if set, draws weights (or V for predicted layers) from
	// U(−InitScale, InitScale) instead of the default He/Glorot init.
	InitScale float64 `json:"init_scale,omitempty"`
	// MaxNorm subjects the layer's units (columns of W, or of V) to the
	// optimizer's max_norm.
	MaxNorm bool `json:"max_norm,omitempty"`
	// Predict, if set, makes a dense or conv layer a predicted layer
	// W = U·V with a fixed dictionary U.
	Predict *PredictConfig `json:"predict,omitempty"`
}

// PredictConfig turns a dense or conv layer into the paper's predicted
// form: the units split into Columns groups, group j has its own α_j and
// dictionary U_j (n_v × n_α), and only V_j (n_α × units/J) is learned.
type PredictConfig struct {
	// Dict names the dictionary, one of DictKinds ("se", "emp", "emp2",
	// "lowrank", "randfixu", "randcon", "pca", "dct", "fourier", "haar",
	// "upsample", "ae").
	Dict string `json:"dict"`
	// Fraction sets n_α = round(Fraction·n_v) per column; alternatively
	// NAlpha gives n_α directly. Exactly one must be set.
	Fraction float64 `json:"fraction,omitempty"`
	NAlpha   int     `json:"n_alpha,omitempty"`
	// Columns is J (default 1); it must divide the layer's units.
	Columns int `json:"columns,omitempty"`
	// Form is "krr" (U = k(all,α)(K_αα+λI)⁻¹, the default) or "raw"
	// (U = k(all,α)), for the kernel dictionaries se, emp and emp2.
	Form string `json:"form,omitempty"`
	// Length is the SE kernel's length scale in pixels (default
	// kernels.PaperSELength, PaperSERawLength for the raw form,
	// PaperConvLength in conv layers).
	Length float64 `json:"length,omitempty"`
	// Ridge is λ of kernel ridge regression (default kernels.PaperSERidge
	// for se, PaperEmpRidge for emp and emp2).
	Ridge float64 `json:"ridge,omitempty"`
	// Tied draws, in a conv layer, one spatial α shared by all input
	// channels instead of α over all (c, x, y) positions; Fraction then
	// counts spatial positions, n_α = round(Fraction·K·K)·C_in.
	Tied bool `json:"tied,omitempty"`
	// Pick chooses PCA or DCT atoms: "leading" (default: the same leading
	// n_α atoms in every column) or "random" (a random n_α per column).
	Pick string `json:"pick,omitempty"`
	// Normalize scales every atom (column of U) to unit norm before the
	// layer's gain is set.
	//
	// U's scale sets V's effective learning rate (method.md §13). The
	// KRR forms keep U as computed, so that V holds actual weights and
	// starts from the dense layer's init. Every other dictionary (raw
	// forms, randfixu, randcon, pca, dct, ae, lowrank's initial U), and
	// any dictionary with Normalize, is multiplied, per column, by the
	// scalar that makes U_j's mean squared row norm 1 (‖U_j‖²_F = n_v).
	// Then V also starts from the dense init and UV has the dense init's
	// standard deviation, and a step on V moves W as much on average as
	// the same step on a dense W: trace(U_jU_jᵀ) = trace(I) for SGD, and
	// for Adam, whose steps on V have a fixed size, each row of W moves
	// by about that size.
	Normalize bool `json:"normalize,omitempty"`
	// Source says which state of the layers below feeds a data-driven
	// dictionary (emp, emp2, pca, ae) in a layer other than the first:
	// "init" (the initialised net, the default) or "pretrained" (after
	// the autoencoder pretraining of train.pretrain). Training the layers
	// below first ("trained:E") is not supported: it would need the
	// layer's own dictionary before it exists.
	Source string `json:"source,omitempty"`
	// Examples caps how many training examples (the first ones) the
	// data-driven dictionaries are computed from (0 means all).
	Examples int `json:"examples,omitempty"`
	// AEHidden is the number of features of the ae dictionary's
	// autoencoder (default 1000, the paper code's); each column draws
	// n_α of them. AEEpochs is its training length (default 50).
	AEHidden int `json:"ae_hidden,omitempty"`
	AEEpochs int `json:"ae_epochs,omitempty"`
	// Alternate, if > 0, learns U as well, starting from the dictionary
	// built, in turns of Alternate epochs: V with U fixed, then U with V
	// fixed, and so on (the reviewers' "alternating U/V"; the biases
	// learn throughout). U then counts as learned, not static.
	Alternate int `json:"alternate,omitempty"`
	// Grow, if set, starts the layer at the n_α of Fraction or NAlpha
	// and adds positions to α during training, when train.grow decides
	// (the reviewers' "growing α"). Only the kinds of DictKind.Grows
	// take it.
	Grow *GrowConfig `json:"grow,omitempty"`
}

// GrowConfig says how a predicted layer's α grows: by a factor or by a
// number of positions at each growth, up to a maximum. Exactly one of
// Factor and Add, and exactly one of MaxFraction and MaxNAlpha, is set.
//
// Every column's α grows by the same count and keeps its positions:
// α_j ⊂ α'_j. The α of a growing layer are drawn nested (column j takes
// the first n_α of its own random order; see drawAlpha), so for J > 1
// they differ from those of a layer that does not grow (for J = 1 they
// are the same).
type GrowConfig struct {
	// Factor multiplies n_α at each growth (n_α' = round(Factor·n_α),
	// at least n_α + 1); it must be > 1.
	Factor float64 `json:"factor,omitempty"`
	// Add adds that many positions to each column's α at each growth.
	Add int `json:"add,omitempty"`
	// MaxFraction caps n_α at round(MaxFraction·n_v); MaxNAlpha caps it
	// directly. The cap must exceed the starting n_α.
	MaxFraction float64 `json:"max_fraction,omitempty"`
	MaxNAlpha   int     `json:"max_n_alpha,omitempty"`
}

// TrainConfig configures optimisation.
type TrainConfig struct {
	// Epochs is the number of passes over the training set.
	Epochs int `json:"epochs"`
	// Batch is the minibatch size.
	Batch int `json:"batch"`
	// Seed fixes initialisation, α, shuffling: the whole run.
	Seed uint64 `json:"seed"`
	// Optimizer configures SGD or Adam.
	Optimizer engine.OptimConfig `json:"optimizer"`
	// TrainExamples, if > 0, trains on the first TrainExamples examples
	// only (for quick runs).
	TrainExamples int `json:"train_examples,omitempty"`
	// Validation, if > 0, holds the last Validation examples of the
	// training set out as a validation set: the model never trains on
	// them (nor are data-driven dictionaries or pretraining computed from
	// them), and every epoch that Run.FinishEpoch closes is evaluated on
	// them (EpochMetrics.Validation) as well as on the test set. The
	// held-out examples are the last ones of the whole training set,
	// whatever TrainExamples is, which then caps the examples trained on
	// among the others. (Its place before Pretrain keeps the JSON order,
	// and so the runner's hashes of configs, of the runs that use it.)
	Validation int `json:"validation,omitempty"`
	// Pretrain, if set, runs the paper's layer-wise autoencoder
	// pretraining before supervised training.
	Pretrain *PretrainConfig `json:"pretrain,omitempty"`
	// Grow, if set, grows the α of the layers whose predict.grow is set
	// when the validation error stops improving (it then needs
	// Validation), or after the epochs it lists.
	Grow *GrowSchedule `json:"grow,omitempty"`
}

// GrowSchedule decides when the layers with predict.grow grow: from the
// validation error of the epochs that Run.FinishEpoch closes (Every,
// Patience, MinImprovement), or after the epochs listed in At, decided
// beforehand (a schedule that a run with a validation set chose,
// replayed on one without). Exactly one of Every and At is set.
//
// Every Every epochs (a check; not after the last epoch), the best
// validation error of the last Every epochs is compared with the best
// of all the epochs before them: it improved if it is lower by more
// than the fraction MinImprovement of that best (a relative threshold,
// as PyTorch's ReduceLROnPlateau's default; the first check always
// counts as improved). If it did not improve, the layers grow. A growth that is followed by a check
// without improvement is a failed one; after Patience failed growths in
// a row, or once every growing layer is at its maximum, growth stops for
// the rest of the run.
type GrowSchedule struct {
	// Every is the number of epochs between checks (≥ 1).
	Every int `json:"every"`
	// Patience is the number of failed growths in a row that stop
	// growth (≥ 1).
	Patience int `json:"patience"`
	// MinImprovement is the relative drop of the validation error that
	// counts as an improvement (0.05: from 2% to below 1.9%); 0 counts
	// any drop. A relative threshold suits errors that fall from tens of
	// percent at a small α to a few percent at a large one.
	MinImprovement float64 `json:"min_improvement,omitempty"`
	// At lists the epochs (ascending, each ≥ 1 and below train.epochs)
	// at whose end the layers grow, without a check; growth stops when
	// the list is done or every growing layer is at its maximum.
	At []int `json:"at,omitempty"`
	// RestartLR starts the optimizer's learning-rate schedule
	// (lr_decay) again at each growth, so that the positions that arrive
	// late learn at the starting rate rather than at the decayed one.
	RestartLR bool `json:"restart_lr,omitempty"`
}

// PretrainConfig configures layer-wise tied-weight autoencoder pretraining
// of the hidden layers (method.md §8).
//
// Bottom-up, each hidden layer is trained as a tied-weight autoencoder
// on the output of the (already pretrained) layers below: encoder
// h = sigmoid(x·W + b) with the layer's own W (in predicted form, W = U·V
// with U fixed: only V and b learn), decoder x̂ = sigmoid(h·Wᵀ) without a
// bias, loss ‖x̂ − x‖² summed over inputs and averaged over the batch.
// With J > 1 columns the decoder is the transpose of the whole W, so the
// J columns' reconstructions are summed before the sigmoid: one
// reconstruction per example, as a dense layer of the same W would make
// (the paper code's per-column reconstructions are left out). A layer's
// data-driven dictionary with source "pretrained" is computed after the
// layers below are pretrained. Supervised fine-tuning then starts from
// the pretrained hidden layers and a freshly initialised classifier.
type PretrainConfig struct {
	// Epochs is the number of autoencoder epochs per hidden layer.
	Epochs int `json:"epochs"`
	// Batch is the minibatch size (0 means train.batch).
	Batch int `json:"batch,omitempty"`
	// Optimizer trains V and b (the paper code: SGD, lr 0.1, momentum
	// 0.7, lr_decay 1.00004, min_lr 1e-6, max_norm 1.9365).
	Optimizer engine.OptimConfig `json:"optimizer"`
}

// MaxConfigBytes bounds the size of a config: the shipped ones are under
// a kilobyte. ParseConfig reads no more than this (and one byte).
const MaxConfigBytes = 1 << 20

// ParseConfig decodes a JSON config of at most MaxConfigBytes, rejecting
// unknown fields, trailing data and an explicit 0 for a field whose zero
// stands for a non-zero default (see zeroMeansDefault), and validates it.
func ParseConfig(r io.Reader) (*Config, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(b) > MaxConfigBytes {
		return nil, fmt.Errorf("config: larger than %d KiB: not a config", MaxConfigBytes>>10)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("config: %s", jsonMessage(err))
	}
	if dec.More() {
		return nil, errors.New("config: trailing data after the JSON object")
	}
	if err := explicitZeros(b); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadConfig reads and parses the JSON config at path, reading no more
// than MaxConfigBytes (and one byte) of it, so a device or a pipe given
// by mistake is refused rather than read until memory runs out.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// jsonMessage rewords encoding/json's errors for people.
func jsonMessage(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q: want a %v, got JSON %s", typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.EOF):
		return "empty file"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + f
	}
	return strings.TrimPrefix(msg, "json: ")
}

// MaxEpochs bounds train.epochs, so that counts of examples and steps
// over a whole run stay far inside int64 (a million passes over MNIST
// are 6·10¹⁰ examples).
const MaxEpochs = 1_000_000

// Validate reports the first setting that is missing or out of range.
func (c *Config) Validate() error {
	if err := validName(c.Name); err != nil {
		return err
	}
	if len(c.Layers) == 0 {
		return errors.New("config: no layers")
	}
	for i, l := range c.Layers {
		if err := l.validate(); err != nil {
			return fmt.Errorf("config: layer %d (%s): %w", i, l.Type, err)
		}
	}
	last := c.Layers[len(c.Layers)-1]
	if last.Type != "dense" || last.Predict != nil {
		return errors.New("config: the last layer must be an ordinary dense layer (the classifier)")
	}
	t := c.Train
	switch {
	case t.Epochs <= 0 || t.Epochs > MaxEpochs:
		return fmt.Errorf("config: train.epochs %d, want 1 to %d", t.Epochs, MaxEpochs)
	case t.Batch <= 0:
		return fmt.Errorf("config: train.batch %d, want > 0", t.Batch)
	case t.TrainExamples < 0:
		return fmt.Errorf("config: train.train_examples %d, want ≥ 0", t.TrainExamples)
	case t.Validation < 0:
		return fmt.Errorf("config: train.validation %d, want ≥ 0 (0: no validation set)", t.Validation)
	}
	if err := c.validateGrow(); err != nil {
		return err
	}
	if err := t.Optimizer.Validate(); err != nil {
		return fmt.Errorf("config: train.optimizer: %w", err)
	}
	if p := t.Pretrain; p != nil {
		if p.Epochs <= 0 || p.Batch < 0 {
			return fmt.Errorf("config: train.pretrain: epochs %d and batch %d, want > 0", p.Epochs, p.Batch)
		}
		if err := p.Optimizer.Validate(); err != nil {
			return fmt.Errorf("config: train.pretrain.optimizer: %w", err)
		}
		for i, l := range c.Layers[:len(c.Layers)-1] {
			if l.Type != "dense" || l.Act != "sigmoid" {
				return fmt.Errorf("config: train.pretrain needs sigmoid dense hidden layers (tied sigmoid autoencoders), layer %d is %s %s", i, l.Type, orString(l.Act, "identity"))
			}
		}
	}
	for i, l := range c.Layers {
		if l.Predict != nil && l.Predict.Source == "pretrained" && t.Pretrain == nil {
			return fmt.Errorf("config: layer %d: predict.source pretrained needs train.pretrain", i)
		}
	}
	return nil
}

func (l LayerConfig) validate() error {
	if _, err := engine.ParseAct(l.Act); err != nil {
		return err
	}
	if l.InitScale < 0 {
		return fmt.Errorf("init_scale %v, want ≥ 0", l.InitScale)
	}
	switch l.Type {
	case "dense":
		if l.Units <= 0 {
			return fmt.Errorf("units %d, want > 0", l.Units)
		}
		if l.Filters != 0 || l.K != 0 || l.Stride != 0 || l.Pad != 0 {
			return errors.New("filters, k, stride and pad belong to conv layers")
		}
	case "conv":
		if l.Filters <= 0 || l.K <= 0 {
			return fmt.Errorf("filters %d and k %d, want > 0", l.Filters, l.K)
		}
		if l.Stride < 0 || l.Pad < 0 || l.Pad >= l.K {
			return fmt.Errorf("stride %d and pad %d, want stride ≥ 0 and 0 ≤ pad < k", l.Stride, l.Pad)
		}
	case "maxpool":
		if l.K <= 0 || l.Stride < 0 {
			return fmt.Errorf("k %d and stride %d, want k > 0 and stride ≥ 0", l.K, l.Stride)
		}
		if l.Predict != nil || l.Act != "" {
			return errors.New("a max-pool layer takes no predict or act")
		}
	case "":
		return errors.New("missing type (dense, conv or maxpool)")
	default:
		return fmt.Errorf("unknown type %q (want dense, conv or maxpool)", l.Type)
	}
	if l.Predict != nil {
		return l.Predict.validate(l)
	}
	return nil
}

func (p *PredictConfig) validate(l LayerConfig) error {
	k, known := LookupDict(p.Dict)
	switch {
	case !known:
		return fmt.Errorf("predict.dict %q, want one of %s", p.Dict, strings.Join(kindNames(func(DictKind) bool { return true }), ", "))
	case (p.Fraction != 0) == (p.NAlpha != 0):
		return errors.New("predict: set exactly one of fraction and n_alpha")
	case p.Fraction < 0 || p.Fraction > 1:
		return fmt.Errorf("predict.fraction %v, want 0 < fraction ≤ 1", p.Fraction)
	case p.NAlpha < 0:
		return fmt.Errorf("predict.n_alpha %d, want > 0", p.NAlpha)
	case p.Columns < 0:
		return fmt.Errorf("predict.columns %d, want > 0", p.Columns)
	case p.Form != "" && p.Form != "krr" && p.Form != "raw":
		return fmt.Errorf("predict.form %q, want krr or raw", p.Form)
	case p.Length < 0 || p.Ridge < 0 || p.Examples < 0 || p.AEHidden < 0 || p.AEEpochs < 0 || p.Alternate < 0:
		return errors.New("predict: length, ridge, examples, ae_hidden, ae_epochs and alternate must be ≥ 0")
	case p.Pick != "" && p.Pick != "leading" && p.Pick != "random":
		return fmt.Errorf("predict.pick %q, want leading or random", p.Pick)
	case p.Tied && l.Type != "conv":
		return errors.New("predict.tied applies to conv layers only")
	case strings.HasPrefix(p.Source, "trained"):
		return fmt.Errorf("predict.source %q is not supported: use init or pretrained", p.Source)
	case p.Source != "" && p.Source != "init" && p.Source != "pretrained":
		return fmt.Errorf("predict.source %q, want init or pretrained", p.Source)
	}
	if err := k.validateOptions(p, l.Type); err != nil {
		return err
	}
	if err := p.Grow.validate(p); err != nil {
		return err
	}
	units := l.Units
	if l.Type == "conv" {
		units = l.Filters
	}
	if j := max(p.Columns, 1); units%j != 0 {
		return fmt.Errorf("predict.columns %d does not divide %d units", j, units)
	}
	return nil
}

// validName reports whether name can name a folder of results (the CLIs
// write to out/NAME): one path element, so no separator, not "." or
// "..", and no control characters.
func validName(name string) error {
	switch {
	case strings.ContainsAny(name, `/\`) || name == "." || name == "..":
		return fmt.Errorf("config: name %q, want one folder name (no / or \\, not . or ..)", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("config: name %q holds a control character", name)
	}
	return nil
}

// zeroMeansDefault lists, by JSON object, the fields whose zero value
// stands for a non-zero default: an explicit 0 there cannot be meant
// as 0, so explicitZeros refuses it rather than quietly use the default.
var zeroMeansDefault = struct{ layer, predict, optimizer []string }{
	layer:     []string{"stride"},
	predict:   []string{"columns", "length", "ridge", "ae_hidden", "ae_epochs"},
	optimizer: []string{"beta1", "beta2", "eps"},
}

// explicitZeros reports the first field of zeroMeansDefault given as 0
// in the JSON config b, which has already been decoded strictly.
func explicitZeros(b []byte) error {
	type object = map[string]json.RawMessage
	var raw struct {
		Layers []object `json:"layers"`
		Train  struct {
			Optimizer object `json:"optimizer"`
			Pretrain  *struct {
				Optimizer object `json:"optimizer"`
			} `json:"pretrain"`
		} `json:"train"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil // the strict decoding has reported it
	}
	// zero returns the first of names given as 0 in o. Keys match names
	// as encoding/json matches fields, without regard to case.
	zero := func(o object, names []string) string {
		for _, n := range names {
			for k, v := range o {
				if !strings.EqualFold(k, n) {
					continue
				}
				if f, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64); err == nil && f == 0 {
					return n
				}
			}
		}
		return ""
	}
	const msg = "is 0, which would silently mean the default: omit the field for the default, or give a value > 0"
	for i, l := range raw.Layers {
		if n := zero(l, zeroMeansDefault.layer); n != "" {
			return fmt.Errorf("config: layer %d: %s %s", i, n, msg)
		}
		var predict object
		for k, v := range l {
			if strings.EqualFold(k, "predict") {
				json.Unmarshal(v, &predict) // null: none
			}
		}
		if n := zero(predict, zeroMeansDefault.predict); n != "" {
			return fmt.Errorf("config: layer %d: predict.%s %s", i, n, msg)
		}
	}
	if n := zero(raw.Train.Optimizer, zeroMeansDefault.optimizer); n != "" {
		return fmt.Errorf("config: train.optimizer.%s %s", n, msg)
	}
	if p := raw.Train.Pretrain; p != nil {
		if n := zero(p.Optimizer, zeroMeansDefault.optimizer); n != "" {
			return fmt.Errorf("config: train.pretrain.optimizer.%s %s", n, msg)
		}
	}
	return nil
}
