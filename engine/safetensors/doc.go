// Package safetensors reads and writes the safetensors format, the format in which
// PyTorch users exchange weights: named tensors and string metadata, no code.
// It must not import any other package of this module but engine/internal/iox.
//
// # Format
//
//	header length  uint64, little-endian: N ≤ MaxHeaderBytes
//	header         N bytes of JSON: one object whose keys are tensor names, each
//	               {"dtype": "F32", "shape": [d0, d1, …], "data_offsets": [begin, end]},
//	               and optionally "__metadata__": {string: string}
//	data           the tensors' bytes, little-endian, row-major; offsets count from the
//	               start of data, and the tensors cover it exactly, without holes or overlaps
//
// Write emits F32 tensors only, in the order of File.Tensors, and pads the header with
// spaces to a multiple of 8 bytes, as the reference implementation does. Read accepts
// F32, F64, F16 and BF16 tensors and converts them to float32; other dtypes (integers,
// bool, 8-bit floats) are an *Error of kind Unsupported. A reader rejects a header
// longer than the limit or than the input, malformed JSON, duplicate names, shapes
// that disagree with their offsets, holes, overlaps and trailing bytes, each with a
// typed *Error, and it allocates no more than the input holds.
package safetensors
