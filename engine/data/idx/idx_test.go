package idx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/predparams/predparams/engine/data/datatest"
)

// idxImages builds an IDX image file: header then pix.
func idxImages(magic, n, rows, cols uint32, pix []byte) []byte {
	return datatest.IDX(magic, []uint32{n, rows, cols}, pix)
}

// idxLabels builds an IDX label file: header then labels.
func idxLabels(magic, n uint32, labels []byte) []byte {
	return datatest.IDX(magic, []uint32{n}, labels)
}

// gz compresses b.
func gz(tb testing.TB, b []byte) []byte { return datatest.Gzip(b) }

// seq returns n bytes 0, 1, 2, … (mod 256).
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// readers returns the ways a test feeds input: a bytes.Reader (length known), a
// one-byte-at-a-time reader (length unknown, short reads) and, with gzip, both again
// over the compressed bytes.
func readers(tb testing.TB, b []byte) map[string]func() io.Reader {
	z := gz(tb, b)
	return map[string]func() io.Reader{
		"plain":         func() io.Reader { return bytes.NewReader(b) },
		"plain-onebyte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"gzip":          func() io.Reader { return bytes.NewReader(z) },
		"gzip-onebyte":  func() io.Reader { return iotest.OneByteReader(bytes.NewReader(z)) },
	}
}

func TestReadImages(t *testing.T) {
	const big = 1000000 // 784 MB if it were allocated
	tests := []struct {
		name             string
		in               []byte
		rows, cols       int    // requested size (ReadImagesSize), 0 = any
		want             string // error message; "" = success
		truncated        bool   // the error must wrap io.ErrUnexpectedEOF
		n, gotR, gotCols int
	}{
		{name: "good", in: idxImages(0x803, 3, 2, 3, seq(18)), n: 3, gotR: 2, gotCols: 3},
		{name: "good sized", in: idxImages(0x803, 2, 28, 28, seq(2*784)), rows: 28, cols: 28, n: 2, gotR: 28, gotCols: 28},
		{name: "empty set", in: idxImages(0x803, 0, 28, 28, nil), gotR: 28, gotCols: 28},
		{name: "labels magic", in: idxLabels(0x801, 3, []byte{1, 2, 3}),
			want: "idx: bad magic 0x00000801 for images, want 0x00000803"},
		{name: "garbage", in: []byte("this is not an idx file at all"),
			want: "idx: bad magic 0x74686973 for images, want 0x00000803"},
		{name: "empty input", in: nil,
			want: "idx: truncated: want 4 magic bytes, got 0", truncated: true},
		{name: "short header", in: idxImages(0x803, 1, 1, 1, nil)[:10],
			want: "idx: truncated: want 12 image header bytes after the magic, got 6", truncated: true},
		{name: "truncated pixels", in: idxImages(0x803, 60000, 28, 28, seq(1200)),
			want: "idx: truncated: want 47040000 pixel bytes, got 1200", truncated: true},
		{name: "wrong size", in: idxImages(0x803, 1, 32, 32, seq(1024)), rows: 28, cols: 28,
			want: "idx: image size 32x32, want 28x28"},
		{name: "zero rows", in: idxImages(0x803, 5, 0, 28, nil), want: "idx: bad image size 0x28"},
		{name: "absurd count", in: idxImages(0x803, 0xffffffff, 28, 28, nil),
			want: "idx: header claims 4294967295 images of 28x28, over the 1073741824-byte limit"},
		{name: "absurd image", in: idxImages(0x803, 1, 0xffffffff, 0xffffffff, nil),
			want: "over the 1073741824-byte limit"},
		{name: "big but allowed, absent", in: idxImages(0x803, big, 28, 28, seq(100)),
			want: "idx: truncated: want 784000000 pixel bytes, got 100", truncated: true},
	}
	for _, tt := range tests {
		for how, open := range readers(t, tt.in) {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				var n, rows, cols int
				var pix []byte
				var err error
				if tt.rows > 0 {
					n, pix, err = ReadImagesSize(open(), tt.rows, tt.cols)
					rows, cols = tt.rows, tt.cols
				} else {
					n, rows, cols, pix, err = ReadImages(open())
				}
				if tt.want != "" {
					checkFormatErr(t, err, tt.want, tt.truncated)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if n != tt.n || rows != tt.gotR || cols != tt.gotCols || len(pix) != n*rows*cols {
					t.Fatalf("got %d images of %dx%d, %d bytes; want %d of %dx%d", n, rows, cols, len(pix), tt.n, tt.gotR, tt.gotCols)
				}
				if !bytes.Equal(pix, tt.in[16:]) {
					t.Fatal("pixels differ from the input")
				}
			})
		}
	}
}

