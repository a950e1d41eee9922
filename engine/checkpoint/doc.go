// Package checkpoint reads and writes model checkpoints: a versioned binary file of
// caller-chosen metadata and named float32 tensors, with a checksum and atomic writes.
// Of this module it imports only engine/internal/iox.
//
// # Format, version 1
//
// All integers are little-endian.
//
//	magic        8 bytes  "\x89PPCKPT\n" (the high byte and the newline catch text-mode mangling)
//	version      uint32   1
//	meta length  uint32   M ≤ MaxMetaBytes
//	meta         M bytes  opaque to this package; JSON chosen by the caller
//	count        uint32   T ≤ MaxTensors
//	T times:
//	  name length uint32  1 ≤ L ≤ MaxNameBytes
//	  name        L bytes (names are unique within a file)
//	  rank        uint32  R ≤ MaxRank
//	  dims        R × int64, each ≥ 0; their product P ≤ MaxElements (1 for R = 0)
//	  data        P × float32 (IEEE 754 bits, so NaN payloads and infinities survive)
//	checksum     uint32   CRC-32C (Castagnoli) of every byte before it
//
// A reader rejects any other magic, any other version, sizes over the limits, sizes
// beyond the end of the input, and a checksum mismatch, each with a typed *Error.
package checkpoint
