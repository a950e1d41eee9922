package main

import (
	"fmt"
	"math"
	"slices"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/models"
)

// The keys +, −, d and c edit the config of the shown layer; the window
// then trains a run built from the edited copy. These functions never
// change the config they are given.

// fractionSteps returns the fractions learned that + and − step through;
// 1 is an ordinary dense or conv layer.
func fractionSteps() []float64 {
	return []float64{0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1}
}

// columnSteps returns the numbers of columns c cycles through (those
// that divide the layer's units).
func columnSteps() []int { return []int{1, 2, 4, 5, 8, 10, 20} }

// cloneConfig returns a deep copy of c.
func cloneConfig(c *models.Config) *models.Config {
	d := *c
	d.Layers = slices.Clone(c.Layers)
	for i, l := range d.Layers {
		if l.Predict != nil {
			p := *l.Predict
			d.Layers[i].Predict = &p
		}
	}
	if c.Train.Pretrain != nil {
		p := *c.Train.Pretrain
		d.Train.Pretrain = &p
	}
	return &d
}

// editable reports why layer i cannot be predicted, if it cannot.
func editable(c *models.Config, i int) error {
	switch {
	case i < 0 || i >= len(c.Layers):
		return fmt.Errorf("no layer %d", i)
	case i == len(c.Layers)-1:
		return fmt.Errorf("layer %d is the classifier: it stays dense", i)
	case c.Layers[i].Type != "dense" && c.Layers[i].Type != "conv":
		return fmt.Errorf("layer %d is a %s layer: it has no weights", i, c.Layers[i].Type)
	}
	return nil
}

// fractionOf returns the fraction learned of layer l with rows inputs
// per unit: 1 for an ordinary layer.
func fractionOf(l models.LayerConfig, rows int) float64 {
	switch p := l.Predict; {
	case p == nil:
		return 1
	case p.Fraction > 0:
		return p.Fraction
	case rows > 0:
		return float64(p.NAlpha) / float64(rows)
	}
	return 1
}

// stepFraction returns a copy of c whose layer i learns the next larger
// (up) or smaller fraction of its weights; rows is the layer's inputs per
// unit and spatial tells whether they have a 2-D layout (for the
// dictionary a dense layer gets when it turns predicted). A fraction of 1
// makes the layer ordinary. It also returns what changed, in words.
func stepFraction(c *models.Config, i, rows int, spatial, up bool) (*models.Config, string, error) {
	if err := editable(c, i); err != nil {
		return nil, "", err
	}
	f := fractionOf(c.Layers[i], rows)
	steps := fractionSteps()
	next := -1.0
	if up {
		for _, s := range steps {
			if s > f*(1+1e-9) {
				next = s
				break
			}
		}
	} else {
		for _, s := range slices.Backward(steps) {
			if s < f*(1-1e-9) {
				next = s
				break
			}
		}
	}
	if next < 0 {
		if up {
			return nil, "", fmt.Errorf("layer %d already learns all its weights", i)
		}
		return nil, "", fmt.Errorf("layer %d already learns the smallest fraction, %g", i, f)
	}
	d := cloneConfig(c)
	l := &d.Layers[i]
	if next >= 1 {
		l.Predict = nil
		return d, fmt.Sprintf("layer %d: ordinary %s layer (all weights learned)", i, l.Type), nil
	}
	if l.Predict == nil {
		p := models.PredictConfig{Columns: 1}
		setDict(&p, defaultDict(spatial), l.Type == "conv")
		l.Predict = &p
	}
	l.Predict.Fraction, l.Predict.NAlpha = next, 0
	if rows > 0 && int(math.Round(next*float64(rows))) < 1 {
		return nil, "", fmt.Errorf("layer %d: a fraction of %g of %d inputs learns nothing", i, next, rows)
	}
	return d, fmt.Sprintf("layer %d: learn %g of the weights (%s dictionary, %d columns)", i, next, l.Predict.Dict, max(l.Predict.Columns, 1)), nil
}

// defaultDict is the dictionary a layer gets when it turns predicted: SE
// over pixel coordinates for inputs with a 2-D layout, the empirical
// covariance of the inputs otherwise (method.md §3).
func defaultDict(spatial bool) string {
	if spatial {
		return "se"
	}
	return "emp"
}

// setDict makes p use dictionary dict with the paper code's settings for
// it (models.PaperSettings), its form left implicit (the default, KRR) as
// in the configs the app started with.
func setDict(p *models.PredictConfig, dict string, conv bool) {
	p.Dict, p.Length, p.Ridge = dict, 0, 0
	models.PaperSettings(p, conv)
	p.Form = ""
}

// nextDict returns a copy of c whose predicted layer i uses the next
// dictionary after the one named from (its current one if from is
// empty) among those the layer accepts: grid is the layout of a unit's
// weights (models.DictKind.Accepts).
func nextDict(c *models.Config, i int, from string, grid engine.Shape) (*models.Config, string, error) {
	if err := editable(c, i); err != nil {
		return nil, "", err
	}
	l := c.Layers[i]
	if l.Predict == nil {
		return nil, "", fmt.Errorf("layer %d is an ordinary layer: press − to predict it first", i)
	}
	if from == "" {
		from = l.Predict.Dict
	}
	kinds := models.DictKinds()
	k := slices.IndexFunc(kinds, func(k models.DictKind) bool { return k.Name == from })
	for n := 1; n <= len(kinds); n++ {
		next := kinds[(k+n)%len(kinds)]
		if next.Accepts(l.Type, grid) != nil {
			continue
		}
		d := cloneConfig(c)
		setDict(d.Layers[i].Predict, next.Name, l.Type == "conv")
		return d, fmt.Sprintf("layer %d: %s dictionary", i, next.Name), nil
	}
	return nil, "", fmt.Errorf("layer %d: no other dictionary", i)
}

// nextColumns returns a copy of c whose predicted layer i of units units
// has the next number of columns that divides them.
func nextColumns(c *models.Config, i, units int) (*models.Config, string, error) {
	if err := editable(c, i); err != nil {
		return nil, "", err
	}
	p := c.Layers[i].Predict
	if p == nil {
		return nil, "", fmt.Errorf("layer %d is an ordinary layer: press − to predict it first", i)
	}
	cur := max(p.Columns, 1)
	var fit []int
	for _, j := range columnSteps() {
		if units%j == 0 {
			fit = append(fit, j)
		}
	}
	next := fit[0]
	for _, j := range fit {
		if j > cur {
			next = j
			break
		}
	}
	if next == cur {
		return nil, "", fmt.Errorf("layer %d: no other number of columns divides %d units", i, units)
	}
	d := cloneConfig(c)
	d.Layers[i].Predict.Columns = next
	return d, fmt.Sprintf("layer %d: %d columns", i, next), nil
}

// spatialShape reports whether a unit's weights of shape s have a 2-D
// layout (an image or a filter).
func spatialShape(s engine.Shape) bool { return s.H > 1 && s.W > 1 }
