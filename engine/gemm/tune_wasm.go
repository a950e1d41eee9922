//go:build wasm

package gemm

// portableDefault is the pure-Go configuration family measured fastest
// under Node (V8): 8×12 and 12×8 tiles, picked per shape. Go's wasm
// backend spills most accumulators to the stack, yet larger tiles still
// win because each loaded value is used more often.
var portableDefault = portableConfigs[3:5]
