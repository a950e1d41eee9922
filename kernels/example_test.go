package kernels_test

import (
	"fmt"

	"github.com/predparams/predparams/kernels"
)

// The SE dictionary of an MNIST first layer split into 5 columns of 150 learned rows each,
// with the paper code's settings.
func ExampleKRR() {
	se := kernels.SE{H: 28, W: 28, C: 1, Length: kernels.PaperSELength}
	alphas, err := kernels.SampleColumns(1, se.Len(), 150, 5)
	if err != nil {
		fmt.Println(err)
		return
	}
	for j, alpha := range alphas {
		u, err := kernels.KRR(se, alpha, kernels.PaperSERidge)
		if err != nil {
			fmt.Println(err)
			return
		}
		if j == 0 {
			fmt.Printf("U_1 is %d×%d\n", len(u)/len(alpha), len(alpha))
		}
	}
	// Output: U_1 is 784×150
}

// KRR reports a singular K(α,α) with a typed error.
func ExampleNotPDError() {
	// Position 1 has zero variance, as a blank MNIST border pixel.
	emp := &kernels.Emp{D: 3, Cov: []float64{
		1, 0, 0.5,
		0, 0, 0,
		0.5, 0, 1,
	}}
	_, err := kernels.KRR(emp, []int{0, 1}, 0)
	fmt.Println(err)
	_, err = kernels.KRR(emp, []int{0, 1}, kernels.PaperEmpRidge)
	fmt.Println(err)
	// Output:
	// kernels: K(α,α)+λI is not positive definite (|α|=2, λ=0): increase the ridge
	// <nil>
}
