package main

import (
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/models/datasets"
)

// FSDD experiment settings: 32 frames × 32 log-mel bands = 1024 inputs,
// 1024-500-500-10 MLPs, 40 epochs of the 2,700 training clips.
var fsddFractions = []float64{0.05, 0.1, 0.2, 0.5}

const (
	fsddEpochs      = 40
	fsddQuickEpochs = 10
	fsddSeeds       = 5
	fsddInputs      = datasets.FSDDFrames * 32
	fsddData        = "fsdd"
)

// fsddPairs are the predicted arms: the data-driven dictionaries the
// reviewers asked to see on data without image topology, and SE over the
// (time, mel band) map as a second arm.
var fsddPairs = []dictPair{
	{"Emp–Emp", "emp", "emp"},
	{"Emp2–Emp2", "emp2", "emp2"},
	{"SE–Emp", "se", "emp"},
}

// fsddTrain returns the FSDD training schedule.
func fsddTrain(v variant, seed int) models.TrainConfig {
	return models.TrainConfig{Epochs: pick(v, fsddEpochs, fsddQuickEpochs), Batch: defaultBatchSize,
		Seed: uint64(seed), Optimizer: adam()}
}

func fsddRun(v variant, arm string, frac float64, hidden []layerSpec, seed int) *Run {
	c := mlp(runName(nameFSDD, arm, frac, seed), fsddData, "relu", hidden, fsddTrain(v, seed))
	return trainRun(nameFSDD, arm, frac, seed, c)
}

func expFSDD() *experiment {
	e := &experiment{name: nameFSDD, needsFSDD: true,
		title: "Non-image data: spoken digits (FSDD) with Emp and Emp2 dictionaries"}
	e.runs = func(v variant) []*Run {
		if v.fsdd == "" {
			return nil
		}
		var runs []*Run
		pairs := pick(v, fsddPairs, fsddPairs[:1])
		for _, seed := range pick(v, v.seeds(fsddSeeds), []int{1}) {
			for _, f := range pick(v, fsddFractions, []float64{0.1}) {
				for _, p := range pairs {
					hidden := []layerSpec{{mnistHidden, predict(p.l1, f, 1)}, {mnistHidden, predict(p.l2, f, 1)}}
					runs = append(runs, fsddRun(v, p.arm, f, hidden, seed))
				}
				h := widthFor(fsddInputs, 10, predictedTrainable(fsddInputs, mnistHidden, f))
				runs = append(runs, fsddRun(v, armNarrow, f, []layerSpec{{h, nil}, {h, nil}}, seed))
			}
			runs = append(runs, fsddRun(v, armDense, 1, []layerSpec{{mnistHidden, nil}, {mnistHidden, nil}}, seed))
		}
		return runs
	}
	e.report = reportFSDD
	return e
}
