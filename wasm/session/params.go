package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/models"
)

// Params is everything the page lets a reader choose: the whole state of
// its URL hash. It maps onto a models.Config with Config.
type Params struct {
	// Model is "mlp" (784-h-10 or 784-h-h-10) or "conv" (two 5×5 conv
	// layers with max-pooling, a dense hidden layer and the classifier).
	Model string `json:"model"`
	// Hidden is the width of every hidden dense layer.
	Hidden int `json:"hidden"`
	// Filters is the number of filters of the convnet's two conv
	// layers; empty means DefaultFilters. The page's form does not set
	// it: the down-sized comparison (Small) does.
	Filters []int `json:"filters,omitempty"`
	// Depth is the number of hidden dense layers of the MLP (1 or 2).
	Depth int `json:"depth"`
	// Dicts names the dictionary of each hidden layer, input side first:
	// a kind of models.DictKinds that the layer accepts, or "dense" (an
	// ordinary layer). A missing entry means "dense".
	Dicts []string `json:"dicts"`
	// Fraction is n_α/n_v of every predicted layer.
	Fraction float64 `json:"fraction"`
	// Columns is J of every predicted layer.
	Columns int `json:"columns"`
	// Length is the SE kernel's length scale ℓ in pixels, Ridge its λ.
	Length float64 `json:"length"`
	Ridge  float64 `json:"ridge"`
	// Optim is "adam" or "sgd" (with momentum 0.9); LR its learning rate.
	Optim string  `json:"optim"`
	LR    float64 `json:"lr"`
	// Batch is the minibatch size.
	Batch int `json:"batch"`
	// Seed fixes α, the initialisation and the order of examples.
	Seed uint64 `json:"seed"`
}

// DefaultParams returns the page's default configuration.
func DefaultParams() Params {
	return Params{
		Model: "mlp", Hidden: 512, Depth: 1, Dicts: []string{"se"},
		Fraction: 0.195, Columns: 1, Length: 2, Ridge: 0.1,
		Optim: "adam", LR: 0.003, Batch: 64, Seed: 1,
	}
}

// Limits of the page's numeric settings.
const (
	MaxHidden  = 1024
	MaxColumns = 64
	MaxBatch   = 1000
	MaxLength  = 50
	MaxRidge   = 100
	MaxLR      = 10
	MaxFilters = 64
)

// DefaultFilters is the number of filters of the convnet's conv layers.
var DefaultFilters = [2]int{8, 16}

// filters returns the number of filters of the convnet's conv layers.
func (p Params) filters() [2]int {
	if len(p.Filters) == 2 {
		return [2]int{p.Filters[0], p.Filters[1]}
	}
	return DefaultFilters
}

// ParseParams decodes params from JSON, rejecting unknown fields, and
// validates them.
func ParseParams(b []byte) (Params, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Params
	if err := dec.Decode(&p); err != nil {
		return Params{}, fmt.Errorf("settings: %v", err)
	}
	if err := p.Validate(); err != nil {
		return Params{}, err
	}
	return p, nil
}

// HiddenLayers returns how many hidden layers (entries of Dicts) the
// model has.
func (p Params) HiddenLayers() int {
	if p.Model == "conv" {
		return 3
	}
	return p.Depth
}

// Validate reports the first setting that is missing or out of range,
// in words a reader of the page understands.
func (p Params) Validate() error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	switch {
	case p.Model != "mlp" && p.Model != "conv":
		return fmt.Errorf("model %q: want mlp or conv", p.Model)
	case p.Hidden < 1 || p.Hidden > MaxHidden:
		return fmt.Errorf("hidden width %d: want 1 to %d", p.Hidden, MaxHidden)
	case p.Model == "mlp" && (p.Depth < 1 || p.Depth > 2):
		return fmt.Errorf("hidden layers %d: want 1 or 2", p.Depth)
	case p.Model == "mlp" && len(p.Filters) > 0:
		return fmt.Errorf("filters %v: the MLP has no conv layers", p.Filters)
	case len(p.Filters) != 0 && len(p.Filters) != 2:
		return fmt.Errorf("filters %v: want one number per conv layer (2)", p.Filters)
	case len(p.Filters) == 2 && (min(p.Filters[0], p.Filters[1]) < 1 || max(p.Filters[0], p.Filters[1]) > MaxFilters):
		return fmt.Errorf("filters %v: want 1 to %d per conv layer", p.Filters, MaxFilters)
	case len(p.Dicts) > p.HiddenLayers():
		return fmt.Errorf("%d dictionaries for %d hidden layers", len(p.Dicts), p.HiddenLayers())
	case bad(p.Fraction) || p.Fraction <= 0 || p.Fraction > 1:
		return fmt.Errorf("fraction learned %v: want more than 0 and at most 1", p.Fraction)
	case p.Columns < 1 || p.Columns > MaxColumns:
		return fmt.Errorf("columns %d: want 1 to %d", p.Columns, MaxColumns)
	case bad(p.Length) || p.Length <= 0 || p.Length > MaxLength:
		return fmt.Errorf("length scale %v: want more than 0 and at most %d pixels", p.Length, MaxLength)
	case bad(p.Ridge) || p.Ridge < 0 || p.Ridge > MaxRidge:
		return fmt.Errorf("ridge %v: want 0 to %d", p.Ridge, MaxRidge)
	case p.Optim != "adam" && p.Optim != "sgd":
		return fmt.Errorf("optimizer %q: want adam or sgd", p.Optim)
	case bad(p.LR) || p.LR <= 0 || p.LR > MaxLR:
		return fmt.Errorf("learning rate %v: want more than 0 and at most %d", p.LR, MaxLR)
	case p.Batch < 1 || p.Batch > MaxBatch:
		return fmt.Errorf("batch size %d: want 1 to %d", p.Batch, MaxBatch)
	}
	for i, d := range p.Dicts {
		if _, ok := models.LookupDict(d); !ok && d != "dense" {
			return fmt.Errorf("dictionary %q of hidden layer %d: want dense or one of %s", d, i+1, strings.Join(kindNames(), ", "))
		}
	}
	return nil
}

