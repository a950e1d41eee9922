package main

import (
	"strings"
	"testing"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/models"
)

// mlp returns a 784-500-500-10 config whose first layer is predicted
// with p, if p is not nil.
func mlp(p *models.PredictConfig) *models.Config {
	return &models.Config{
		Name: "mlp",
		Layers: []models.LayerConfig{
			{Type: "dense", Units: 500, Act: "relu", Predict: p},
			{Type: "dense", Units: 500, Act: "relu"},
			{Type: "dense", Units: 10},
		},
		Train: models.TrainConfig{Epochs: 1, Batch: 100},
	}
}

// predictOf returns a copy of the first layer's predict block, zero if
// it has none.
func predictOf(c *models.Config) models.PredictConfig {
	if p := c.Layers[0].Predict; p != nil {
		return *p
	}
	return models.PredictConfig{}
}

func TestStepFraction(t *testing.T) {
	se := func(f float64, n int) *models.PredictConfig {
		return &models.PredictConfig{Dict: "se", Fraction: f, NAlpha: n, Columns: 5, Length: 2, Ridge: 0.1}
	}
	cases := []struct {
		name    string
		cfg     *models.Config
		layer   int
		spatial bool
		up      bool
		want    *models.PredictConfig // nil: an ordinary layer
		err     string
	}{
		{"dense to predicted, images", mlp(nil), 0, true, false, &models.PredictConfig{Dict: "se", Fraction: 0.75, Columns: 1, Length: 2, Ridge: 0.1}, ""},
		{"dense to predicted, features", mlp(nil), 1, false, false, &models.PredictConfig{Dict: "emp", Fraction: 0.75, Columns: 1, Ridge: 0.001}, ""},
		{"down a step", mlp(se(0.05, 0)), 0, true, false, se(0.025, 0), ""},
		{"up a step", mlp(se(0.05, 0)), 0, true, true, se(0.1, 0), ""},
		{"between steps", mlp(se(0.07, 0)), 0, true, true, se(0.1, 0), ""},
		{"n_alpha to fraction", mlp(se(0, 39)), 0, true, true, se(0.05, 0), ""}, // 39/784 < 0.05
		{"up to dense", mlp(se(0.75, 0)), 0, true, true, nil, ""},
		{"dense is the top", mlp(nil), 0, true, true, nil, "already learns all"},
		{"bottom", mlp(se(0.01, 0)), 0, true, false, nil, "smallest fraction"},
		{"classifier", mlp(nil), 2, false, false, nil, "classifier"},
		{"no such layer", mlp(nil), 7, false, false, nil, "no layer 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := predictOf(c.cfg)
			got, what, err := stepFraction(c.cfg, c.layer, 784, c.spatial, c.up)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one about %q", err, c.err)
				}
				return
			}
			if err != nil || what == "" {
				t.Fatalf("error %v, description %q", err, what)
			}
			p := got.Layers[c.layer].Predict
			if (p == nil) != (c.want == nil) || p != nil && *p != *c.want {
				t.Fatalf("predict %+v, want %+v", p, c.want)
			}
			if after := predictOf(c.cfg); after != before {
				t.Fatal("the original config changed")
			}
		})
	}
}

func TestNextDict(t *testing.T) {
	image, flat := engine.Shape{H: 28, W: 28, C: 1}, engine.Shape{H: 1, W: 1, C: 500}
	p := &models.PredictConfig{Dict: "se", Fraction: 0.1, Length: 2, Ridge: 0.1}
	got, _, err := nextDict(mlp(p), 0, "", image)
	if err != nil {
		t.Fatal(err)
	}
	if q := got.Layers[0].Predict; q.Dict != "emp" || q.Ridge != 0.001 || q.Length != 0 || q.Fraction != 0.1 {
		t.Fatalf("after se: %+v", q)
	}
	if p.Dict != "se" {
		t.Fatal("the original config changed")
	}
	// Without a 2-D layout, SE is skipped; the cycle wraps.
	kinds := models.DictKinds()
	last := kinds[len(kinds)-1].Name
	got, _, err = nextDict(mlp(&models.PredictConfig{Dict: last, Fraction: 0.1}), 0, "", flat)
	if err != nil || got.Layers[0].Predict.Dict != kinds[1].Name {
		t.Fatalf("after %s without layout: %v, %v", last, got.Layers[0].Predict.Dict, err)
	}
	// from moves past a dictionary that failed to build.
	got, _, err = nextDict(mlp(p), 0, "emp", image)
	if err != nil || got.Layers[0].Predict.Dict != "emp2" {
		t.Fatalf("from emp: %v, %v", got.Layers[0].Predict.Dict, err)
	}
	if _, _, err := nextDict(mlp(nil), 0, "", image); err == nil {
		t.Fatal("an ordinary layer got a dictionary")
	}
}

func TestNextColumns(t *testing.T) {
	cases := []struct {
		units, from, want int
	}{
		{500, 1, 2}, {500, 0, 2}, {500, 2, 4}, {500, 5, 10}, {500, 20, 1}, {64, 8, 1}, {30, 5, 10}, {7, 1, 0},
	}
	for _, c := range cases {
		cfg := mlp(&models.PredictConfig{Dict: "se", Fraction: 0.1, Columns: c.from})
		got, _, err := nextColumns(cfg, 0, c.units)
		if c.want == 0 {
			if err == nil {
				t.Errorf("%d units from %d columns: no error", c.units, c.from)
			}
			continue
		}
		if err != nil || got.Layers[0].Predict.Columns != c.want {
			t.Errorf("%d units from %d columns: %v, want %d", c.units, c.from, err, c.want)
		}
	}
}
