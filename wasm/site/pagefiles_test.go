package site

import (
	"path/filepath"
	"testing"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/models/datasets"
)

// TestPageSubsetLoadsNatively writes a data subset as Build does and reads
// it back with datasets.LoadData, as headless -data static/data does to
// evaluate a model downloaded from the page on the page's own digits.
func TestPageSubsetLoadsNatively(t *testing.T) {
	if datasets.PageFiles != [4]string{TrainImages, TrainLabels, TestImages, TestLabels} {
		t.Fatalf("datasets.PageFiles %v, the page writes %v", datasets.PageFiles, []string{TrainImages, TrainLabels, TestImages, TestLabels})
	}
	dir := t.TempDir()
	train, test := data.Random(30, 28, 28, 1, 10, 1), data.Random(20, 28, 28, 1, 10, 2)
	for i, ds := range []*data.Dataset{train, test} {
		img, lab := EncodeIDX(ds, DefaultLevels)
		if err := writeGzip(filepath.Join(dir, datasets.PageFiles[2*i]), img); err != nil {
			t.Fatal(err)
		}
		if err := writeGzip(filepath.Join(dir, datasets.PageFiles[2*i+1]), lab); err != nil {
			t.Fatal(err)
		}
	}
	gotTrain, gotTest, err := datasets.LoadData("mnist", dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, pair := range [][2]*data.Dataset{{train, gotTrain}, {test, gotTest}} {
		want, got := pair[0], pair[1]
		if got.N != want.N || got.Dim() != 784 || got.Classes != 10 {
			t.Fatalf("set %d: %d examples of %d values, %d classes", i, got.N, got.Dim(), got.Classes)
		}
		img, _ := EncodeIDX(want, DefaultLevels)
		for k, x := range got.X {
			if x != float32(img[16+k])/255 {
				t.Fatalf("set %d, pixel %d: %v, want %v", i, k, x, float32(img[16+k])/255)
			}
		}
		for k := range got.Y {
			if got.Y[k] != want.Y[k] {
				t.Fatalf("set %d, label %d: %d, want %d", i, k, got.Y[k], want.Y[k])
			}
		}
	}
}
