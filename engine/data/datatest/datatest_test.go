package datatest_test

import (
	"testing"

	"github.com/predparams/predparams/engine/data/datatest"
	"github.com/predparams/predparams/engine/data/mnist"
)

// TestMNISTDir checks that the MNIST loader reads the folder, and
// rejects it when the training images are broken.
func TestMNISTDir(t *testing.T) {
	for _, tc := range []struct {
		name    string
		images  []byte
		wantErr bool
	}{
		{"default", nil, false},
		{"wrong magic", datatest.IDX(0x801, []uint32{4, 28, 28}, make([]byte, 4*784)), true},
		{"truncated", datatest.Images(4)[:1000], true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			train, test, err := mnist.Load(datatest.MNISTDir(t, tc.images))
			if (err != nil) != tc.wantErr {
				t.Fatalf("mnist.Load: %v, want an error: %v", err, tc.wantErr)
			}
			if err == nil && (train.N != 4 || test.N != 4 || train.Y[2] != 3) {
				t.Errorf("read %d and %d examples, train label 2 = %d", train.N, test.N, train.Y[2])
			}
		})
	}
}
