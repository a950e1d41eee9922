package main

import (
	"fmt"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/kernels"
	"github.com/predparams/predparams/models"
)

// Experiment names: results folders under docs/results.
const (
	nameDictionaries  = "dictionaries"
	nameColumns       = "columns"
	nameBudgets       = "budgets"
	nameConvnet       = "convnet"
	nameFSDD          = "fsdd"
	nameRecipe        = "recipe"
	nameCompute       = "compute"
	nameCommunication = "communication"
)

// dictPair is a layer-1–layer-2 dictionary pair of the MNIST MLP.
type dictPair struct{ arm, l1, l2 string }

// dictPairs are the pairs of the paper's Fig. 4 (left) and the reviewers'
// two controls, SE–rand and Emp–Emp.
var dictPairs = []dictPair{
	{"LowRank", "lowrank", "lowrank"},
	{"RandCon", "randcon", "randcon"},
	{"RandFixU", "randfixu", "randfixu"},
	{"SE–Emp", "se", "emp"},
	{"SE–Emp2", "se", "emp2"},
	{"SE–rand", "se", "randfixu"},
	{"Emp–Emp", "emp", "emp"},
}

// armDense is the arm name of the ordinary dense 784-500-500-10 net.
const armDense = "dense"

// predictedMLP returns the run of the modern-arm MNIST MLP 784-500-500-10
// (ReLU, Adam) whose hidden layers use dictionaries l1 and l2 at fraction
// frac with J columns, owned by experiment exp.
func predictedMLP(exp, arm string, v variant, l1, l2 string, frac float64, columns, seed int) *Run {
	hidden := []layerSpec{
		{mnistHidden, predict(l1, frac, columns)},
		{mnistHidden, predict(l2, frac, columns)},
	}
	c := mlp(runName(exp, arm, frac, seed), "mnist", "relu", hidden, trainConfig(v, seed))
	return trainRun(exp, arm, frac, seed, c)
}

// denseMLP returns the run of the dense 784-500-500-10 baseline of the
// modern arm (owned by the dictionaries experiment; point 1: everything
// learned).
func denseMLP(v variant, seed int) *Run {
	hidden := []layerSpec{{mnistHidden, nil}, {mnistHidden, nil}}
	c := mlp(runName(nameDictionaries, armDense, 1, seed), "mnist", "relu", hidden, trainConfig(v, seed))
	return trainRun(nameDictionaries, armDense, 1, seed, c)
}

func (v variant) fractions() []float64 { return pick(v, fullFractions, quickFractions) }

func expDictionaries() *experiment {
	e := &experiment{name: nameDictionaries, title: "Dictionaries (the paper's Fig. 4, left) with the reviewers' SE–rand and Emp–Emp"}
	e.runs = func(v variant) []*Run {
		var runs []*Run
		for _, seed := range v.seeds(3) {
			for _, p := range dictPairs {
				for _, f := range v.fractions() {
					runs = append(runs, predictedMLP(nameDictionaries, p.arm, v, p.l1, p.l2, f, 1, seed))
				}
			}
			runs = append(runs, denseMLP(v, seed))
		}
		return runs
	}
	e.report = reportDictionaries
	return e
}

// columnCounts are the J of the columns experiment, and columnFractions
// its points: up to 0.5, since a step's cost grows with J·f (J = 10 at
// f = 1 trains 15 times slower than J = 1) and at high fractions every
// column already sees most inputs.
var (
	columnCounts    = []int{1, 5, 10}
	columnFractions = []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.5}
)

// columnsRun returns the SE–Emp run with J columns; J = 1 is the
// dictionaries experiment's.
func columnsRun(v variant, columns int, frac float64, seed int) *Run {
	if columns == 1 {
		r := predictedMLP(nameDictionaries, "SE–Emp", v, "se", "emp", frac, 1, seed)
		r.Arm = "J=1"
		return r
	}
	arm := fmt.Sprintf("J=%d", columns)
	return predictedMLP(nameColumns, arm, v, "se", "emp", frac, columns, seed)
}

func expColumns() *experiment {
	e := &experiment{name: nameColumns, title: "Columns: J ∈ {1, 5, 10} for SE–Emp"}
	e.runs = func(v variant) []*Run {
		var runs []*Run
		for _, seed := range v.seeds(3) {
			for _, j := range pick(v, columnCounts, []int{1, 5}) {
				for _, f := range pick(v, columnFractions, quickFractions) {
					runs = append(runs, columnsRun(v, j, f, seed))
				}
			}
		}
		return runs
	}
	e.report = reportColumns
	return e
}

// budgetFractions are the fractions of the SE–Emp net whose learned counts
// set the budgets of the budgets experiment.
var budgetFractions = []float64{0.05, 0.1, 0.2, 0.5}

// pcaComponents is the number of principal components of the PCA-input
// arm.
const pcaComponents = 50

