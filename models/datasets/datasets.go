package datasets

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/fsdd"
	"github.com/predparams/predparams/engine/data/mnist"
)

// DataNames describes the data set names LoadData accepts.
const DataNames = "mnist, mnist14, mnist7, mnist-pcaK (K principal components, 1 ≤ K ≤ 784), fashion (and fashion14, fashion7, fashion-pcaK), fsdd, fsdd-mfcc, fsdd-mixed (fsdd with its training clips in a fixed pseudo-random order), or table (your own data: -data FILE.npz, or a folder of .npy or .csv files)"

// FashionDir is where Debian's dataset-fashion-mnist package installs
// Fashion-MNIST, the default folder of the "fashion" data set.
const FashionDir = "/usr/share/datasets/fashion-mnist"

// LoadData returns the training and test sets named by a config's Data
// field. dir overrides where the files are read from ("" is the default
// location of each data set; FSDD has none, so "fsdd" needs dir).
//
//   - "mnist" (or ""): 28×28 MNIST, pixels in [0, 1].
//   - "mnist14", "mnist7": MNIST average-pooled over 2×2 or 4×4 blocks
//     (the reviewers' downsampled inputs).
//   - "mnist-pcaK": MNIST projected on the K leading principal components
//     of the training images, centred, not whitened: a flat 1×1×K input.
//   - "fashion": Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017), 28×28
//     grey images of 10 kinds of clothing in MNIST's file format, from
//     FashionDir by default (apt-get install dataset-fashion-mnist; dpkg
//     checks the files): the reviewers' harder image set.
//     "fashion14", "fashion7" and "fashion-pcaK" derive from it as
//     "mnist14", "mnist7" and "mnist-pcaK" do from MNIST.
//   - "fsdd": the Free Spoken Digit Dataset as 32 frames × 32 log-mel
//     bands per clip (see FSDDFeatures); "fsdd-mfcc": 32 frames × 13 MFCCs;
//     "fsdd-mixed": "fsdd" with its training clips in a fixed
//     pseudo-random order instead of by digit and speaker, so that
//     train.validation holds out a random sample (see LoadFSDDMixed).
//   - "table": your own data, read from dir (see data_table.go); dir in a
//     generic format is read as such for "" and "mnist" too.
//
// A set with no examples is an error: nothing can be trained on it, and a
// test error measured on it would read 0%.
func LoadData(name, dir string) (train, test *data.Dataset, err error) {
	train, test, err = loadData(name, dir)
	if err != nil {
		return nil, nil, err
	}
	if err := data.NotEmpty(train, test); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func loadData(name, dir string) (train, test *data.Dataset, err error) {
	if load, err := tableLoader(dir); err != nil || load != nil {
		if err != nil {
			return nil, nil, err
		}
		return loadTable(name, dir, load)
	}
	if base, derived, ok := derivedName(name); ok {
		pool, k, err := derivation(base, derived)
		if err != nil {
			return nil, nil, fmt.Errorf("data set %q: %w", name, err)
		}
		train, test, err = loadData(base, dir)
		if err != nil {
			return nil, nil, err
		}
		if pool > 0 {
			return AvgPool(train, pool), AvgPool(test, pool), nil
		}
		return ProjectPCA(train, test, k)
	}
	switch {
	case name == "" || name == "mnist":
		return mnist.Load(dir)
	case name == "fashion":
		if dir == "" {
			dir = FashionDir
		}
		train, test, err = mnist.Load(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("data set fashion: %w (apt-get install dataset-fashion-mnist, or -data DIR)", err)
		}
		train.Name, test.Name = "fashion-train", "fashion-test"
		return train, test, nil
	case name == "table":
		return nil, nil, fmt.Errorf("data set table needs -data: an .npz file, or a folder of x_train.npy, y_train.npy, x_test.npy, y_test.npy or of train.csv and test.csv")
	case name == "fsdd" || name == "fsdd-mfcc" || name == "fsdd-mixed":
		if dir == "" {
			return nil, nil, fmt.Errorf("data set %s needs the FSDD folder (headless -data DIR, or $%s for the tools that read it)", name, fsdd.DirEnv)
		}
		if name == "fsdd-mixed" {
			return LoadFSDDMixed(dir)
		}
		return LoadFSDD(dir, name == "fsdd-mfcc")
	}
	return nil, nil, fmt.Errorf("unknown data set %q (want %s)", name, DataNames)
}

// derivedName splits the name of a set derived from an image set (MNIST
// or Fashion-MNIST) into the base set and the derivation: "14", "7"
// (average-pooled) or "-pcaK" (projected). ok is false for other names.
func derivedName(name string) (base, derived string, ok bool) {
	for _, b := range []string{"mnist", "fashion"} {
		if rest, found := strings.CutPrefix(name, b); found && rest != "" &&
			(rest == "14" || rest == "7" || strings.HasPrefix(rest, "-pca")) {
			return b, rest, true
		}
	}
	return "", "", false
}

// derivation returns what a derivation of base asks for: the block size
// of average pooling, 2 for "14" and 4 for "7", or the number K of
// principal components to project on for "-pcaK".
func derivation(base, derived string) (pool, k int, err error) {
	switch derived {
	case "14":
		return 2, 0, nil
	case "7":
		return 4, 0, nil
	}
	k, err = strconv.Atoi(strings.TrimPrefix(derived, "-pca"))
	if err != nil || k < 1 || k > 784 {
		return 0, 0, fmt.Errorf("want %s-pcaK with 1 ≤ K ≤ 784", base)
	}
	return 0, k, nil
}
