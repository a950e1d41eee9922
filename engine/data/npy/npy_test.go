package npy

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNumPyFiles reads archives written by NumPy itself (testdata, made with
// numpy.savez_compressed and numpy.savez): flat float64 features with int64
// labels, and NHWC uint8 images with int32 and (N, 1) int16 labels.
func TestNumPyFiles(t *testing.T) {
	train, test, err := Load("testdata/numpy.npz")
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 4 || test.N != 2 || train.Dim() != 3 || train.H != 1 || train.Classes != 3 || test.Classes != 3 {
		t.Fatalf("train %d×%d×%d×%d, test %d, classes %d", train.N, train.H, train.W, train.C, test.N, train.Classes)
	}
	if want := []float32{0.5, -1, 2, 1.5, 0, -2.5, 3, 1, 0.25, 0, 0, 1}; !slices.Equal(train.X, want) {
		t.Fatalf("x_train %v, want %v", train.X, want)
	}
	if !slices.Equal(train.Y, []int32{0, 1, 2, 1}) || !slices.Equal(test.Y, []int32{2, 0}) {
		t.Fatalf("labels %v %v", train.Y, test.Y)
	}
	train, test, err = Load("testdata/images.npz")
	if err != nil {
		t.Fatal(err)
	}
	if train.H != 2 || train.W != 3 || train.C != 2 || train.X[5] != 5 || test.X[0] != 1 || test.Y[0] != 1 || train.Classes != 2 {
		t.Fatalf("images: %+v", train)
	}
}

// npyFile returns a version-1 .npy file of the given dtype and shape whose
// payload is data.
func npyFile(dtype string, shape []int, fortran bool, payload []byte) []byte {
	dims := ""
	for _, d := range shape {
		dims += fmt.Sprintf("%d, ", d)
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }", dtype, map[bool]string{false: "False", true: "True"}[fortran], dims)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	return append(append(b, h...), payload...)
}

func f32(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func i64(v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return b
}

// write saves the arrays as an .npz archive and as a folder of .npy files.
func write(t *testing.T, arrays map[string][]byte) (npzPath, dir string) {
	t.Helper()
	dir = t.TempDir()
	npzPath = filepath.Join(dir, "d.npz")
	f, err := os.Create(npzPath)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for name, b := range arrays {
		w, err := z.Create(name + ".npy")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
		if err := os.WriteFile(filepath.Join(dir, name+".npy"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return npzPath, dir
}

func good() map[string][]byte {
	return map[string][]byte{
		"x_train": npyFile("<f4", []int{3, 2}, false, f32(1, 2, 3, 4, 5, 6)),
		"y_train": npyFile("<i8", []int{3}, false, i64(0, 1, 3)),
		"x_test":  npyFile("<f4", []int{1, 2}, false, f32(7, 8)),
		"y_test":  npyFile("<i8", []int{1}, false, i64(1)),
	}
}

func TestBothForms(t *testing.T) {
	npzPath, dir := write(t, good())
	for _, p := range []string{npzPath, dir} {
		if !IsData(p) {
			t.Fatalf("IsData(%s) = false", p)
		}
		train, test, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if train.N != 3 || train.C != 2 || train.Classes != 4 || !slices.Equal(train.X, []float32{1, 2, 3, 4, 5, 6}) ||
			!slices.Equal(test.Y, []int32{1}) || test.X[1] != 8 {
			t.Fatalf("%s: train %+v test %+v", p, train, test)
		}
	}
	if IsData(t.TempDir()) {
		t.Fatal("IsData(empty folder) = true")
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name        string
		array       string
		file        []byte
		unsupported bool
		msg         string
	}{
		{"not npy", "x_train", []byte("PK not a numpy file at all"), false, "not a .npy"},
		{"empty", "x_train", nil, false, "truncated"},
		{"huge header", "x_train", append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0x7f), false, "header of"},
		{"huge shape", "x_train", npyFile("<f4", []int{1 << 30, 1 << 30}, false, nil), false, "too large"},
		{"short data", "x_train", npyFile("<f4", []int{3, 2}, false, f32(1, 2)), false, "needs 24 bytes"},
		{"fortran", "x_train", npyFile("<f4", []int{3, 2}, true, f32(1, 2, 3, 4, 5, 6)), true, "Fortran"},
		{"strings", "x_train", npyFile("<U3", []int{1}, false, make([]byte, 12)), true, "dtype"},
		{"1-d x", "x_train", npyFile("<f4", []int{6}, false, f32(1, 2, 3, 4, 5, 6)), false, "want (N, D)"},
		{"label count", "y_train", npyFile("<i8", []int{2}, false, i64(0, 1)), false, "want (3,)"},
		{"negative label", "y_train", npyFile("<i8", []int{3}, false, i64(0, -1, 1)), false, "class label"},
		{"fractional label", "y_train", npyFile("<f4", []int{3}, false, f32(0, 0.5, 1)), false, "class label"},
		{"nan feature", "x_test", npyFile("<f4", []int{1, 2}, false, f32(float32(math.NaN()), 1)), false, "non-finite"},
		{"test width", "x_test", npyFile("<f4", []int{1, 3}, false, f32(1, 2, 3)), false, "x_test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arrays := good()
			arrays[tt.array] = tt.file
			npzPath, dir := write(t, arrays)
			for _, p := range []string{npzPath, dir} {
				_, _, err := Load(p)
				var fe *FormatError
				var ue *UnsupportedError
				typed := errors.As(err, &fe) && !tt.unsupported || errors.As(err, &ue) && tt.unsupported
				if !typed || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("%s: error %v, want a typed error mentioning %q", filepath.Base(p), err, tt.msg)
				}
			}
		})
	}
	if _, _, err := Load(filepath.Join(t.TempDir(), "missing.npz")); err == nil {
		t.Fatal("missing file: no error")
	}
	arrays := good()
	delete(arrays, "y_test")
	npzPath, _ := write(t, arrays)
	if _, _, err := Load(npzPath); err == nil || !strings.Contains(err.Error(), "no array y_test") {
		t.Fatalf("missing array: %v", err)
	}
}