func TestReadLabels(t *testing.T) {
	tests := []struct {
		name      string
		in        []byte
		want      string
		truncated bool
	}{
		{name: "good", in: idxLabels(0x801, 4, []byte{0, 9, 3, 200})},
		{name: "empty set", in: idxLabels(0x801, 0, nil)},
		{name: "images magic", in: idxImages(0x803, 1, 1, 1, []byte{0}),
			want: "idx: bad magic 0x00000803 for labels, want 0x00000801"},
		{name: "short header", in: []byte{0, 0, 8, 1, 0},
			want: "idx: truncated: want 4 label header bytes after the magic, got 1", truncated: true},
		{name: "short magic", in: []byte{0, 0, 8},
			want: "idx: truncated: want 4 magic bytes, got 3", truncated: true},
		{name: "truncated", in: idxLabels(0x801, 60000, seq(7)),
			want: "idx: truncated: want 60000 label bytes, got 7", truncated: true},
		{name: "absurd count", in: idxLabels(0x801, 0xfffffff0, nil),
			want: "idx: header claims 4294967280 labels, over the 1073741824 limit"},
	}
	for _, tt := range tests {
		for how, open := range readers(t, tt.in) {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				got, err := ReadLabels(open())
				if tt.want != "" {
					checkFormatErr(t, err, tt.want, tt.truncated)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, tt.in[8:]) {
					t.Fatalf("labels %v, want %v", got, tt.in[8:])
				}
			})
		}
	}
}

// checkFormatErr checks that err is a *FormatError with message want (a prefix of the
// message if want ends in the middle) wrapping io.ErrUnexpectedEOF iff truncated.
func checkFormatErr(t *testing.T, err error, want string, truncated bool) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want *FormatError %q", err, err, want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %q, want %q", err, want)
	}
	if got := errors.Is(err, io.ErrUnexpectedEOF); got != truncated {
		t.Fatalf("errors.Is(%q, io.ErrUnexpectedEOF) = %v, want %v", err, got, truncated)
	}
}

func TestReadGzipErrors(t *testing.T) {
	good := idxLabels(0x801, 300, seq(300))
	z := gz(t, good)

	corrupt := bytes.Clone(z)
	corrupt[len(corrupt)-6] ^= 0xff // inside the CRC-32 trailer
	_, err := ReadLabels(bytes.NewReader(corrupt))
	checkFormatErr(t, err, "idx: corrupt gzip stream", false)

	// A stream cut short, whatever the place: an error, never a panic or success.
	for cut := 0; cut < len(z); cut++ {
		if _, err := ReadLabels(bytes.NewReader(z[:cut])); err == nil {
			t.Fatalf("gzip stream cut at %d of %d bytes: no error", cut, len(z))
		}
	}

	trailing := gz(t, append(bytes.Clone(good), 1, 2, 3))
	_, err = ReadLabels(bytes.NewReader(trailing))
	checkFormatErr(t, err, "idx: trailing data after labels", false)

	// A plain reader is left just after the data, so files can be concatenated.
	r := bytes.NewReader(append(idxImages(0x803, 1, 2, 2, seq(4)), good...))
	if _, _, _, _, err := ReadImages(r); err != nil {
		t.Fatal(err)
	}
	if labels, err := ReadLabels(r); err != nil || len(labels) != 300 {
		t.Fatalf("labels after images: %d, %v", len(labels), err)
	}

	// I/O errors of the underlying reader are returned as such, not as format errors.
	boom := errors.New("disk on fire")
	_, err = ReadLabels(io.MultiReader(bytes.NewReader(good[:20]), iotest.ErrReader(boom)))
	var fe *FormatError
	if !errors.Is(err, boom) || errors.As(err, &fe) {
		t.Fatalf("err = %v, want the reader's error unwrapped", err)
	}
}

// TestReadNoAbsurdAllocation checks that a header announcing 784 MB of pixels, in a
// gzip stream that holds a few bytes, costs only a small allocation.
func TestReadNoAbsurdAllocation(t *testing.T) {
	z := gz(t, idxImages(0x803, 1000000, 28, 28, seq(100)))
	for how, r := range map[string]io.Reader{
		"length known":   bytes.NewReader(z),
		"length unknown": iotest.HalfReader(bytes.NewReader(z)),
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, _, _, err := ReadImages(r)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("%s: no error for a truncated stream", how)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
			t.Fatalf("%s: allocated %d bytes for a %d-byte input", how, got, len(z))
		}
	}
}

func ExampleReadLabels() {
	file := []byte{0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1} // magic 0x801, N = 3, labels 7 2 1
	labels, err := ReadLabels(bytes.NewReader(file))
	fmt.Println(labels, err)
	_, err = ReadLabels(bytes.NewReader(file[:9]))
	fmt.Println(err)
	// Output:
	// [7 2 1] <nil>
	// idx: truncated: want 3 label bytes, got 1
}
