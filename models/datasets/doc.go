// Package datasets loads the data sets a config names (models.Config's
// Data): MNIST and its derivations (mnist14, mnist7, mnist-pcaK),
// Fashion-MNIST and its, FSDD with its audio features, and data sets of
// one's own (NumPy, CSV, the page's subset).
//
// It is apart from models so that what trains a model (the page's wasm
// above all) does not link the file readers, os/exec and the modules it
// needs only to read data from disk. It imports engine/data and its
// readers, engine/gemm and kernels (for the PCA projection); nothing
// imports it but the native faces and the tests.
package datasets
