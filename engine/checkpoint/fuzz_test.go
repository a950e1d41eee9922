package checkpoint

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
	"testing/iotest"
)

// FuzzDecode checks that Decode never panics, that whatever it accepts is a valid File
// that encodes back to the same bytes, and that a reader of unknown length agrees.
// Random mutations almost never keep the CRC-32C right, which would leave the decoder's
// structural checks unexplored, so each input is also tried with its last 4 bytes
// replaced by the correct checksum of the bytes before them.
func FuzzDecode(f *testing.F) {
	f.Add(encode(f, sample()))
	f.Add(encode(f, &File{}))
	f.Add(encode(f, &File{Tensors: []Tensor{{Name: "s", Data: []float32{1}}}}))
	f.Add(build(Magic, uint32(1), uint32(0), uint32(1), uint32(1), "w", uint32(2), uint64(1<<15), uint64(1<<16), make([]byte, 16)))
	f.Add(build(Magic, uint32(2)))
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, in []byte) {
		check(t, in)
		if len(in) >= 4 {
			fixed := bytes.Clone(in)
			body := fixed[:len(fixed)-4]
			binary.LittleEndian.PutUint32(fixed[len(body):], crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
			check(t, fixed)
		}
	})
}

func check(t *testing.T, in []byte) {
	got, err := Decode(bytes.NewReader(in))
	if err != nil {
		if kindOf(err) == 0 {
			t.Fatalf("error %v is not an *Error", err)
		}
		return
	}
	var out bytes.Buffer
	if err := Encode(&out, got); err != nil {
		t.Fatalf("decoded File does not encode: %v", err)
	}
	if out.Len() > len(in) || !bytes.Equal(out.Bytes(), in[:out.Len()]) {
		t.Fatal("re-encoding differs from the input")
	}
	again, err := Decode(iotest.HalfReader(bytes.NewReader(in)))
	if err != nil || len(again.Tensors) != len(got.Tensors) {
		t.Fatalf("unknown-length reader: %v", err)
	}
}
