//go:build wasm

package gemm

// portableDefault is the pure-Go configuration family measured fastest under Node.
var portableDefault = portableConfigs[1:2]
