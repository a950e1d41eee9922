//go:build !wasm

package gemm

// portableDefault is the pure-Go configuration family for native targets:
// a 4×4 tile, whose 16 accumulators and 8 operands fit the 32 floating-point
// registers of arm64 (measured on amd64 only, where it ties with the larger
// tiles; amd64 uses it only on CPUs without AVX2 and FMA).
var portableDefault = portableConfigs[:1]
