package npy

import (
	"bytes"
	"testing"
)

// FuzzReadArray checks that no .npy input makes the reader panic or accept an array
// whose values disagree with its shape.
func FuzzReadArray(f *testing.F) {
	for _, b := range good() {
		f.Add(b)
	}
	f.Add(npyFile("|u1", []int{2, 2}, false, []byte{1, 2, 3, 4}))
	f.Add(npyFile("|b1", []int{2}, false, []byte{0, 1}))
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := readArray(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			return
		}
		n := 1
		for _, d := range a.shape {
			n *= d
		}
		if n != len(a.data) {
			t.Fatalf("shape %v with %d values", a.shape, len(a.data))
		}
	})
}
