// Package idx reads IDX files, the format of the MNIST images and labels
// (big-endian header, then unsigned bytes), plain or gzip-compressed.
// Of this module it imports only engine/data/internal/decode.
package idx

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/predparams/predparams/engine/data/internal/decode"
)

// FormatError reports that an input is not a valid IDX file (Format "idx"); its
// message says what is wrong, and Err, when set, is the cause: io.ErrUnexpectedEOF
// for truncated input, a compress/gzip or compress/flate error for a corrupt gzip
// stream. It is the type engine/data/wav reports too.
type FormatError = decode.FormatError

// IDX magic numbers: zero, zero, the element type (0x08 = unsigned byte) and the
// number of dimensions.
const (
	ImagesMagic = 0x00000803 // unsigned bytes, 3 dimensions (N, rows, cols)
	LabelsMagic = 0x00000801 // unsigned bytes, 1 dimension (N)
)

// MaxBytes is the largest payload an IDX header may announce (1 GiB); a larger one
// is reported as a FormatError instead of being allocated.
const MaxBytes = 1 << 30

// ReadImages reads an IDX image file (the MNIST format: big-endian magic 0x00000803,
// N, rows and cols as uint32, then N·rows·cols pixel bytes, row-major). The input may be
// gzip-compressed: it is detected by its magic bytes 0x1f 0x8b, not by a file name.
//
// Errors about the input are *FormatError. For plain input the reader is left just
// after the pixels; for gzip input the stream must end there and its checksum must hold.
func ReadImages(r io.Reader) (n, rows, cols int, pix []byte, err error) {
	return readImages(r, 0, 0)
}

// ReadImagesSize is ReadImages for a caller that needs images of rows×cols
// pixels: another size is a *FormatError ("idx: image size 32x32, want 28x28"),
// reported before the pixels are read.
func ReadImagesSize(r io.Reader, rows, cols int) (n int, pix []byte, err error) {
	if rows <= 0 || cols <= 0 {
		return 0, nil, fmt.Errorf("idx: ReadImagesSize: bad requested size %dx%d", rows, cols)
	}
	n, _, _, pix, err = readImages(r, rows, cols)
	return n, pix, err
}

func readImages(r io.Reader, wantRows, wantCols int) (n, rows, cols int, pix []byte, err error) {
	s, err := decode.Open("idx", r)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	// The magic first, so that a short file of the wrong kind says so.
	var h [16]byte
	if err := s.ReadFull(h[:4], "magic bytes"); err != nil {
		return 0, 0, 0, nil, err
	}
	if m := binary.BigEndian.Uint32(h[0:]); m != ImagesMagic {
		return 0, 0, 0, nil, decode.Errorf("idx", "bad magic 0x%08x for images, want 0x%08x", m, ImagesMagic)
	}
	if err := s.ReadFull(h[4:], "image header bytes after the magic"); err != nil {
		return 0, 0, 0, nil, err
	}
	un, ur, uc := binary.BigEndian.Uint32(h[4:]), binary.BigEndian.Uint32(h[8:]), binary.BigEndian.Uint32(h[12:])
	if ur == 0 || uc == 0 {
		return 0, 0, 0, nil, decode.Errorf("idx", "bad image size %dx%d", ur, uc)
	}
	if wantRows > 0 && (uint64(ur) != uint64(wantRows) || uint64(uc) != uint64(wantCols)) {
		return 0, 0, 0, nil, decode.Errorf("idx", "image size %dx%d, want %dx%d", ur, uc, wantRows, wantCols)
	}
	// Each factor is below 2^32: check the pairwise products before the full one.
	img := uint64(ur) * uint64(uc)
	if img > MaxBytes || un > 0 && img*uint64(un) > MaxBytes {
		return 0, 0, 0, nil, decode.Errorf("idx", "header claims %d images of %dx%d, over the %d-byte limit",
			un, ur, uc, MaxBytes)
	}
	want := int64(img) * int64(un)
	pix, err = s.ReadPayload(want, "pixel bytes")
	if err != nil {
		return 0, 0, 0, nil, err
	}
	if err := s.Finish("pixels"); err != nil {
		return 0, 0, 0, nil, err
	}
	return int(un), int(ur), int(uc), pix, nil
}

// ReadLabels reads an IDX label file (big-endian magic 0x00000801 and N as uint32,
// then N label bytes), plain or gzip-compressed like ReadImages. It does not check
// the label values: that is up to the caller, who knows the number of classes.
func ReadLabels(r io.Reader) ([]byte, error) {
	s, err := decode.Open("idx", r)
	if err != nil {
		return nil, err
	}
	var h [8]byte
	if err := s.ReadFull(h[:4], "magic bytes"); err != nil {
		return nil, err
	}
	if m := binary.BigEndian.Uint32(h[0:]); m != LabelsMagic {
		return nil, decode.Errorf("idx", "bad magic 0x%08x for labels, want 0x%08x", m, LabelsMagic)
	}
	if err := s.ReadFull(h[4:], "label header bytes after the magic"); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[4:])
	if n > MaxBytes {
		return nil, decode.Errorf("idx", "header claims %d labels, over the %d limit", n, MaxBytes)
	}
	labels, err := s.ReadPayload(int64(n), "label bytes")
	if err != nil {
		return nil, err
	}
	if err := s.Finish("labels"); err != nil {
		return nil, err
	}
	return labels, nil
}