// kindNames returns the names of every dictionary kind, in menu order.
func kindNames() []string {
	var names []string
	for _, k := range models.DictKinds() {
		names = append(names, k.Name)
	}
	return names
}

// Dense returns p with every hidden layer dense: the baseline of "compare
// with dense".
func (p Params) Dense() Params {
	p.Dicts = nil
	return p
}

// dict returns the dictionary of hidden layer i.
func (p Params) dict(i int) string {
	if i < len(p.Dicts) {
		return p.Dicts[i]
	}
	return "dense"
}

// predict returns the predict block of hidden layer i, nil for a dense one.
func (p Params) predict(i int) *models.PredictConfig {
	d := p.dict(i)
	if d == "dense" {
		return nil
	}
	pc := &models.PredictConfig{Dict: d, Fraction: p.Fraction, Columns: p.Columns}
	k, _ := models.LookupDict(d)
	if d == "se" {
		// ℓ and λ are the page's settings for SE; every other kind takes
		// its defaults from the table (the paper code's settings).
		pc.Length, pc.Ridge = p.Length, p.Ridge
	}
	if k.DataDriven {
		// The covariance of 5,000 digits is as good as that of 30,000
		// for a dictionary and takes a second instead of four in wasm.
		pc.Examples = DictExamples
	}
	if d == "ae" {
		// The paper's 50 epochs over the data take minutes in wasm; one
		// epoch over fewer digits gives usable features in seconds.
		pc.Examples, pc.AEEpochs = AEExamples, 1
	}
	return pc
}

// Examples the page's data-driven dictionaries are computed from.
const (
	DictExamples = 5000
	AEExamples   = 2000
)

// HalfLife is the number of training examples over which the learning
// rate halves.
const HalfLife = 50000

// Epochs is the number of epochs a page run is configured for: the page
// trains until the reader pauses it.
const Epochs = 1000

// Config returns the models.Config that p describes.
func (p Params) Config() (*models.Config, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var layers []models.LayerConfig
	switch p.Model {
	case "mlp":
		for i := 0; i < p.Depth; i++ {
			layers = append(layers, models.LayerConfig{Type: "dense", Units: p.Hidden, Act: "relu", Predict: p.predict(i)})
		}
	case "conv":
		f := p.filters()
		layers = []models.LayerConfig{
			{Type: "conv", Filters: f[0], K: 5, Act: "relu", Predict: p.predict(0)},
			{Type: "maxpool", K: 2},
			{Type: "conv", Filters: f[1], K: 5, Act: "relu", Predict: p.predict(1)},
			{Type: "maxpool", K: 2},
			{Type: "dense", Units: p.Hidden, Act: "relu", Predict: p.predict(2)},
		}
	}
	layers = append(layers, models.LayerConfig{Type: "dense", Units: 10})
	// The learning rate halves every HalfLife training examples, down to
	// a twentieth of its start.
	opt := engine.OptimConfig{Kind: p.Optim, LR: p.LR, MinLR: p.LR / 20,
		LRDecay: math.Pow(2, float64(p.Batch)/HalfLife)}
	if p.Optim == "sgd" {
		opt.Momentum = SGDMomentum
	}
	c := &models.Config{
		Name:   "browser-" + p.Model,
		Data:   "mnist",
		Layers: layers,
		Train:  models.TrainConfig{Epochs: Epochs, Batch: p.Batch, Seed: p.Seed, Optimizer: opt},
	}
	if err := c.Validate(); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "config: "))
	}
	return c, nil
}
