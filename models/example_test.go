package models_test

import (
	"fmt"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/models"
)

// A run starts from a JSON config (the shipped one here: the paper's MLP
// with 5% of its hidden weights learned) and data, and every face drives
// it the same way: Step until an epoch ends, then FinishEpoch, which
// evaluates on the test set. Random MNIST-shaped data stands in for MNIST
// (models/datasets.LoadData reads it) to keep the example quick.
func ExampleNewRun() {
	cfg, err := models.LoadConfig("configs/mnist-mlp-se-emp-5pct.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.Train.Epochs = 2
	train := data.Random(300, 28, 28, 1, 10, 1)
	test := data.Random(100, 28, 28, 1, 10, 2)
	r, err := models.NewRun(cfg, train, test, models.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	a := r.Model.Accounting()
	fmt.Printf("%d hidden weights learned, %.0f%% of the predicted layers' weights\n", a.LearnedWeights, 100*a.FractionLearned)
	steps, examples := 0, 0
	for !r.Done() {
		res := r.Step()
		steps++
		examples += res.Examples
		if res.EpochEnd {
			m := r.FinishEpoch()
			fmt.Printf("epoch %d: %d steps, %d examples\n", m.Epoch, steps, examples)
		}
	}
	fmt.Println("test examples:", r.Summary().TestN)
	// Output:
	// 32000 hidden weights learned, 5% of the predicted layers' weights
	// epoch 1: 3 steps, 300 examples
	// epoch 2: 6 steps, 600 examples
	// test examples: 100
}
