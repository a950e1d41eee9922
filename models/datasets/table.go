package datasets

import (
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/csv"
	"github.com/predparams/predparams/engine/data/idx"
	"github.com/predparams/predparams/engine/data/npy"
)

// A data set of one's own: LoadData reads dir in a generic format when dir
// is an .npz file, a folder of x_train.npy, y_train.npy, x_test.npy and
// y_test.npy (package engine/data/npy), or a folder holding train.csv and
// test.csv (package engine/data/csv). The config's data name must then be
// "table", "" or "mnist" (MNIST saved as NumPy arrays, say): the other
// names transform MNIST or FSDD.
//
// Flat examples (1×1×D, as CSV gives and (N, D) arrays) have no spatial
// topology, so the se and dct dictionaries and conv layers need an image
// grid ((N, H, W) or (N, H, W, C) arrays); emp, emp2, pca, ae, randfixu,
// randcon and lowrank work on any input.

// tableLoader returns the reader of the data set at dir, or nil when dir
// is not in a generic format.
func tableLoader(dir string) (func(string) (train, test *data.Dataset, err error), error) {
	switch {
	case dir == "":
		return nil, nil
	case npy.IsData(dir):
		return npy.Load, nil
	case csv.IsData(dir):
		return csv.Load, nil
	case isPageSubset(dir):
		return loadPageSubset, nil
	case strings.HasSuffix(dir, ".csv") || strings.HasSuffix(dir, ".npy"):
		return nil, fmt.Errorf("-data %s: a CSV data set is a folder holding train.csv and test.csv, a NumPy one an .npz file or a folder of x_train.npy, y_train.npy, x_test.npy, y_test.npy", dir)
	}
	return nil, nil
}

// loadTable reads the data set at dir with load, for the config's data
// name.
func loadTable(name, dir string, load func(string) (*data.Dataset, *data.Dataset, error)) (train, test *data.Dataset, err error) {
	switch name {
	case "", "mnist", "table":
	default:
		return nil, nil, fmt.Errorf("data set %q is derived from MNIST or FSDD, but -data %s brings its own data: set the config's data to \"table\"", name, dir)
	}
	return load(dir)
}

// PageFiles are the file names of the browser page's MNIST subset (the
// data/ folder of static/, written by wasm/site, whose test checks that
// the names agree): -data static/data evaluates a model downloaded from
// the page on the page's own digits.
var PageFiles = [4]string{"train-images.idx.gz", "train-labels.idx.gz", "test-images.idx.gz", "test-labels.idx.gz"}

func isPageSubset(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, PageFiles[2]))
	return err == nil
}

// loadPageSubset reads the page's subset: 28×28 digits, x/255 as the page
// decodes them.
func loadPageSubset(dir string) (train, test *data.Dataset, err error) {
	var sets [2]*data.Dataset
	for s, name := range []string{"page train", "page test"} {
		var b [2][]byte
		for k := range b {
			path := filepath.Join(dir, PageFiles[2*s+k])
			f, err := os.Open(path)
			if err != nil {
				return nil, nil, err
			}
			z, err := gzip.NewReader(f)
			if err == nil {
				if k == 0 {
					_, b[k], err = idx.ReadImagesSize(z, 28, 28)
				} else {
					b[k], err = idx.ReadLabels(z)
				}
			}
			f.Close()
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		n := len(b[1])
		if len(b[0]) != n*784 {
			return nil, nil, fmt.Errorf("%s: %d images, %d labels", dir, len(b[0])/784, n)
		}
		ds := &data.Dataset{Name: name, N: n, H: 28, W: 28, C: 1, Classes: 10, X: make([]float32, len(b[0])), Y: make([]int32, n)}
		for i, p := range b[0] {
			ds.X[i] = float32(p) / 255
		}
		for i, l := range b[1] {
			ds.Y[i] = int32(l)
		}
		if err := ds.Validate(); err != nil {
			return nil, nil, err
		}
		sets[s] = ds
	}
	return sets[0], sets[1], nil
}
