package session

import (
	"fmt"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/models"
)

// Kind is one dictionary kind as the page's menus show it: the entry of
// models.DictKinds, in JSON.
type Kind struct {
	Name       string `json:"name"`
	Title      string `json:"title"`
	About      string `json:"about"`
	DataDriven bool   `json:"dataDriven"`
	Positions  bool   `json:"positions"`
	LearnsU    bool   `json:"learnsU"`
}

// Slot is one hidden layer of a model the page describes: its type, the
// grid its weight rows are laid out on, and the kinds (names, in menu
// order) that can predict it.
type Slot struct {
	Type  string   `json:"type"`
	Grid  [3]int   `json:"grid"` // H, W, C
	Kinds []string `json:"kinds"`
}

// Menus is what the page's dictionary menus offer: every kind, and for
// each model shape ("mlp1", "mlp2", "conv") the kinds each hidden layer
// accepts. It is written at build time (wasm/site) from the table of
// dictionary kinds, so a menu never offers a kind that its layer rejects.
type Menus struct {
	Kinds  []Kind            `json:"kinds"`
	Models map[string][]Slot `json:"models"`
	// Live names the settings a running model takes without a rebuild
	// (LiveFields).
	Live []string `json:"live"`
}

// MenuModels lists the model shapes of Menus with the Params that give
// them.
var MenuModels = []struct {
	Name         string
	Model        string
	Depth        int
	HiddenLayers int
}{{"mlp1", "mlp", 1, 1}, {"mlp2", "mlp", 2, 2}, {"conv", "conv", 1, 3}}

// NewMenus returns the menus of every model shape the page describes.
func NewMenus() (*Menus, error) {
	m := &Menus{Models: map[string][]Slot{}, Live: LiveFields()}
	for _, k := range models.DictKinds() {
		m.Kinds = append(m.Kinds, Kind{Name: k.Name, Title: k.Title, About: k.About,
			DataDriven: k.DataDriven, Positions: k.Positions, LearnsU: k.LearnsU})
	}
	for _, mm := range MenuModels {
		p := DefaultParams()
		p.Model, p.Depth, p.Dicts = mm.Model, mm.Depth, nil
		slots, err := Slots(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", mm.Name, err)
		}
		m.Models[mm.Name] = slots
	}
	return m, nil
}

// Slots returns the hidden layers of the model p describes, whatever
// its dictionaries: each layer's type, grid and accepted kinds.
func Slots(p Params) ([]Slot, error) {
	p.Dicts = nil
	cfg, err := p.Config()
	if err != nil {
		return nil, err
	}
	m, err := models.Build(cfg, engine.Shape{H: 28, W: 28, C: 1}, 10, nil, models.Env{Threads: 1})
	if err != nil {
		return nil, err
	}
	net := m.Net
	var slots []Slot
	for i, lc := range cfg.Layers[:len(cfg.Layers)-1] {
		if lc.Type != "dense" && lc.Type != "conv" {
			continue
		}
		in := net.In
		if i > 0 {
			in = net.Shapes[i-1]
		}
		grid := in
		if lc.Type == "conv" {
			grid = engine.Shape{H: lc.K, W: lc.K, C: in.C}
		}
		s := Slot{Type: lc.Type, Grid: [3]int{grid.H, grid.W, grid.C}}
		for _, k := range models.DictsFor(lc.Type, grid) {
			s.Kinds = append(s.Kinds, k.Name)
		}
		slots = append(slots, s)
	}
	return slots, nil
}

// Description is the model a Params describes, as built: its parameter
// table and totals, without training data of consequence.
type Description struct {
	Rows       []Row             `json:"rows"`
	Accounting models.Accounting `json:"accounting"`
	// Small is the dense net down-sized to as many learned weights
	// (Small), and SmallLearned its learned weights.
	Small        Params `json:"small"`
	SmallLearned int    `json:"smallLearned"`
}

// describeExamples is how many training digits Describe builds the
// data-driven dictionaries from: enough for every kind to build, few
// enough to answer within a frame or two.
const describeExamples = 50

// Describe builds the model p describes from the first few examples of
// train and returns its parameter table, or the error that Train would
// meet. The counts do not depend on the data, so they are exact.
func Describe(p Params, train *data.Dataset) (*Description, error) {
	cfg, err := p.Config()
	if err != nil {
		return nil, err
	}
	var sub *data.Dataset
	if train != nil {
		sub = train.Subset(0, min(train.N, describeExamples))
	}
	for i := range cfg.Layers {
		if pc := cfg.Layers[i].Predict; pc != nil && pc.Examples > 0 {
			pc.Examples = min(pc.Examples, describeExamples)
		}
	}
	m, err := models.Build(cfg, engine.Shape{H: 28, W: 28, C: 1}, 10, sub, models.Env{Threads: 1})
	if err != nil {
		return nil, err
	}
	rows, acc := table(m)
	d := &Description{Rows: rows, Accounting: acc}
	if d.Small, d.SmallLearned, err = Small(p, acc.LearnedWeights); err != nil {
		return nil, err
	}
	return d, nil
}
