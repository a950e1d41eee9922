package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/models/datasets"
)

// variant selects the full grid or its quick version, and says which
// optional data is present.
type variant struct {
	quick bool
	// fsdd is the FSDD folder, "" when it is absent.
	fsdd string
	// wallpapers is the folder of plasma-workspace-wallpapers' photographs
	// (photo.Wallpapers), "" when they are absent.
	wallpapers string
}

// An experiment is a named set of runs and the section of RESULTS.md that
// reports them.
type experiment struct {
	name, title string
	// needsFSDD marks the experiment that is skipped, not failed, when the
	// FSDD folder is absent.
	needsFSDD bool
	// wallpaperArms marks the experiment whose arms on photographs'
	// patches are skipped, not failed, when the wallpapers are absent.
	wallpaperArms bool
	// runs returns the experiment's runs in v; they may be owned by other
	// experiments (Run.Exp).
	runs func(v variant) []*Run
	// tuned, set for the tuned grid's experiments, returns the runs
	// that t can list now: the tuning runs, and the final runs of the
	// families t resolves from stored tuning results.
	tuned func(v variant, t *tuner) []*Run
	// report writes the experiment's section.
	report func(s *section)
	// placeholder, if set, says why the experiment defines no runs yet.
	placeholder string
}

// runsWith returns the experiment's runs that t can list.
func (e *experiment) runsWith(v variant, t *tuner) []*Run {
	if e.tuned != nil {
		return e.tuned(v, t)
	}
	return e.runs(v)
}

// experiments returns every experiment in report order.
func experiments() []*experiment {
	return []*experiment{
		expDictionaries(),
		expColumns(),
		expBudgets(),
		expConvnet(),
		expFSDD(),
		expRecipe(),
		expCompute(),
		expCommunication(),
		expTunedMLP(),
		expTunedBudgets(),
		expTunedConvnet(),
		expTunedEmpSource(),
		expQLength(),
		expQColumns(),
		expQUpsample(),
		expQBases(),
		expQGrow(),
		expQAlternate(),
		expQRICA(),
		expQFashion(),
		expTunedFSDD(),
	}
}

// untunedRuns is the runs function of a tuned experiment where no
// results are at hand: its tuning runs (of the families that need no
// other family's selection).
func untunedRuns(e *experiment) func(v variant) []*Run {
	return func(v variant) []*Run { return e.tuned(v, newTuner(v, nil)) }
}

// tunedExperiment reports whether e belongs to the tuned grid.
func (e *experiment) isTuned() bool { return e.tuned != nil }

// experimentNames lists the experiment names for messages.
func experimentNames() string {
	var names []string
	for _, e := range experiments() {
		names = append(names, e.name)
	}
	return strings.Join(names, ", ")
}

// selectExperiments returns the experiments a command names: one name or
// "all".
func selectExperiments(name string) ([]*experiment, error) {
	all := experiments()
	if name == "all" {
		return all, nil
	}
	for _, e := range all {
		if e.name == name {
			return []*experiment{e}, nil
		}
	}
	return nil, fmt.Errorf("unknown experiment %q (want all, %s)", name, experimentNames())
}

// seeds returns the seeds of a variant: 1, 2, 3 in full, 1 in quick; n
// overrides the full count.
func (v variant) seeds(n int) []int {
	if v.quick {
		return []int{1}
	}
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}

// pick returns full or quick.
func pick[T any](v variant, full, quick T) T {
	if v.quick {
		return quick
	}
	return full
}

// Training schedules shared by the MNIST experiments.
const (
	mnistEpochs      = 10   // full: 10 epochs of all 60,000 training images
	quickEpochs      = 2    // quick: 2 epochs …
	quickExamples    = 3000 // … of the first 3,000 images
	mnistTrainN      = 60000
	mnistHidden      = 500
	mnistInputs      = 784
	defaultBatchSize = 100
)

// fractions of the dictionaries and columns experiments: about 8 points
// from 0.02 to 1.
var fullFractions = []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1}

// quickFractions are the quick variant's two points.
var quickFractions = []float64{0.05, 0.3}

// adam is the modern arm's optimizer, as tuned in
// models/configs/mnist-mlp-dense.json: lr 0.002 divided by 1.0006 per
// update (by about 36 over 10 epochs of MNIST).
func adam() engine.OptimConfig {
	return engine.OptimConfig{Kind: "adam", LR: 0.002, LRDecay: 1.0006, MinLR: 1e-5}
}

// trainConfig returns the modern training schedule of a variant for the
// MNIST experiments.
func trainConfig(v variant, seed int) models.TrainConfig {
	t := models.TrainConfig{Epochs: mnistEpochs, Batch: defaultBatchSize, Seed: uint64(seed), Optimizer: adam()}
	if v.quick {
		t.Epochs, t.TrainExamples = quickEpochs, quickExamples
	}
	return t
}

// layerSpec is a hidden layer of an MLP: its width and, if predicted,
// its dictionary.
type layerSpec struct {
	units   int
	predict *models.PredictConfig
}

// predict returns a predicted layer's config: dictionary dict at fraction
// learned frac with J columns. The kernel settings are written out (the
// paper code's, models.PaperSettings) so that a config keeps its meaning
// if the models package's defaults change.
func predict(dict string, frac float64, columns int) *models.PredictConfig {
	p := &models.PredictConfig{Dict: dict, Fraction: frac}
	if columns > 1 {
		p.Columns = columns
	}
	models.PaperSettings(p, false)
	return p
}

