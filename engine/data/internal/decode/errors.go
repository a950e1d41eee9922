// Package decode holds what the binary readers of engine/data share: the
// input source that detects gzip and sizes allocations by the bytes
// actually present (Source), and the error they report about their input
// (FormatError, re-exported by engine/data/idx and engine/data/wav).
// Of this module it imports only engine/internal/iox.
package decode

import (
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// FormatError reports that an input is not valid in the named format ("idx", "wav").
// Its message says what is wrong, e.g. "idx: bad magic 0x00000801 for images, want
// 0x00000803". Err, when set, is the underlying cause: io.ErrUnexpectedEOF for
// truncated input, or a compress/gzip or compress/flate error for a corrupt gzip stream.
type FormatError struct {
	Format string // "idx" or "wav"
	Msg    string // what is wrong, without the format prefix
	Err    error  // underlying cause, or nil
}

// Error returns "format: what is wrong", followed by the cause unless it is a plain
// truncation.
func (e *FormatError) Error() string {
	if e.Err != nil && e.Err != io.ErrUnexpectedEOF {
		return e.Format + ": " + e.Msg + ": " + e.Err.Error()
	}
	return e.Format + ": " + e.Msg
}

// Unwrap returns the underlying cause, so that errors.Is(err, io.ErrUnexpectedEOF)
// holds for truncated input.
func (e *FormatError) Unwrap() error { return e.Err }

// Errorf returns a *FormatError for format whose message is msg formatted
// with args.
func Errorf(format, msg string, args ...any) error {
	return &FormatError{Format: format, Msg: fmt.Sprintf(msg, args...)}
}

// Truncated returns a *FormatError wrapping io.ErrUnexpectedEOF: the input
// ended after got of the want bytes of what.
func Truncated(format string, want, got int64, what string) error {
	return &FormatError{
		Format: format,
		Msg:    fmt.Sprintf("truncated: want %d %s, got %d", want, what, got),
		Err:    io.ErrUnexpectedEOF,
	}
}

// ReadErr classifies an error met while reading want bytes of what, of which got
// arrived: end of input becomes a truncation FormatError, a corrupt gzip stream a
// FormatError wrapping the gzip error, and anything else (an I/O error of the
// underlying reader) is wrapped as is.
func ReadErr(format string, err error, want, got int64, what string) error {
	var corrupt flate.CorruptInputError
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return Truncated(format, want, got, what)
	case errors.As(err, &corrupt) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader):
		return &FormatError{Format: format, Msg: "corrupt gzip stream", Err: err}
	}
	return fmt.Errorf("%s: reading %s: %w", format, what, err)
}

// UnsupportedError reports valid input that uses a feature a reader does
// not support (a WAV encoding, a NumPy dtype).
type UnsupportedError struct {
	Format string // "wav", "npy"
	Msg    string // the unsupported feature
}

// Error returns "format: unsupported feature".
func (e *UnsupportedError) Error() string { return e.Format + ": unsupported " + e.Msg }
