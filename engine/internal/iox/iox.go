// Package iox holds the small input checks that the data readers
// (engine/data/internal/decode), engine/checkpoint and engine/safetensors
// share: how much input is left, and a tensor shape's bounds.
package iox

import (
	"io"
	"os"
)

// Remaining returns how many bytes are left in r if r can tell cheaply
// (bytes.Reader, strings.Reader, bytes.Buffer, a regular *os.File), or
// -1. Readers use it to refuse a header that promises more data than the
// input holds, before they allocate for it.
func Remaining(r io.Reader) int64 {
	switch r := r.(type) {
	case interface{ Len() int }:
		return int64(r.Len())
	case *os.File:
		st, err := r.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		off, err := r.Seek(0, io.SeekCurrent)
		if err != nil || off > st.Size() {
			return -1
		}
		return st.Size() - off
	}
	return -1
}