// mlp returns the config of an MLP on data with the given hidden layers,
// activation act and a dense softmax.
func mlp(name, data, act string, hidden []layerSpec, t models.TrainConfig) *models.Config {
	c := &models.Config{Name: name, Data: data, Train: t}
	for _, h := range hidden {
		c.Layers = append(c.Layers, models.LayerConfig{Type: "dense", Units: h.units, Act: act, Predict: h.predict})
	}
	c.Layers = append(c.Layers, models.LayerConfig{Type: "dense", Units: 10})
	return c
}

// runName returns a config name for a run: experiment, arm, point, seed.
func runName(exp, arm string, point float64, seed int) string {
	s := exp + "." + slug(arm)
	if point != 0 {
		s += fmt.Sprintf(".f%g", point)
	}
	return s + fmt.Sprintf(".s%d", seed)
}

// slug lowercases s and keeps letters, digits and dashes.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.':
			b.WriteRune(r)
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// trainRun wraps a training config as a Run and estimates its cost.
func trainRun(exp, arm string, point float64, seed int, c *models.Config) *Run {
	return &Run{Exp: exp, Kind: kindTrain, Config: c, Arm: arm, Point: point, Seed: seed, Cost: trainCost(c)}
}

// inputShape returns the example shape and training-set size of a data
// set name, for cost estimates and parameter counts.
func inputShape(data string) (engine.Shape, int) {
	data = strings.Replace(data, "fashion", "mnist", 1) // same sizes
	switch {
	case data == "mnist14":
		return engine.Shape{H: 14, W: 14, C: 1}, mnistTrainN
	case data == "mnist7":
		return engine.Shape{H: 7, W: 7, C: 1}, mnistTrainN
	case strings.HasPrefix(data, "mnist-pca"):
		var k int
		fmt.Sscanf(data, "mnist-pca%d", &k)
		return engine.Shape{H: 1, W: 1, C: k}, mnistTrainN
	case data == "fsdd" || data == "fsdd-mixed":
		return engine.Shape{H: datasets.FSDDFrames, W: 32, C: 1}, 2700
	case data == "fsdd-mfcc":
		return engine.Shape{H: datasets.FSDDFrames, W: datasets.FSDDMFCCs, C: 1}, 2700
	}
	return engine.Shape{H: 28, W: 28, C: 1}, mnistTrainN
}

// trainCost estimates a training run's multiply-adds: three times the
// forward pass of the dense-equivalent net, per example and epoch, plus
// as much again per pretraining epoch and layer, plus a fixed start-up
// cost (loading data, building dictionaries, evaluating).
func trainCost(c *models.Config) float64 {
	in, n := inputShape(c.Data)
	if c.Train.TrainExamples > 0 && c.Train.TrainExamples < n {
		n = c.Train.TrainExamples
	}
	macs := 0.0
	shape := in
	for _, l := range c.Layers {
		switch l.Type {
		case "dense":
			macs += float64(shape.Size() * l.Units)
			shape = engine.Shape{H: 1, W: 1, C: l.Units}
		case "conv":
			s := max(l.Stride, 1)
			h, w := (shape.H+2*l.Pad-l.K)/s+1, (shape.W+2*l.Pad-l.K)/s+1
			macs += float64(h * w * l.K * l.K * shape.C * l.Filters)
			shape = engine.Shape{H: h, W: w, C: l.Filters}
		case "maxpool":
			s := l.Stride
			if s == 0 {
				s = l.K
			}
			shape = engine.Shape{H: (shape.H-l.K)/s + 1, W: (shape.W-l.K)/s + 1, C: shape.C}
		}
	}
	epochs := float64(c.Train.Epochs)
	if p := c.Train.Pretrain; p != nil {
		epochs += float64(p.Epochs * (len(c.Layers) - 1))
	}
	const startup = 2e9
	return 3*macs*float64(n)*epochs + startup
}

// Parameter counts of MLPs, for sizing the reviewers' baselines.

// nAlpha returns n_α for a fraction of n_v inputs, as models rounds it.
func nAlpha(frac float64, nv int) int { return max(1, int(math.Round(frac*float64(nv)))) }

// mlpTrainable returns every trained number of an MLP nin-h…-classes with
// dense layers: weights and biases.
func mlpTrainable(nin int, hidden []int, classes int) int {
	total, prev := 0, nin
	for _, h := range append(append([]int(nil), hidden...), classes) {
		total += prev*h + h
		prev = h
	}
	return total
}

// predictedTrainable returns every trained number of the MNIST-shaped MLP
// nin-500-500-10 whose two hidden layers are predicted at fraction frac:
// n_α·units of V per layer plus biases and the dense softmax.
func predictedTrainable(nin, hidden int, frac float64) int {
	return nAlpha(frac, nin)*hidden + hidden + nAlpha(frac, hidden)*hidden + hidden + hidden*10 + 10
}

// widthFor returns the width h of an MLP nin-h-h-classes whose trainable
// count is closest to budget.
func widthFor(nin, classes, budget int) int {
	best, bestDiff := 1, math.MaxInt
	for h := 1; h <= 4096; h++ {
		d := mlpTrainable(nin, []int{h, h}, classes) - budget
		if d < 0 {
			d = -d
		}
		if d < bestDiff {
			best, bestDiff = h, d
		}
	}
	return best
}
