package gemm_test

import (
	"fmt"

	"github.com/predparams/predparams/engine/gemm"
)

// Every implementation computes C = α·op(A)·op(B) + β·C over row-major
// float32 slices with leading dimensions; gemm.Best picks the fastest for
// the target and thread count.
func ExampleImpl() {
	a := []float32{ // 2×3
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{ // 3×2
		1, 0,
		0, 1,
		1, 1,
	}
	c := make([]float32, 2*2)
	var g gemm.Impl = gemm.Best(1)
	g.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2) // C = A·B
	fmt.Println(c)
	g.Sgemm(true, false, 3, 2, 2, 1, a, 3, c, 2, 0, b, 2) // B = Aᵀ·C
	fmt.Println(b)
	// Output:
	// [4 5 10 11]
	// [44 49 58 65 72 81]
}
