package datasets

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/datatest"
	"github.com/predparams/predparams/engine/data/fsdd"
)

func TestAvgPool(t *testing.T) {
	ds := &data.Dataset{Name: "t", N: 1, H: 2, W: 4, C: 2, Classes: 2, Y: []int32{1},
		// (y, x, c): channel 0 counts 0…7, channel 1 is 10× channel 0.
		X: []float32{0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60, 7, 70}}
	tests := []struct {
		f    int
		want []float32
		h, w int
	}{
		{1, ds.X, 2, 4},
		{2, []float32{2.5, 25, 4.5, 45}, 1, 2},
	}
	for _, tt := range tests {
		got := AvgPool(ds, tt.f)
		if got.H != tt.h || got.W != tt.w || got.C != 2 || got.Validate() != nil {
			t.Fatalf("f=%d: shape %d×%d×%d (%v)", tt.f, got.H, got.W, got.C, got.Validate())
		}
		for i := range tt.want {
			if got.X[i] != tt.want[i] {
				t.Fatalf("f=%d: %v, want %v", tt.f, got.X, tt.want)
			}
		}
	}
}

func TestProjectPCA(t *testing.T) {
	// Points on a line through (1, 1, 1) plus a small second direction:
	// one component keeps almost all the variance, all three keep it all.
	ds := &data.Dataset{Name: "t", N: 6, H: 1, W: 1, C: 3, Classes: 2, Y: make([]int32, 6)}
	for i := 0; i < ds.N; i++ {
		s, e := float32(i), float32(i%2)*0.1
		ds.X = append(ds.X, s+e, s-e, s+2)
	}
	variance := func(d *data.Dataset) float64 {
		k := d.Dim()
		v := 0.0
		for j := 0; j < k; j++ {
			m := 0.0
			for n := 0; n < d.N; n++ {
				m += float64(d.X[n*k+j])
			}
			m /= float64(d.N)
			for n := 0; n < d.N; n++ {
				x := float64(d.X[n*k+j]) - m
				v += x * x
			}
		}
		return v
	}
	total := variance(ds)
	for _, k := range []int{1, 3} {
		tr, te, err := ProjectPCA(ds, ds, k)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Dim() != k || te.N != ds.N {
			t.Fatalf("k=%d: dim %d", k, tr.Dim())
		}
		got := variance(tr)
		if k == 3 && math.Abs(got-total) > 1e-3*total {
			t.Errorf("all components keep variance %v, want %v", got, total)
		}
		if k == 1 && got < 0.99*total {
			t.Errorf("the leading component keeps %v of %v", got, total)
		}
	}
	if _, _, err := ProjectPCA(ds, ds, 4); err == nil {
		t.Error("4 components of 3 inputs: no error")
	}
}

func TestLoadDataBadNames(t *testing.T) {
	tests := []struct{ name, want string }{
		{"cifar10", "unknown data set"},
		{"mnist-pca0", "1 ≤ K ≤ 784"},
		{"mnist-pcaX", "1 ≤ K ≤ 784"},
		{"fashion-pca785", "want fashion-pcaK"},
		{"fashion28", "unknown data set"},
		{"fsdd", "needs the FSDD folder"},
	}
	for _, tt := range tests {
		_, _, err := LoadData(tt.name, "")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadData(%q): %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestLoadFSDD(t *testing.T) {
	dir := os.Getenv(fsdd.DirEnv)
	if dir == "" {
		t.Skipf("$%s not set", fsdd.DirEnv)
	}
	for _, mfcc := range []bool{false, true} {
		train, test, err := LoadFSDD(dir, mfcc)
		if err != nil {
			t.Fatal(err)
		}
		width := 32
		if mfcc {
			width = FSDDMFCCs
		}
		if train.N != 2700 || test.N != 300 || train.H != FSDDFrames || train.W != width || train.Validate() != nil {
			t.Fatalf("mfcc=%v: %d train, %d test of %d×%d×%d", mfcc, train.N, test.N, train.H, train.W, train.C)
		}
		for _, v := range train.X {
			if math.IsNaN(float64(v)) || math.Abs(float64(v)) > 50 {
				t.Fatalf("mfcc=%v: feature %v", mfcc, v)
			}
		}
	}
}

// TestLoadFashion reads Fashion-MNIST from a folder in its file format
// (a small one written here) under its own set names, and from Debian's
// package when it is installed.
func TestLoadFashion(t *testing.T) {
	dir := datatest.MNISTDir(t, nil)
	train, test, err := LoadData("fashion", dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.Name != "fashion-train" || test.Name != "fashion-test" || train.N != 4 || test.N != 4 || train.Classes != 10 {
		t.Fatalf("%s: %d, %s: %d, %d classes", train.Name, train.N, test.Name, test.N, train.Classes)
	}
	if _, _, err := LoadData("fashion", filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "dataset-fashion-mnist") {
		t.Fatalf("a missing folder: %v", err)
	}
	// The derived sets: pooled to 14×14 and 7×7, projected on K
	// components, from the same folder.
	for _, d := range []struct {
		name string
		dim  int
	}{{"fashion14", 14 * 14}, {"fashion7", 7 * 7}, {"fashion-pca3", 3}} {
		tr, te, err := LoadData(d.name, dir)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Dim() != d.dim || te.Dim() != d.dim || tr.N != 4 || te.N != 4 {
			t.Errorf("%s: %d and %d inputs, %d and %d examples; want %d inputs, 4 examples", d.name, tr.Dim(), te.Dim(), tr.N, te.N, d.dim)
		}
	}
	if _, err := os.Stat(FashionDir); err != nil {
		t.Skipf("%s: %v (apt-get install dataset-fashion-mnist)", FashionDir, err)
	}
	train, test, err = LoadData("fashion", "")
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 60000 || test.N != 10000 {
		t.Fatalf("Debian's Fashion-MNIST: %d and %d examples", train.N, test.N)
	}
}
