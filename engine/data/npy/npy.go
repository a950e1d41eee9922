// Package npy reads data sets saved by NumPy: an .npz archive, or a folder of .npy
// files, holding the arrays x_train, y_train, x_test and y_test. It reads the format
// with the maintained module codeberg.org/sbinet/npyio, after checking each array's
// header against the bytes actually present, so that no header can make it allocate
// more than the input holds.
//
// x arrays are (N, D) for flat examples, (N, H, W) for one-channel images or
// (N, H, W, C) for NHWC images, of any float, integer or unsigned type; their values
// are converted to float32 as they are (scale them yourself). y arrays are (N,) or
// (N, 1) integer class labels, or floats holding integers, all ≥ 0; the number of
// classes is the largest label plus one. Arrays must be in C order.
//
// It must not import any other package of this module but engine/data.
package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"codeberg.org/sbinet/npyio"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/internal/decode"
)

// FormatError reports malformed input (an alias of the readers' shared type).
type FormatError = decode.FormatError

// UnsupportedError reports valid input this reader does not support.
type UnsupportedError = decode.UnsupportedError

// MaxArrayBytes bounds one array's data, whatever its header says.
const MaxArrayBytes = 4 << 30

// Names of the four arrays.
var arrayNames = [4]string{"x_train", "y_train", "x_test", "y_test"}

func formatErr(msg string, args ...any) error {
	return &FormatError{Format: "npy", Msg: fmt.Sprintf(msg, args...)}
}

// IsData reports whether path looks like a NumPy data set: a file ending in .npz, or
// a folder holding x_train.npy.
func IsData(path string) bool {
	if strings.HasSuffix(path, ".npz") {
		return true
	}
	_, err := os.Stat(filepath.Join(path, "x_train.npy"))
	return err == nil
}

