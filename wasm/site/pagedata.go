package site

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/mnist"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/wasm/session"
)

// Page data files, under Out/data: the dictionary menus, the sample
// filters of the explorer and the Figure 4 results.
const (
	MenusFile   = "menus.json"
	FiltersFile = "filters.json"
	Fig4File    = "fig4.json"
)

// writeMenus writes the dictionary menus (session.NewMenus) from the
// table of dictionary kinds.
func writeMenus(dir string) error {
	m, err := session.NewMenus()
	if err != nil {
		return fmt.Errorf("site: menus: %w", err)
	}
	return writeJSON(filepath.Join(dir, MenusFile), m)
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	return nil
}

// Filters is the explorer's sample filters: incoming weights of hidden
// units of a dense network trained by the project's own trainer.
type Filters struct {
	// About says how they were made; Config is FilterConfig, which
	// tells Build whether the file is current.
	About  string          `json:"about"`
	Config json.RawMessage `json:"config"`
	// Units are the units' indices, Weights their 784 weights each,
	// rounded to 4 significant digits.
	Units   []int       `json:"units"`
	Weights [][]float64 `json:"weights"`
}

// FilterConfig is the dense network the sample filters come from: one
// hidden layer, trained for a few epochs with a little weight decay, so
// that the weights of pixels no digit inks decay toward zero instead of
// keeping their random start.
func FilterConfig() *models.Config {
	return &models.Config{
		Name: "explorer-filters", Data: "mnist",
		Layers: []models.LayerConfig{{Type: "dense", Units: 64, Act: "relu"}, {Type: "dense", Units: 10}},
		Train: models.TrainConfig{Epochs: 3, Batch: 50, Seed: 7, TrainExamples: 10000,
			Optimizer: engine.OptimConfig{Kind: "adam", LR: 0.001, WeightDecay: 0.01}},
	}
}

// FilterCount is how many sample filters ship with the page.
const FilterCount = 6

// TrainFilters trains FilterConfig on train and returns the FilterCount
// hidden units with the largest weight norms.
func TrainFilters(train, test *data.Dataset) (*Filters, error) {
	cfg := FilterConfig()
	r, err := models.NewRun(cfg, train, test, models.Env{Threads: 1})
	if err != nil {
		return nil, err
	}
	for !r.Done() {
		if r.Step().EpochEnd {
			r.EndEpoch()
		}
	}
	w, rows, units := r.Model.Weights(0, nil)
	if w == nil || rows != 784 {
		return nil, fmt.Errorf("site: the filter network's first layer has %d rows", rows)
	}
	norms := make([]float64, units)
	for q := 0; q < rows; q++ {
		for j := 0; j < units; j++ {
			norms[j] += float64(w[q*units+j]) * float64(w[q*units+j])
		}
	}
	order := make([]int, units)
	for j := range order {
		order[j] = j
	}
	sort.SliceStable(order, func(a, b int) bool { return norms[order[a]] > norms[order[b]] })
	f := &Filters{About: fmt.Sprintf("hidden units of a 784-%d-10 ReLU network trained by this project for %d epochs on %d MNIST digits (Adam, weight decay %g)",
		cfg.Layers[0].Units, cfg.Train.Epochs, cfg.Train.TrainExamples, cfg.Train.Optimizer.WeightDecay)}
	f.Config, _ = json.Marshal(cfg)
	for _, j := range order[:min(FilterCount, units)] {
		ws := make([]float64, rows)
		for q := range ws {
			ws[q] = round4(float64(w[q*units+j]))
		}
		f.Units = append(f.Units, j)
		f.Weights = append(f.Weights, ws)
	}
	return f, nil
}

// round4 rounds v to 4 significant digits.
func round4(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 4, 64), 64)
	return r
}

// writePageData writes the menus, the sample filters (unless current)
// and, if the reproduction's results are there, the Figure 4 data.
func writePageData(o Options, root string) error {
	dir := filepath.Join(o.Out, "data")
	if err := writeMenus(dir); err != nil {
		return err
	}
	path := filepath.Join(dir, FiltersFile)
	want, _ := json.Marshal(FilterConfig())
	var have Filters
	if b, err := os.ReadFile(path); err != nil || json.Unmarshal(b, &have) != nil || string(have.Config) != string(want) {
		fmt.Fprintf(o.Log, "site: training the explorer's sample filters\n")
		train, test, err := mnist.Load("")
		if err != nil {
			return fmt.Errorf("site: %w", err)
		}
		f, err := TrainFilters(train, test)
		if err != nil {
			return err
		}
		if err := writeJSON(path, f); err != nil {
			return err
		}
	}
	pts, err := Fig4(filepath.Join(root, "docs", "results", "dictionaries"))
	if err != nil {
		fmt.Fprintf(o.Log, "site: no Figure 4 results: %v\n", err)
		pts = nil
	}
	return writeJSON(filepath.Join(dir, Fig4File), map[string]any{
		"about":  "docs/results/dictionaries: the headless reproduction of the paper's Fig. 4 (MNIST 784-500-500-10, 10 epochs)",
		"points": pts,
	})
}

// Fig4Point is one arm at one fraction of the headless reproduction's
// dictionaries experiment (docs/results/dictionaries).
type Fig4Point struct {
	Arm string `json:"arm"`
	// Fraction is the nominal f, Learned the measured fraction learned.
	Fraction float64 `json:"fraction"`
	Learned  float64 `json:"learned"`
	// Error is the mean test error over Seeds runs, Std its standard
	// deviation.
	Error float64 `json:"error"`
	Std   float64 `json:"std"`
	Seeds int     `json:"seeds"`
}

// Fig4 reads the summaries of the dictionaries experiment under dir
// (docs/results/dictionaries) and returns the mean test error per arm
// and fraction.
func Fig4(dir string) ([]Fig4Point, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("site: %w", err)
	}
	type key struct {
		arm  string
		frac float64
	}
	errs := map[key][]float64{}
	learned := map[key]float64{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "summary.json"))
		if err != nil {
			continue
		}
		var s struct {
			Name            string  `json:"name"`
			TestError       float64 `json:"test_error"`
			FractionLearned float64 `json:"fraction_learned"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("site: %s: %w", e.Name(), err)
		}
		// dictionaries.<arm>.f<fraction>.s<seed>
		parts := strings.Split(s.Name, ".")
		if len(parts) < 4 || !strings.HasPrefix(parts[len(parts)-1], "s") {
			continue
		}
		fs := strings.Join(parts[2:len(parts)-1], ".")
		frac, err := strconv.ParseFloat(strings.TrimPrefix(fs, "f"), 64)
		if err != nil {
			continue
		}
		k := key{parts[1], frac}
		errs[k] = append(errs[k], s.TestError)
		learned[k] = s.FractionLearned
	}
	var out []Fig4Point
	for k, v := range errs {
		var mean, sq float64
		for _, x := range v {
			mean += x
		}
		mean /= float64(len(v))
		for _, x := range v {
			sq += (x - mean) * (x - mean)
		}
		std := 0.0
		if len(v) > 1 {
			std = math.Sqrt(sq / float64(len(v)-1))
		}
		out = append(out, Fig4Point{Arm: k.arm, Fraction: k.frac, Learned: learned[k], Error: mean, Std: std, Seeds: len(v)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Arm != out[j].Arm {
			return out[i].Arm < out[j].Arm
		}
		return out[i].Fraction < out[j].Fraction
	})
	return out, nil
}
