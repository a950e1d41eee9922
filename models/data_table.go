package models

import (
	"fmt"
	"strings"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/csv"
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
