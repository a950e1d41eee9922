package models

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/predparams/predparams/engine/data"
)

// DataNames describes the data set names LoadData accepts.
const DataNames = "mnist, mnist14, mnist7, mnist-pcaK (K principal components, 1 ≤ K ≤ 784), fsdd, fsdd-mfcc, or table (your own data: -data FILE.npz, or a folder of .npy or .csv files)"

// LoadData returns the training and test sets named by a config's Data
// field. dir overrides where the files are read from ("" is the default
// location of each data set; FSDD has none, so "fsdd" needs dir).
//
//   - "mnist" (or ""): 28×28 MNIST, pixels in [0, 1].
//   - "mnist14", "mnist7": MNIST average-pooled over 2×2 or 4×4 blocks
//     (the reviewers' downsampled inputs).
//   - "mnist-pcaK": MNIST projected on the K leading principal components
//     of the training images, centred, not whitened: a flat 1×1×K input.
//   - "fsdd": the Free Spoken Digit Dataset as 32 frames × 32 log-mel
//     bands per clip (see FSDDFeatures); "fsdd-mfcc": 32 frames × 13 MFCCs.
//   - "table": your own data, read from dir (see data_table.go); dir in a
//     generic format is read as such for "" and "mnist" too.
func LoadData(name, dir string) (train, test *data.Dataset, err error) {
	if load, err := tableLoader(dir); err != nil || load != nil {
		if err != nil {
			return nil, nil, err
		}
		return loadTable(name, dir, load)
	}
	switch {
	case name == "" || name == "mnist":
		return data.LoadMNIST(dir)
	case name == "mnist14" || name == "mnist7":
		train, test, err = data.LoadMNIST(dir)
		if err != nil {
			return nil, nil, err
		}
		f := 2
		if name == "mnist7" {
			f = 4
		}
		return AvgPool(train, f), AvgPool(test, f), nil
	case strings.HasPrefix(name, "mnist-pca"):
		k, err := strconv.Atoi(strings.TrimPrefix(name, "mnist-pca"))
		if err != nil || k < 1 || k > 784 {
			return nil, nil, fmt.Errorf("data set %q: want mnist-pcaK with 1 ≤ K ≤ 784", name)
		}
		train, test, err = data.LoadMNIST(dir)
		if err != nil {
			return nil, nil, err
		}
		return ProjectPCA(train, test, k)
	case name == "table":
		return nil, nil, fmt.Errorf("data set table needs -data: an .npz file, or a folder of x_train.npy, y_train.npy, x_test.npy, y_test.npy or of train.csv and test.csv")
	case name == "fsdd" || name == "fsdd-mfcc":
		if dir == "" {
			return nil, nil, fmt.Errorf("data set %s needs the FSDD folder (headless -data DIR, or $%s for the tools that read it)", name, data.FSDDDirEnv)
		}
		return LoadFSDD(dir, name == "fsdd-mfcc")
	}
	return nil, nil, fmt.Errorf("unknown data set %q (want %s)", name, DataNames)
}
