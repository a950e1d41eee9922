//go:build !(goexperiment.simd && wasm)

package gemm

// bestFamily is the configuration family Best uses off amd64: the
// pure-Go one (the SIMD kernels of simd_wasm.go need GOEXPERIMENT=simd).
var bestFamily = portableDefault
