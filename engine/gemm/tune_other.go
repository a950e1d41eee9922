//go:build !wasm

package gemm

// portableDefault is the pure-Go configuration family measured fastest on amd64;
// other targets use it too.
var portableDefault = portableConfigs[:1]
