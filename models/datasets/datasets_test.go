package datasets

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
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
		{"fsdd-mixed", "needs the FSDD folder"},
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

// TestMixedOrder checks that MixedOrder is a permutation fixed by its
// seed, and pins the order of "fsdd-mixed" (stored results depend on it:
// a change here moves their validation sets).
func TestMixedOrder(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 2700} {
		o := MixedOrder(n, FSDDMixSeed)
		seen := make([]bool, n)
		for _, j := range o {
			if j < 0 || j >= n || seen[j] {
				t.Fatalf("n=%d: %v is not a permutation", n, o)
			}
			seen[j] = true
		}
		if len(o) != n {
			t.Fatalf("n=%d: %d indices", n, len(o))
		}
	}
	o := MixedOrder(2700, FSDDMixSeed)
	head, tail := []int{1338, 1552, 2636, 1415, 1185, 1966, 2457, 1270}, []int{319, 498, 958, 1413, 965, 834, 1613, 1140}
	if !slices.Equal(o[:8], head) || !slices.Equal(o[2692:], tail) {
		t.Errorf("order of fsdd-mixed: starts %v, ends %v; want %v, %v", o[:8], o[2692:], head, tail)
	}
	if slices.Equal(MixedOrder(2700, FSDDMixSeed+1), o) {
		t.Error("another seed gives the same order")
	}
}

// TestReorder checks that Reorder moves each example's values and label
// together into a copy, and panics on an index list that is not a
// permutation.
func TestReorder(t *testing.T) {
	ds := &data.Dataset{Name: "t", N: 3, H: 1, W: 2, C: 1, Classes: 3, Y: []int32{0, 1, 2}, X: []float32{0, 1, 10, 11, 20, 21}}
	got := Reorder(ds, []int{2, 0, 1})
	if !slices.Equal(got.X, []float32{20, 21, 0, 1, 10, 11}) || !slices.Equal(got.Y, []int32{2, 0, 1}) || got.Validate() != nil {
		t.Errorf("reordered: X %v, Y %v", got.X, got.Y)
	}
	if ds.X[0] != 0 || ds.Y[0] != 0 {
		t.Error("Reorder changed its input")
	}
	for _, bad := range [][]int{{0, 1}, {0, 0, 1}, {0, 1, 3}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("order %v: no panic", bad)
				}
			}()
			Reorder(ds, bad)
		}()
	}
}

// TestLoadFSDDMixed checks "fsdd-mixed" against "fsdd": the same test
// set, the same training examples (values and labels) in MixedOrder, and
// a validation tail of 300 clips that holds every digit and speaker.
func TestLoadFSDDMixed(t *testing.T) {
	dir := os.Getenv(fsdd.DirEnv)
	if dir == "" {
		t.Skipf("$%s not set", fsdd.DirEnv)
	}
	train, test, err := LoadData("fsdd", dir)
	if err != nil {
		t.Fatal(err)
	}
	mtrain, mtest, err := LoadData("fsdd-mixed", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mtest.X, test.X) || !slices.Equal(mtest.Y, test.Y) || mtest.N != 300 {
		t.Error("the test sets of fsdd and fsdd-mixed differ")
	}
	order := MixedOrder(train.N, FSDDMixSeed)
	k := train.Dim()
	if mtrain.N != train.N || mtrain.Dim() != k || mtrain.Validate() != nil {
		t.Fatalf("fsdd-mixed: %d examples of %d values, fsdd: %d of %d", mtrain.N, mtrain.Dim(), train.N, k)
	}
	for i, j := range order {
		if mtrain.Y[i] != train.Y[j] || !slices.Equal(mtrain.X[i*k:(i+1)*k], train.X[j*k:(j+1)*k]) {
			t.Fatalf("training example %d of fsdd-mixed is not example %d of fsdd", i, j)
		}
	}
	trc, _, err := fsdd.LoadClips(dir)
	if err != nil {
		t.Fatal(err)
	}
	const tail = 300
	digits, speakers, cells := map[int]int{}, map[string]int{}, map[string]bool{}
	for _, j := range order[len(order)-tail:] {
		c := trc[j]
		if int32(c.Digit) != train.Y[j] {
			t.Fatalf("clip %d: digit %d, label %d", j, c.Digit, train.Y[j])
		}
		digits[c.Digit]++
		speakers[c.Speaker]++
		cells[fmt.Sprintf("%d/%s", c.Digit, c.Speaker)] = true
	}
	all := map[string]bool{}
	for _, c := range trc {
		all[c.Speaker] = true
	}
	// RESULTS.md's section on tuned-fsdd states all three.
	if len(digits) != 10 || len(speakers) != len(all) || len(cells) != 10*len(all) {
		t.Errorf("the last %d training clips hold %d digits, %d of %d speakers and %d of %d speaker-digit pairs", tail, len(digits), len(speakers), len(all), len(cells), 10*len(all))
	}
	t.Logf("last %d training clips: digits %v, speakers %v, %d of %d speaker-digit pairs", tail, digits, speakers, len(cells), 10*len(all))
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
