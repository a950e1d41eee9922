// Package kernels builds the fixed dictionaries U of predicted layers (W = U·V): kernels over
// input positions (SE, Emp, Emp2), α sampling, kernel ridge regression in float64, and the
// other dictionaries (RandFixU, RandCon, LowRank init, PCA, DCT, AE). It imports only
// engine/gemm and gonum: never engine, engine/data, models or any other package of ours.
package kernels
