package decode

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"slices"

	"github.com/predparams/predparams/engine/internal/iox"
)

// initialChunk is the first allocation, in bytes, for a payload whose length is only
// known from a header and cannot be checked or bounded by the input's size (a pipe, a
// gzip stream of unknown length). The buffer then doubles as data actually arrives,
// so a lying header costs at most twice the bytes really present.
const initialChunk = 1 << 20

// MaxDeflateRatio bounds how many bytes one compressed byte can expand to in a deflate
// stream (1032:1, per zlib's documentation), with some slack.
const MaxDeflateRatio = 1040

// Source is an input being decoded in a named format ("idx", "wav"), whose errors
// are *FormatError for that format. It holds the reader to take bytes from, how many
// bytes are known to remain in it (or -1 when that is unknown, e.g. behind gzip) and,
// when it is unknown, an upper bound if one is known (or -1): what a gzip stream of
// known compressed length can expand to at most. The bound only sizes allocations.
type Source struct {
	format string
	r      io.Reader
	avail  int64
	bound  int64
	gz     *gzip.Reader // non-nil if r is a gzip stream
}

// Plain wraps r without gzip detection.
func Plain(format string, r io.Reader) *Source {
	return &Source{format: format, r: r, avail: iox.Remaining(r), bound: -1}
}

// Open wraps r, transparently decompressing it if it starts with the gzip magic
// bytes 0x1f 0x8b. Only the first two bytes are read from r before deciding.
func Open(format string, r io.Reader) (*Source, error) {
	avail := iox.Remaining(r)
	var head [2]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, ReadErr(format, err, 2, int64(n), "header bytes")
	}
	rr := io.MultiReader(bytes.NewReader(head[:n]), r)
	if n < 2 || head[0] != 0x1f || head[1] != 0x8b {
		return &Source{format: format, r: rr, avail: avail, bound: -1}, nil
	}
	zr, err := gzip.NewReader(rr)
	if err != nil {
		return nil, ReadErr(format, err, 10, 0, "gzip header bytes")
	}
	bound := int64(-1)
	if avail >= 0 && avail < (1<<62)/MaxDeflateRatio {
		bound = avail * MaxDeflateRatio
	}
	return &Source{format: format, r: zr, avail: -1, bound: bound, gz: zr}, nil
}

// ReadFull reads exactly len(p) bytes, describing a failure as a FormatError about what.
func (s *Source) ReadFull(p []byte, what string) error {
	n, err := io.ReadFull(s.r, p)
	if s.avail >= 0 {
		s.avail = max(s.avail-int64(n), 0)
	}
	if err != nil {
		return ReadErr(s.format, err, int64(len(p)), int64(n), what)
	}
	return nil
}

// ReadPayload reads exactly want bytes of what. If the input is known to hold fewer
// it fails at once without allocating; otherwise it allocates as data arrives (see
// initialChunk).
func (s *Source) ReadPayload(want int64, what string) ([]byte, error) {
	if s.avail >= 0 && want > s.avail {
		return nil, Truncated(s.format, want, s.avail, what)
	}
	c := want
	switch {
	case s.avail < 0 && s.bound >= 0:
		c = min(want, s.bound)
	case s.avail < 0:
		c = min(want, initialChunk)
	}
	buf := make([]byte, 0, c)
	for int64(len(buf)) < want {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(want-int64(len(buf)), max(int64(cap(buf)), 4096))))
		}
		end := int64(cap(buf))
		if end > want {
			end = want
		}
		n, err := s.r.Read(buf[len(buf):end])
		buf = buf[:len(buf)+n]
		if err == io.EOF && int64(len(buf)) == want {
			break
		}
		if err != nil {
			if int64(len(buf)) == want && s.gz != nil && errors.Is(err, io.ErrUnexpectedEOF) {
				// Every byte arrived; the gzip trailer did not.
				return nil, &FormatError{Format: s.format, Msg: "truncated gzip stream after " + what, Err: err}
			}
			return nil, ReadErr(s.format, err, want, int64(len(buf)), what)
		}
	}
	if s.avail >= 0 {
		s.avail -= want
	}
	return buf, nil
}

// Finish checks, for a gzip source, that the decompressed stream ends right after
// the data (what) and that its CRC-32 and length trailer match (gzip verifies them
// only on reaching the end). A plain source is left positioned just after the data.
func (s *Source) Finish(what string) error {
	if s.gz == nil {
		return nil
	}
	var b [1]byte
	n, err := io.ReadFull(s.gz, b[:])
	if n > 0 {
		return Errorf(s.format, "trailing data after %s", what)
	}
	switch {
	case err == io.EOF:
		return nil
	case err == io.ErrUnexpectedEOF:
		return &FormatError{Format: s.format, Msg: "truncated gzip stream after " + what, Err: err}
	}
	return ReadErr(s.format, err, 0, 0, "gzip trailer")
}

// Discard skips n bytes and returns how many were skipped and the reader's error,
// unclassified (the caller knows what a short skip means in its format).
func (s *Source) Discard(n int64) (int64, error) {
	got, err := io.CopyN(io.Discard, s.r, n)
	if s.avail >= 0 {
		s.avail = max(s.avail-got, 0)
	}
	return got, err
}
