package engine

import (
	"testing"

	"github.com/predparams/predparams/engine/gemm"
)

// TestLayerStep checks that the step runs the layer's backward (its
// gradients fill), allocates nothing, and that a layer that cannot be set
// up gives an error.
func TestLayerStep(t *testing.T) {
	ctx := &Context{Gemm: gemm.Naive{}, Threads: 1}
	for _, tc := range []struct {
		name      string
		layer     Layer
		in        int
		inputGrad bool
		wantErr   bool
	}{
		{"dense, first layer", &Dense{Out: 5, Act: ReLU}, 7, false, false},
		{"dense, input gradient", &Dense{Out: 3, Act: Tanh}, 4, true, false},
		{"zero units", &Dense{Out: 0}, 4, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step, err := LayerStep(ctx, tc.layer, tc.in, 3, tc.inputGrad, 1)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want one: %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if allocs := testing.AllocsPerRun(5, step); allocs != 0 {
				t.Errorf("%v allocations per step", allocs)
			}
			w := tc.layer.Params()[0].Grad
			nonzero := 0
			for _, g := range w {
				if g != 0 {
					nonzero++
				}
			}
			if nonzero == 0 {
				t.Error("the step left the weight gradient at zero")
			}
		})
	}
}
