package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

func nan(bits uint32) float32 { return math.Float32frombits(bits) }

// sample returns a File exercising the format: metadata, several shapes, a scalar, an
// empty tensor and special float values.
func sample() *File {
	return &File{
		Meta: []byte(`{"model":"mlp","step":1200}`),
		Tensors: []Tensor{
			{Name: "layer0/W", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, -0.25, 1e-30}},
			{Name: "layer0/b", Shape: []int{3}, Data: []float32{0.1, 0.2, 0.3}},
			{Name: "scale", Shape: []int{}, Data: []float32{42}},
			{Name: "empty", Shape: []int{0, 5}, Data: []float32{}},
			{Name: "special", Shape: []int{2, 2, 2}, Data: []float32{
				float32(math.Inf(1)), float32(math.Inf(-1)), nan(0x7fc00000), nan(0x7fc00001),
				nan(0xffffffff), nan(0x7f800001), float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32}},
		},
	}
}

func encode(t testing.TB, f *File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sameFile compares two Files bit for bit (NaNs included); nil and empty slices are equal.
func sameFile(t *testing.T, got, want *File) {
	t.Helper()
	if !bytes.Equal(got.Meta, want.Meta) {
		t.Fatalf("Meta = %q, want %q", got.Meta, want.Meta)
	}
	if len(got.Tensors) != len(want.Tensors) {
		t.Fatalf("%d tensors, want %d", len(got.Tensors), len(want.Tensors))
	}
	for i, w := range want.Tensors {
		g := got.Tensors[i]
		if g.Name != w.Name || fmt.Sprint(g.Shape) != fmt.Sprint(w.Shape) || len(g.Data) != len(w.Data) {
			t.Fatalf("tensor %d = %q %v (%d values), want %q %v (%d values)", i, g.Name, g.Shape, len(g.Data), w.Name, w.Shape, len(w.Data))
		}
		for j := range w.Data {
			if math.Float32bits(g.Data[j]) != math.Float32bits(w.Data[j]) {
				t.Fatalf("tensor %q value %d = %#x, want %#x", w.Name, j, math.Float32bits(g.Data[j]), math.Float32bits(w.Data[j]))
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	big := make([]float32, 3*chunkFloats+7) // several read/write chunks
	for i := range big {
		big[i] = float32(i) * 0.5
	}
	tests := []struct {
		name string
		f    *File
	}{
		{"zero tensors", &File{}},
		{"meta only", &File{Meta: []byte(`{}`)}},
		{"empty data", &File{Tensors: []Tensor{{Name: "e", Shape: []int{0}, Data: nil}}}},
		{"scalar", &File{Tensors: []Tensor{{Name: "s", Data: []float32{-1}}}}},
		{"rank 8", &File{Tensors: []Tensor{{Name: "r8", Shape: []int{1, 2, 1, 2, 1, 2, 1, 2}, Data: make([]float32, 16)}}}},
		{"big", &File{Tensors: []Tensor{{Name: "big", Shape: []int{len(big)}, Data: big}}}},
		{"sample", sample()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encode(t, tt.f)
			for how, r := range map[string]io.Reader{
				"bytes":   bytes.NewReader(b),
				"onebyte": iotest.OneByteReader(bytes.NewReader(b)),
			} {
				got, err := Decode(r)
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				sameFile(t, got, tt.f)
			}
			path := filepath.Join(t.TempDir(), "ck.bin")
			if err := Write(path, tt.f); err != nil {
				t.Fatal(err)
			}
			onDisk, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(onDisk, b) {
				t.Fatalf("file differs from Encode's bytes (%v)", err)
			}
			got, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			sameFile(t, got, tt.f)
		})
	}
}

// TestGolden pins the byte layout of format version 1.
func TestGolden(t *testing.T) {
	f := &File{Meta: []byte(`{"a":1}`), Tensors: []Tensor{{Name: "w", Shape: []int{2}, Data: []float32{1, -2}}}}
	le := binary.LittleEndian
	want := []byte("\x89PPCKPT\n")
	want = le.AppendUint32(want, 1)
	want = le.AppendUint32(want, 7)
	want = append(want, `{"a":1}`...)
	want = le.AppendUint32(want, 1)
	want = le.AppendUint32(want, 1)
	want = append(want, 'w')
	want = le.AppendUint32(want, 1)
	want = le.AppendUint64(want, 2)
	want = append(want, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0) // 1.0, -2.0
	want = le.AppendUint32(want, crc32.Checksum(want, crc32.MakeTable(crc32.Castagnoli)))
	if got := encode(t, f); !bytes.Equal(got, want) {
		t.Fatalf("Encode =\n% x\nwant\n% x", got, want)
	}
}

func kindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// TestFlipEveryByte flips each byte of a file: Decode and Read must fail, and Read must
// say which part is damaged.
func TestFlipEveryByte(t *testing.T) {
	good := encode(t, sample())
	path := filepath.Join(t.TempDir(), "ck.bin")
	for i := range good {
		b := bytes.Clone(good)
		b[i] ^= 0x10
		if _, err := Decode(bytes.NewReader(b)); err == nil {
			t.Fatalf("Decode: byte %d flipped: no error", i)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Read(path)
		want := ChecksumMismatch
		switch {
		case i < 8:
			want = NotCheckpoint
		case i < 12:
			want = UnsupportedVersion
		}
		if kindOf(err) != want {
			t.Fatalf("Read: byte %d flipped: err = %v, want kind %v", i, err, want)
		}
	}
	// In the data, even the streaming Decode can only see the checksum.
	b := bytes.Clone(good)
	b[len(b)-10] ^= 1
	_, err := Decode(bytes.NewReader(b))
	if kindOf(err) != ChecksumMismatch || !strings.Contains(err.Error(), "checkpoint: checksum mismatch: stored 0x") {
		t.Fatalf("err = %v, want a checksum mismatch", err)
	}
}

func TestTruncateEverywhere(t *testing.T) {
	good := encode(t, sample())
	path := filepath.Join(t.TempDir(), "ck.bin")
	for n := 0; n < len(good); n++ {
		for how, r := range map[string]io.Reader{
			"bytes":   bytes.NewReader(good[:n]),
			"onebyte": iotest.OneByteReader(bytes.NewReader(good[:n])),
		} {
			_, err := Decode(r)
			if kindOf(err) != Truncated || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("Decode(%s) of %d of %d bytes: err = %v, want kind Truncated", how, n, len(good), err)
			}
		}
		if err := os.WriteFile(path, good[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(path); err == nil {
			t.Fatalf("Read of %d of %d bytes: no error", n, len(good))
		}
	}
	if err := os.WriteFile(path, append(bytes.Clone(good), 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil {
		t.Fatal("Read of a file with a trailing byte: no error")
	}
}

// build assembles a file from raw parts and appends a valid checksum, to test what
// only a well-formed but lying file can reach.
func build(parts ...any) []byte {
	le := binary.LittleEndian
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b = append(b, p...)
		case uint32:
			b = le.AppendUint32(b, p)
		case uint64:
			b = le.AppendUint64(b, p)
		case []byte:
			b = append(b, p...)
		}
	}
	return le.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

func TestDecodeErrors(t *testing.T) {
	one := func(name string, rank uint32, dims ...any) []any { // a tensor header
		return append([]any{uint32(len(name)), name, rank}, dims...)
	}
	hdr := []any{Magic, uint32(1), uint32(0)} // no metadata
	cat := func(parts ...[]any) []any {
		var all []any
		for _, p := range parts {
			all = append(all, p...)
		}
		return all
	}
	tests := []struct {
		name string
		in   []byte
		kind ErrorKind
		msg  string
	}{
		{"text", []byte("hello, world! this is not a checkpoint"), NotCheckpoint,
			`checkpoint: not a checkpoint: starts with "hello, w", want "\x89PPCKPT\n"`},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00"), NotCheckpoint, "not a checkpoint"},
		{"short non-magic", []byte("PK"), NotCheckpoint, `starts with "PK"`},
		{"empty", nil, Truncated, "checkpoint: truncated at byte 0: want 12 bytes of header, got 0"},
		{"future version", build(Magic, uint32(2), uint32(0), uint32(0)), UnsupportedVersion,
			"checkpoint: unsupported format version 2 (this build reads version 1)"},
		{"version 0", build(Magic, uint32(0)), UnsupportedVersion, "unsupported format version 0"},
		{"huge meta", build(Magic, uint32(1), uint32(1<<30)), Corrupt, "metadata length 1073741824 at byte 12, over the limit 67108864"},
		{"meta beyond end", build(Magic, uint32(1), uint32(1000), "{}"), Truncated,
			"truncated: metadata at byte 16 needs 1000 bytes, 2 remain before the checksum"},
		{"huge count", build(cat(hdr, []any{uint32(1 << 30)})...), Corrupt, "tensor count 1073741824 at byte 16, over the limit"},
		{"count beyond end", build(cat(hdr, []any{uint32(1000)})...), Truncated, "1000 tensors at byte 20 needs 9000 bytes"},
		{"empty name", build(cat(hdr, []any{uint32(1)}, one("", 0), []any{make([]byte, 8)})...), Corrupt, "tensor 0: name length 0 at byte 20, want 1 to 4096"},
		{"long name", build(cat(hdr, []any{uint32(1), uint32(5000), make([]byte, 8)})...), Corrupt, "tensor 0: name length 5000"},
		{"rank 9", build(cat(hdr, []any{uint32(1)}, one("w", 9))...), Corrupt, `tensor "w" has rank 9, over the limit 8`},
		{"huge dim", build(cat(hdr, []any{uint32(1)}, one("w", 2, uint64(3), uint64(1<<63)))...), Corrupt,
			`tensor "w": dimension 1 is 9223372036854775808, over the limit 2147483648`},
		{"dim product overflow", build(cat(hdr, []any{uint32(1)}, one("w", 3, uint64(1<<30), uint64(1<<30), uint64(1<<30)))...), Corrupt,
			`tensor "w" has shape [1073741824 1073741824 1073741824]: over 2147483648 elements`},
		{"data beyond end", build(cat(hdr, []any{uint32(1)}, one("w", 2, uint64(1000), uint64(1000)), []any{make([]byte, 40)})...), Truncated,
			`tensor "w" data at byte 45 needs 4000000 bytes, 40 remain`},
		{"duplicate", build(cat(hdr, []any{uint32(2)}, one("w", 0), []any{make([]byte, 4)}, one("w", 0), []any{make([]byte, 4)})...), Corrupt,
			`duplicate tensor name "w"`},
		{"bad checksum", append(build(cat(hdr, []any{uint32(0)})...)[:20], 1, 2, 3, 4), ChecksumMismatch, "checksum mismatch: stored 0x04030201"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tt.in))
			if kindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Decode: err = %v (kind %v), want kind %v and %q", err, kindOf(err), tt.kind, tt.msg)
			}
			// With the length unknown, a lying size is caught later, perhaps as
			// another kind (the checksum read as a size), but caught.
			if _, err = Decode(iotest.HalfReader(bytes.NewReader(tt.in))); kindOf(err) == 0 {
				t.Fatalf("Decode(unknown length): err = %v, want an *Error", err)
			}
		})
	}
}

// TestDecodeNoAbsurdAllocation: a header announcing 8 GiB of data behind a reader of
// unknown length costs a bounded allocation.
func TestDecodeNoAbsurdAllocation(t *testing.T) {
	in := build(Magic, uint32(1), uint32(0), uint32(1), uint32(1), "w", uint32(2), uint64(1<<15), uint64(1<<16), make([]byte, 100))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Decode(iotest.HalfReader(bytes.NewReader(in)))
	runtime.ReadMemStats(&after)
	if kindOf(err) != Truncated {
		t.Fatalf("err = %v, want Truncated", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Fatalf("allocated %d bytes for a %d-byte input", got, len(in))
	}
}

func TestEncodeInvalid(t *testing.T) {
	tests := []struct {
		name string
		f    *File
		msg  string
	}{
		{"nil", nil, "nil File"},
		{"short data", &File{Tensors: []Tensor{{Name: "w", Shape: []int{2, 3}, Data: make([]float32, 5)}}},
			`checkpoint: tensor "w" has shape [2 3] (6 elements) but 5 values`},
		{"scalar without data", &File{Tensors: []Tensor{{Name: "s"}}}, `tensor "s" has shape [] (1 elements) but 0 values`},
		{"negative dim", &File{Tensors: []Tensor{{Name: "w", Shape: []int{-1}}}}, "dimension -1 out of range"},
		{"rank 9", &File{Tensors: []Tensor{{Name: "w", Shape: make([]int, 9)}}}, "rank 9, over the limit 8"},
		{"overflow", &File{Tensors: []Tensor{{Name: "w", Shape: []int{1 << 30, 1 << 30, 1 << 30}}}}, "over 2147483648 elements"},
		{"no name", &File{Tensors: []Tensor{{Shape: []int{0}}}}, "tensor 0: name of 0 bytes, want 1 to 4096"},
		{"long name", &File{Tensors: []Tensor{{Name: strings.Repeat("x", 4097), Shape: []int{0}}}}, "name of 4097 bytes"},
		{"duplicate", &File{Tensors: []Tensor{{Name: "a", Shape: []int{0}}, {Name: "a", Shape: []int{0}}}}, `duplicate tensor name "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Encode(&buf, tt.f)
			if kindOf(err) != Invalid || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want kind Invalid and %q", err, tt.msg)
			}
			if buf.Len() != 0 {
				t.Fatalf("Encode wrote %d bytes of an invalid File", buf.Len())
			}
		})
	}
}

// listDir returns the names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.ckpt")
	old := sample()
	if err := Write(path, old); err != nil {
		t.Fatal(err)
	}
	intact := func(when string) {
		t.Helper()
		got, err := Read(path)
		if err != nil {
			t.Fatalf("%s: old checkpoint unreadable: %v", when, err)
		}
		sameFile(t, got, old)
		if names := listDir(t, dir); len(names) != 1 || names[0] != "model.ckpt" {
			t.Fatalf("%s: folder holds %v, want only model.ckpt", when, names)
		}
	}

	// A write that fails midway, after some bytes reached the temporary file.
	boom := errors.New("disk full")
	err := writeAtomic(path, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte{0xee}, 3<<20)) // more than the buffer: bytes hit the disk
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the write's error", err)
	}
	intact("after a failed write")

	// An invalid File: nothing is replaced.
	bad := &File{Tensors: []Tensor{{Name: "w", Shape: []int{4}, Data: make([]float32, 3)}}}
	if err := Write(path, bad); kindOf(err) != Invalid || !strings.HasPrefix(err.Error(), path+": checkpoint: ") {
		t.Fatalf("Write(invalid) = %v", err)
	}
	intact("after an invalid File")

	// A target that is a folder: the rename fails, the temporary file goes.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(sub, old); err == nil {
		t.Fatal("Write onto a folder: no error")
	}
	os.Remove(sub)
	intact("after writing onto a folder")

	// A folder that does not exist, or is a file.
	for _, p := range []string{filepath.Join(dir, "no", "such.ckpt"), filepath.Join(path, "x.ckpt")} {
		if err := Write(p, old); err == nil {
			t.Fatalf("Write(%s): no error", p)
		}
	}
	intact("after writing into missing folders")

	// An unwritable folder (meaningless for root, who may write anywhere).
	if runtime.GOOS != "js" && runtime.GOOS != "windows" && os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		err := Write(path, &File{})
		os.Chmod(dir, 0o755)
		if err == nil {
			t.Fatal("Write into a read-only folder: no error")
		}
		intact("after writing into a read-only folder")
	} else {
		t.Log("read-only folder case skipped: running as root or without permissions")
	}

	// A successful overwrite replaces the file whole.
	if err := Write(path, &File{Meta: []byte("new")}); err != nil {
		t.Fatal(err)
	}
	if got, err := Read(path); err != nil || string(got.Meta) != "new" || len(got.Tensors) != 0 {
		t.Fatalf("after overwrite: %+v, %v", got, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 && runtime.GOOS != "js" {
		t.Fatalf("mode %v, %v; want 0644", st.Mode(), err)
	}
}

func TestTensorLookup(t *testing.T) {
	f := sample()
	w, ok := f.Tensor("layer0/b")
	if !ok || w.Shape[0] != 3 || w.Data[2] != 0.3 {
		t.Fatalf("Tensor(layer0/b) = %+v, %v", w, ok)
	}
	w.Data[0] = 7 // a pointer into the File
	if f.Tensors[1].Data[0] != 7 {
		t.Fatal("Tensor returned a copy")
	}
	if _, ok := f.Tensor("missing"); ok {
		t.Fatal("Tensor(missing) found something")
	}
}

func TestErrorKindString(t *testing.T) {
	if s := ChecksumMismatch.String(); s != "checksum mismatch" {
		t.Fatal(s)
	}
	if s := ErrorKind(99).String(); s != "ErrorKind(99)" {
		t.Fatal(s)
	}
}

func Example() {
	dir, err := os.MkdirTemp("", "ckpt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.ckpt")
	f := &File{
		Meta:    []byte(`{"arch":"784-500-10"}`),
		Tensors: []Tensor{{Name: "W0", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}},
	}
	if err := Write(path, f); err != nil {
		fmt.Println(err)
		return
	}
	g, err := Read(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	w, _ := g.Tensor("W0")
	fmt.Println(string(g.Meta), w.Shape, w.Data)
	// Output: {"arch":"784-500-10"} [2 2] [1 2 3 4]
}

// TestWriteRemovesStaleTemporaries checks that Write removes the
// temporary files of the same checkpoint left by writers that died (kill
// -9 left them for good), and keeps one a live writer holds locked and
// those of other checkpoints.
func TestWriteRemovesStaleTemporaries(t *testing.T) {
	if !canLock {
		t.Skip("no advisory locks on " + runtime.GOOS + ": temporaries are left alone")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "model.ckpt")
	for _, name := range []string{".model.ckpt.tmp-111", ".model.ckpt.tmp-222", ".other.ckpt.tmp-333", ".model.ckpt.tmp-live"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	live, err := os.Open(filepath.Join(dir, ".model.ckpt.tmp-live"))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if !tryLock(live) {
		t.Fatal("cannot lock the live writer's file")
	}
	if err := Write(path, sample()); err != nil {
		t.Fatal(err)
	}
	want := []string{".model.ckpt.tmp-live", ".other.ckpt.tmp-333", "model.ckpt"}
	if got := listDir(t, dir); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("folder holds %v, want %v", got, want)
	}
}