// Load reads the data set at path: an .npz file, or a folder holding x_train.npy,
// y_train.npy, x_test.npy and y_test.npy.
func Load(path string) (train, test *data.Dataset, err error) {
	var arrays [4]*array
	if strings.HasSuffix(path, ".npz") {
		arrays, err = readNPZ(path)
	} else {
		for i, name := range arrayNames {
			if arrays[i], err = readNPYFile(filepath.Join(path, name+".npy")); err != nil {
				break
			}
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return datasets(arrays)
}

func readNPZ(path string) (arrays [4]*array, err error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return arrays, fmt.Errorf("%s: %w", path, err)
	}
	defer z.Close()
	for i, name := range arrayNames {
		var f *zip.File
		for _, zf := range z.File {
			if zf.Name == name+".npy" || zf.Name == name { // NumPy adds .npy, npyio does not
				f = zf
			}
		}
		if f == nil {
			return arrays, fmt.Errorf("%s: no array %s (want x_train, y_train, x_test and y_test)", path, name)
		}
		r, err := f.Open()
		if err != nil {
			return arrays, fmt.Errorf("%s: %s: %w", path, name, err)
		}
		arrays[i], err = readArray(r, int64(f.UncompressedSize64))
		r.Close()
		if err != nil {
			return arrays, fmt.Errorf("%s: %s: %w", path, name, err)
		}
	}
	return arrays, nil
}

func readNPYFile(path string) (*array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	a, err := readArray(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// array is one array read and converted to float64 (exact for every type but
// 64-bit integers beyond 2⁵³, which no label or feature reaches).
type array struct {
	shape []int
	data  []float64
}

// readArray reads one .npy stream of size bytes.
func readArray(r io.Reader, size int64) (a *array, err error) {
	// npyio v0.14.0 panics on some malformed headers (one without its
	// final newline, for instance): report those as format errors.
	defer func() {
		if p := recover(); p != nil {
			a, err = nil, formatErr("malformed array header (%v)", p)
		}
	}()
	// The preamble: magic, version, header length. npyio would allocate the header
	// length it reads; check it against size first.
	pre := make([]byte, 10)
	if _, err := io.ReadFull(r, pre); err != nil {
		return nil, formatErr("truncated preamble")
	}
	if !bytes.Equal(pre[:6], npyio.Magic[:]) {
		return nil, formatErr("not a .npy array: starts with %q", pre[:6])
	}
	hlen, skip := int64(binary.LittleEndian.Uint16(pre[8:])), int64(10)
	if pre[6] >= 2 {
		more := make([]byte, 2)
		if _, err := io.ReadFull(r, more); err != nil {
			return nil, formatErr("truncated preamble")
		}
		pre = append(pre, more...)
		hlen, skip = int64(binary.LittleEndian.Uint32(pre[8:])), 12
	}
	if hlen > size-skip || hlen > 1<<20 {
		return nil, formatErr("header of %d bytes in an array of %d", hlen, size)
	}
	rd, err := npyio.NewReader(io.MultiReader(bytes.NewReader(pre), r))
	if err != nil {
		return nil, formatErr("%v", err)
	}
	d := rd.Header.Descr
	if d.Fortran {
		return nil, &UnsupportedError{Format: "npy", Msg: "Fortran-ordered array (save it with numpy.ascontiguousarray)"}
	}
	n := 1
	for _, s := range d.Shape {
		if s < 0 || s > MaxArrayBytes || (s > 0 && n > MaxArrayBytes/s) {
			return nil, formatErr("shape %v is too large", d.Shape)
		}
		n *= s
	}
	item, read := reader(d.Type)
	if read == nil {
		return nil, &UnsupportedError{Format: "npy", Msg: fmt.Sprintf("dtype %q (want a float, integer or unsigned type)", d.Type)}
	}
	if int64(n)*item > size-skip-hlen || int64(n)*item > MaxArrayBytes {
		return nil, formatErr("shape %v of %s needs %d bytes, the array holds %d", d.Shape, d.Type, int64(n)*item, size-skip-hlen)
	}
	vals, err := read(rd)
	if err != nil {
		return nil, formatErr("%v", err)
	}
	if len(vals) != n {
		return nil, formatErr("%d values for shape %v", len(vals), d.Shape)
	}
	return &array{shape: d.Shape, data: vals}, nil
}

// reader returns the item size of a NumPy dtype and a function reading an array of
// it as float64, or a nil function for a dtype this package does not read.
func reader(dtype string) (int64, func(*npyio.Reader) ([]float64, error)) {
	switch strings.TrimLeft(strings.Trim(dtype, "'\""), "<>|=") {
	case "f4":
		return 4, readAs[float32]
	case "f8":
		return 8, readAs[float64]
	case "b1":
		return 1, readBool
	case "u1":
		return 1, readAs[uint8]
	case "i1":
		return 1, readAs[int8]
	case "u2":
		return 2, readAs[uint16]
	case "i2":
		return 2, readAs[int16]
	case "u4":
		return 4, readAs[uint32]
	case "i4":
		return 4, readAs[int32]
	case "u8":
		return 8, readAs[uint64]
	case "i8":
		return 8, readAs[int64]
	}
	return 0, nil
}

func readAs[T float32 | float64 | uint8 | int8 | uint16 | int16 | uint32 | int32 | uint64 | int64](r *npyio.Reader) ([]float64, error) {
	var v []T
	if err := r.Read(&v); err != nil {
		return nil, err
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out, nil
}

func readBool(r *npyio.Reader) ([]float64, error) {
	var v []bool
	if err := r.Read(&v); err != nil {
		return nil, err
	}
	out := make([]float64, len(v))
	for i, x := range v {
		if x {
			out[i] = 1
		}
	}
	return out, nil
}

// datasets checks the four arrays' shapes and builds the training and test sets.
func datasets(a [4]*array) (train, test *data.Dataset, err error) {
	xs, ys := [2]*array{a[0], a[2]}, [2]*array{a[1], a[3]}
	var sets [2]*data.Dataset
	classes := 0
	for s, split := range []string{"train", "test"} {
		x, y := xs[s], ys[s]
		ds := &data.Dataset{Name: "npy " + split, H: 1, W: 1}
		switch len(x.shape) {
		case 2:
			ds.C = x.shape[1]
		case 3:
			ds.H, ds.W, ds.C = x.shape[1], x.shape[2], 1
		case 4:
			ds.H, ds.W, ds.C = x.shape[1], x.shape[2], x.shape[3]
		default:
			return nil, nil, formatErr("x_%s has shape %v, want (N, D), (N, H, W) or (N, H, W, C)", split, x.shape)
		}
		ds.N = x.shape[0]
		if len(y.shape) == 0 || len(y.shape) > 2 || y.shape[0] != ds.N || (len(y.shape) == 2 && y.shape[1] != 1) {
			return nil, nil, formatErr("y_%s has shape %v, want (%d,) to match x_%s", split, y.shape, ds.N, split)
		}
		if ds.N == 0 || ds.Dim() == 0 {
			return nil, nil, formatErr("x_%s is empty (shape %v)", split, x.shape)
		}
		ds.X = make([]float32, len(x.data))
		for i, v := range x.data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, formatErr("x_%s holds a non-finite value at index %d", split, i)
			}
			ds.X[i] = float32(v)
		}
		ds.Y = make([]int32, ds.N)
		for i, v := range y.data {
			if v < 0 || v != math.Trunc(v) || v >= 1<<20 {
				return nil, nil, formatErr("y_%s[%d] = %v, want a class label ≥ 0", split, i, v)
			}
			ds.Y[i] = int32(v)
			classes = max(classes, int(v)+1)
		}
		sets[s] = ds
	}
	if classes < 2 {
		return nil, nil, formatErr("the labels name %d class, want at least 2", classes)
	}
	if sets[0].H != sets[1].H || sets[0].W != sets[1].W || sets[0].C != sets[1].C {
		return nil, nil, formatErr("x_train examples are %d×%d×%d, x_test %d×%d×%d",
			sets[0].H, sets[0].W, sets[0].C, sets[1].H, sets[1].W, sets[1].C)
	}
	for _, ds := range sets {
		ds.Classes = classes
		if err := ds.Validate(); err != nil {
			return nil, nil, err
		}
	}
	return sets[0], sets[1], nil
}
