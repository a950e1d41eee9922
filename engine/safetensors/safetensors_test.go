package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

func sample() *File {
	return &File{
		Metadata: map[string]string{"format": "pt", "config": `{"a": 1}`},
		Tensors: []Tensor{
			{Name: "layers.0.weight", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, -0.25, 1e-30}},
			{Name: "layers.0.bias", Shape: []int{3}, Data: []float32{0.1, 0.2, 0.3}},
			{Name: "scale", Shape: []int{}, Data: []float32{42}},
			{Name: "empty", Shape: []int{0, 5}, Data: []float32{}},
			{Name: "special", Shape: []int{2, 2}, Data: []float32{
				float32(math.Inf(1)), float32(math.NaN()), float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32}},
		},
	}
}

func marshal(t testing.TB, f *File) []byte {
	t.Helper()
	b, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameTensors compares tensors bit for bit.
func sameTensors(t *testing.T, got, want []Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d tensors, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.Name || fmt.Sprint(g.Shape) != fmt.Sprint(w.Shape) || len(g.Data) != len(w.Data) {
			t.Fatalf("tensor %d = %q %v, want %q %v", i, g.Name, g.Shape, w.Name, w.Shape)
		}
		for k := range w.Data {
			if math.Float32bits(g.Data[k]) != math.Float32bits(w.Data[k]) {
				t.Fatalf("tensor %q[%d] = %v, want %v", w.Name, k, g.Data[k], w.Data[k])
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	b := marshal(t, want)
	if hl := binary.LittleEndian.Uint64(b); hl%8 != 0 {
		t.Errorf("header length %d, want a multiple of 8", hl)
	}
	for name, r := range map[string]io.Reader{
		"bytes":          bytes.NewReader(b),
		"unknown length": iotest.HalfReader(bytes.NewReader(b)),
	} {
		got, err := Decode(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameTensors(t, got.Tensors, want.Tensors)
		if fmt.Sprint(got.Metadata) != fmt.Sprint(want.Metadata) {
			t.Fatalf("%s: metadata %v, want %v", name, got.Metadata, want.Metadata)
		}
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, got.Tensors, want.Tensors)
	if p, ok := got.Tensor("layers.0.bias"); !ok || p.Data[2] != 0.3 {
		t.Fatalf("Tensor(layers.0.bias) = %v, %v", p, ok)
	}
	if _, ok := got.Tensor("missing"); ok {
		t.Fatal("Tensor(missing) found")
	}
}

// TestReference decodes a file laid out by hand as the format's specification
// describes it (as the reference Python writer lays it out: keys in any order, header
// padded with spaces), with the dtypes the reader converts.
func TestReference(t *testing.T) {
	le := binary.LittleEndian
	var data []byte
	data = le.AppendUint64(data, math.Float64bits(-1.5)) // F64 "d" [1]
	data = le.AppendUint32(data, math.Float32bits(2.25)) // F32 "a" [1]
	data = le.AppendUint16(data, 0x3c00)                 // F16 "h": 1
	data = le.AppendUint16(data, 0xc000)                 // -2
	data = le.AppendUint16(data, 0x0001)                 // 2⁻²⁴, the smallest subnormal
	data = le.AppendUint16(data, 0x7c00)                 // +Inf
	data = le.AppendUint16(data, 0x3f80)                 // BF16 "b": 1
	data = le.AppendUint16(data, 0xc0a0)                 // -5
	header := `{"b":{"dtype":"BF16","shape":[2],"data_offsets":[20,24]},` +
		`"__metadata__":{"format":"pt"},` +
		`"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},` +
		`"h":{"dtype":"F16","shape":[2,2],"data_offsets":[12,20]},` +
		`"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}  `
	in := le.AppendUint64(nil, uint64(len(header)))
	in = append(append(in, header...), data...)
	f, err := Unmarshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Tensor{
		{Name: "d", Shape: []int{1}, Data: []float32{-1.5}},
		{Name: "a", Shape: []int{1}, Data: []float32{2.25}},
		{Name: "h", Shape: []int{2, 2}, Data: []float32{1, -2, 1.0 / (1 << 24), float32(math.Inf(1))}},
		{Name: "b", Shape: []int{2}, Data: []float32{1, -5}},
	}
	sameTensors(t, f.Tensors, want)
	if f.Metadata["format"] != "pt" {
		t.Fatalf("metadata %v", f.Metadata)
	}
}

func TestDecodeErrors(t *testing.T) {
	le := binary.LittleEndian
	file := func(header string, data int) []byte {
		b := le.AppendUint64(nil, uint64(len(header)))
		return append(append(b, header...), make([]byte, data)...)
	}
	one := `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	tests := []struct {
		name string
		in   []byte
		kind ErrorKind
		msg  string
	}{
		{"empty", nil, Truncated, "header length"},
		{"huge header", le.AppendUint64(nil, 1<<40), Corrupt, "over the limit"},
		{"header past the end", le.AppendUint64(nil, 100), Truncated, "needs 100 bytes"},
		{"not an object", file(`[1,2]`, 0), Corrupt, "not a JSON object"},
		{"bad json", file(`{"w":`, 0), Corrupt, "header"},
		{"trailing json", file(`{} {}`, 0), Corrupt, "after the JSON object"},
		{"duplicate", file(`{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}`, 8), Corrupt, "duplicate"},
		{"unknown field", file(`{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4],"x":1}}`, 4), Corrupt, "want {dtype"},
		{"missing shape", file(`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, 4), Corrupt, "want {dtype"},
		{"int dtype", file(`{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, 8), Unsupported, "I64"},
		{"negative dim", file(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4), Corrupt, "out of range"},
		{"rank", file(`{"w":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}}`, 4), Corrupt, "rank 9"},
		{"shape vs offsets", file(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), Corrupt, "data_offsets"},
		{"hole", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), Corrupt, "holes"},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), Corrupt, "holes"},
		{"metadata not strings", file(`{"__metadata__":{"a":1}}`, 0), Corrupt, "object of strings"},
		{"short data", file(one, 4), Truncated, "needs 8 bytes"},
		{"trailing data", file(one, 12), Corrupt, "trailing"},
		{"huge tensor", file(`{"w":{"dtype":"F32","shape":[65536,65536],"data_offsets":[0,17179869184]}}`, 0), Corrupt, "over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Unmarshal(tt.in)
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.kind || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %v, want a %v error mentioning %q", err, tt.kind, tt.msg)
			}
		})
	}
}

func TestEncodeInvalid(t *testing.T) {
	for name, f := range map[string]*File{
		"nil":       nil,
		"no name":   {Tensors: []Tensor{{Shape: []int{1}, Data: []float32{1}}}},
		"reserved":  {Tensors: []Tensor{{Name: MetadataKey, Shape: []int{1}, Data: []float32{1}}}},
		"duplicate": {Tensors: []Tensor{{Name: "a", Data: []float32{1}}, {Name: "a", Data: []float32{1}}}},
		"short":     {Tensors: []Tensor{{Name: "a", Shape: []int{2}, Data: []float32{1}}}},
	} {
		var b bytes.Buffer
		err := Encode(&b, f)
		var e *Error
		if !errors.As(err, &e) || e.Kind != Invalid || b.Len() != 0 {
			t.Errorf("%s: error %v, %d bytes written; want an Invalid error and nothing written", name, err, b.Len())
		}
	}
	dir := t.TempDir()
	if err := Write(filepath.Join(dir, "x.safetensors"), nil); err == nil {
		t.Fatal("Write(nil) succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("Write left %d files behind", len(entries))
	}
}

func TestHalf(t *testing.T) {
	for _, tt := range []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0x3555, 0.333251953125}, {0x7bff, 65504}, {0x0400, 1.0 / (1 << 14)},
		{0x03ff, 1023.0 / (1 << 24)}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := half(tt.h); got != tt.want {
			t.Errorf("half(%#04x) = %v, want %v", tt.h, got, tt.want)
		}
	}
	if v := half(0x7e00); !math.IsNaN(float64(v)) {
		t.Errorf("half(0x7e00) = %v, want NaN", v)
	}
	if v := half(0x8000); math.Float32bits(v) != 0x80000000 {
		t.Errorf("half(0x8000) = %v, want -0", v)
	}
}