// Arms of the budgets experiment.
const (
	armPredicted   = "SE–Emp (predicted)"
	armPredicted5  = "SE–Emp, J=5"
	armDCT         = "DCT–Emp (predicted)"
	armPCADict     = "PCA–Emp (predicted)"
	armNarrow      = "dense, narrower"
	armPCAInput    = "PCA-50 input, dense"
	armDown14      = "14×14 input, dense"
	armDown7       = "7×7 input, dense"
	budgetClasses  = 10
	budgetHidden   = mnistHidden
	budgetPCAInput = "mnist-pca50"
)

// budgetRuns returns the runs at the budget of the SE–Emp net at fraction
// frac: the predicted nets and the dense nets sized to the same number of
// trained parameters.
func budgetRuns(v variant, frac float64, seed int) []*Run {
	budget := predictedTrainable(mnistInputs, budgetHidden, frac)
	pred := predictedMLP(nameDictionaries, "SE–Emp", v, "se", "emp", frac, 1, seed)
	pred.Arm = armPredicted
	runs := []*Run{pred}
	if !v.quick {
		p5 := predictedMLP(nameColumns, "J=5", v, "se", "emp", frac, 5, seed)
		p5.Arm = armPredicted5
		runs = append(runs, p5)
	}
	dct := predictedMLP(nameBudgets, armDCT, v, "dct", "emp", frac, 1, seed)
	pca := predictedMLP(nameBudgets, armPCADict, v, "pca", "emp", frac, 1, seed)
	runs = append(runs, dct, pca)
	narrow := func(arm, data string, nin int) *Run {
		h := widthFor(nin, budgetClasses, budget)
		c := mlp(runName(nameBudgets, arm, frac, seed), data, "relu",
			[]layerSpec{{h, nil}, {h, nil}}, trainConfig(v, seed))
		return trainRun(nameBudgets, arm, frac, seed, c)
	}
	runs = append(runs,
		narrow(armNarrow, "mnist", mnistInputs),
		narrow(armPCAInput, budgetPCAInput, pcaComponents),
		narrow(armDown14, "mnist14", 14*14),
		narrow(armDown7, "mnist7", 7*7),
	)
	return runs
}

func expBudgets() *experiment {
	e := &experiment{name: nameBudgets, title: "Equal learned weights: predicting against shrinking, PCA, downsampling and DCT"}
	e.runs = func(v variant) []*Run {
		var runs []*Run
		for _, seed := range v.seeds(3) {
			for _, f := range pick(v, budgetFractions, []float64{0.05}) {
				runs = append(runs, budgetRuns(v, f, seed)...)
			}
		}
		return runs
	}
	e.report = reportBudgets
	return e
}

// Convnet experiment settings.
var convFractions = []float64{0.1, 0.25, 0.5, 0.75, 1}

const (
	convEpochs        = 3
	convQuickExamples = 2000
	// convLongEpochs is the training length of the shipped convnet
	// configs: the full variant also trains dense and f = 0.25 this long,
	// because three epochs measure how fast a net learns more than where
	// it ends.
	convLongEpochs   = 12
	convLongFraction = 0.25
)

// Arms of the convnet experiment.
const (
	armConvSE        = "SE (predicted)"
	armConvSELong    = "SE (predicted), 12 epochs"
	armConvDenseLong = "dense, 12 epochs"
)

// convRun returns a run of the MNIST convnet of
// models/configs/mnist-conv-dense.json (conv 20 5×5, pool 2, conv 50 5×5,
// pool 2, dense 500, softmax; ReLU, Adam) with, unless frac is 0, its two
// conv layers and its dense hidden layer predicted from SE dictionaries
// (channels independent: a channel mask) at fraction frac, trained for
// convEpochs, or convLongEpochs when long.
func convRun(v variant, frac float64, seed int, long bool) *Run {
	arm := armConvSE
	if long {
		arm = armConvSELong
	}
	var p func(length float64) *models.PredictConfig
	if frac > 0 {
		p = func(length float64) *models.PredictConfig {
			c := predict("se", frac, 1)
			c.Length = length
			return c
		}
	} else {
		arm, frac = armDense, 1
		if long {
			arm = armConvDenseLong
		}
		p = func(float64) *models.PredictConfig { return nil }
	}
	t := trainConfig(v, seed)
	t.Epochs = convEpochs
	if long {
		t.Epochs = convLongEpochs
	}
	if v.quick {
		t.Epochs, t.TrainExamples = 1, convQuickExamples
	}
	c := &models.Config{
		Name: runName(nameConvnet, arm, frac, seed), Data: "mnist", Train: t,
		Layers: []models.LayerConfig{
			{Type: "conv", Filters: 20, K: 5, Act: "relu", Predict: p(kernels.PaperConvLength)},
			{Type: "maxpool", K: 2},
			{Type: "conv", Filters: 50, K: 5, Act: "relu", Predict: p(kernels.PaperConvLength)},
			{Type: "maxpool", K: 2},
			{Type: "dense", Units: 500, Act: "relu", Predict: p(kernels.PaperSELength)},
			{Type: "dense", Units: 10},
		},
	}
	return trainRun(nameConvnet, arm, frac, seed, c)
}

