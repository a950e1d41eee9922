package safetensors

import (
	"bytes"
	"errors"
	"testing"
	"testing/iotest"
)

// FuzzDecode checks that Decode never panics, that its errors are *Error values, that
// whatever it accepts encodes and decodes back to the same tensors, and that a reader
// of unknown length accepts it too.
func FuzzDecode(f *testing.F) {
	f.Add(marshal(f, sample()))
	f.Add(marshal(f, &File{}))
	f.Add(marshal(f, &File{Tensors: []Tensor{{Name: "s", Data: []float32{1}}}}))
	f.Add([]byte("\x40\x00\x00\x00\x00\x00\x00\x00" + `{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}        ` + "\x00\x3c\x00\xc0"))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := Unmarshal(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		out, err := Marshal(got)
		if err != nil {
			t.Fatalf("decoded File does not encode: %v", err)
		}
		again, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("re-encoded File does not decode: %v", err)
		}
		sameTensors(t, again.Tensors, got.Tensors)
		half, err := Decode(iotest.HalfReader(bytes.NewReader(in)))
		if err != nil || len(half.Tensors) != len(got.Tensors) {
			t.Fatalf("unknown-length reader: %v", err)
		}
	})
}
