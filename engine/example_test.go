package engine_test

import (
	"fmt"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gemm"
)

// A Net is built from layers over one flat parameter buffer; a forward
// pass, the loss's gradient at the output and a backward pass leave the
// gradient of every parameter in Net.Grad, at the same offsets as
// Net.Data.
func ExampleNewNet() {
	layers := []engine.Layer{
		&engine.Dense{Out: 8, Act: engine.ReLU},
		&engine.Dense{Out: 3},
	}
	net, err := engine.NewNet(engine.Flat(4), layers, 2, gemm.Simple{}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	net.Init(1)
	x := []float32{ // two examples of 4 inputs
		0.5, -1, 0, 2,
		1, 1, -0.5, 0,
	}
	y := []int32{2, 0}
	logits := net.Forward(x, 2)
	loss := engine.SoftmaxCrossEntropy(net.OutputGrad(2), logits, y, 2, 3)
	net.Backward(x, 2, false)
	nonzero := 0
	for _, g := range net.Grad {
		if g != 0 {
			nonzero++
		}
	}
	fmt.Printf("%d parameters, output %v, loss %.2f\n", len(net.Data), net.Out(), loss)
	fmt.Printf("%d of them have a nonzero gradient\n", nonzero)
	// Output:
	// 67 parameters, output 1x1x3, loss 1.26
	// 39 of them have a nonzero gradient
}