func expConvnet() *experiment {
	e := &experiment{name: nameConvnet, title: "Convnet on MNIST (the paper's Fig. 5 \"75% predicted\", CIFAR-10 replaced)"}
	e.runs = func(v variant) []*Run {
		var runs []*Run
		for _, seed := range v.seeds(3) {
			for _, f := range pick(v, convFractions, []float64{0.25}) {
				runs = append(runs, convRun(v, f, seed, false))
			}
			runs = append(runs, convRun(v, 0, seed, false))
			if !v.quick {
				runs = append(runs, convRun(v, convLongFraction, seed, true), convRun(v, 0, seed, true))
			}
		}
		return runs
	}
	e.report = reportConvnet
	return e
}

// Recipe experiment settings (method.md §8, §9).
var recipeFractions = []float64{0.05, 0.2, 0.5}

// recipePretrainEpochs is the autoencoder epochs per hidden layer of the
// paper recipe (as models/configs/mnist-mlp-paper-recipe.json; the paper
// code used 50).
const recipePretrainEpochs = 10

// Arms of the recipe experiment.
const (
	armModern        = "modern: ReLU, Adam, no pretraining"
	armModernDense   = "modern, dense"
	armFaithful      = "paper: sigmoid, AE pretraining, SGD"
	armFaithfulDense = "paper recipe, dense"
)

// paperSGD returns the paper code's fine-tuning optimizer for the MNIST
// sweep: SGD lr 0.01, momentum 0.7, lr divided by 1.00004 per update,
// weight decay 5e-5, column norms capped at 1.9365.
func paperSGD() engine.OptimConfig {
	return engine.OptimConfig{Kind: "sgd", LR: 0.01, LRDecay: 1.00004, MinLR: 1e-6, Momentum: 0.7,
		WeightDecay: 5e-5, MaxNorm: 1.9365}
}

// paperPretrain returns the paper code's autoencoder pretraining: SGD lr
// 0.1, momentum 0.7, lr divided by 1.00004 per update, column norms
// capped at 1.9365.
func paperPretrain(epochs int) *models.PretrainConfig {
	return &models.PretrainConfig{Epochs: epochs, Optimizer: engine.OptimConfig{Kind: "sgd", LR: 0.1,
		LRDecay: 1.00004, MinLR: 1e-6, Momentum: 0.7, MaxNorm: 1.9365}}
}

// faithfulRun returns the paper-recipe run: sigmoid 784-500-500-10,
// layer-wise autoencoder pretraining, SGD fine-tuning; SE–Emp with the
// layer-2 covariance taken after pretraining layer 1 (frac > 0), or dense.
func faithfulRun(v variant, frac float64, seed int) *Run {
	arm, point := armFaithful, frac
	var hidden []layerSpec
	if frac > 0 {
		l2 := predict("emp", frac, 1)
		l2.Source = "pretrained"
		hidden = []layerSpec{{mnistHidden, predict("se", frac, 1)}, {mnistHidden, l2}}
	} else {
		arm, point = armFaithfulDense, 1
		hidden = []layerSpec{{mnistHidden, nil}, {mnistHidden, nil}}
	}
	t := trainConfig(v, seed)
	t.Optimizer = paperSGD()
	t.Pretrain = paperPretrain(pick(v, recipePretrainEpochs, 1))
	c := mlp(runName(nameRecipe, arm, point, seed), "mnist", "sigmoid", hidden, t)
	// The paper code's initialisation and constraints: V (or W) uniform
	// ±0.1 with column norms capped, the softmax uniform ±0.02.
	for i := range c.Layers {
		c.Layers[i].MaxNorm = i < len(c.Layers)-1
		c.Layers[i].InitScale = 0.1
	}
	c.Layers[len(c.Layers)-1].InitScale = 0.02
	return trainRun(nameRecipe, arm, point, seed, c)
}

func expRecipe() *experiment {
	e := &experiment{name: nameRecipe, title: "Training recipe: the paper's (sigmoid, AE pretraining, SGD) against a modern one (ReLU, Adam)"}
	e.runs = func(v variant) []*Run {
		var runs []*Run
		for _, seed := range v.seeds(3) {
			for _, f := range pick(v, recipeFractions, []float64{0.2}) {
				m := predictedMLP(nameDictionaries, "SE–Emp", v, "se", "emp", f, 1, seed)
				m.Arm = armModern
				runs = append(runs, m, faithfulRun(v, f, seed))
			}
			d := denseMLP(v, seed)
			d.Arm = armModernDense
			runs = append(runs, d, faithfulRun(v, 0, seed))
		}
		return runs
	}
	e.report = reportRecipe
	return e
}
