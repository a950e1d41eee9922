package data

import (
	"encoding/binary"
	"fmt"
	"io"
)

// IDX magic numbers: zero, zero, the element type (0x08 = unsigned byte) and the
// number of dimensions.
const (
	IDXImagesMagic = 0x00000803 // unsigned bytes, 3 dimensions (N, rows, cols)
	IDXLabelsMagic = 0x00000801 // unsigned bytes, 1 dimension (N)
)

// MaxIDXBytes is the largest payload an IDX header may announce (1 GiB); a larger one
// is reported as a FormatError instead of being allocated.
const MaxIDXBytes = 1 << 30

// ReadIDXImages reads an IDX image file (the MNIST format: big-endian magic 0x00000803,
// N, rows and cols as uint32, then N·rows·cols pixel bytes, row-major). The input may be
// gzip-compressed: it is detected by its magic bytes 0x1f 0x8b, not by a file name.
//
// Errors about the input are *FormatError. For plain input the reader is left just
// after the pixels; for gzip input the stream must end there and its checksum must hold.
func ReadIDXImages(r io.Reader) (n, rows, cols int, pix []byte, err error) {
	return readIDXImages(r, 0, 0)
}

// ReadIDXImagesSize is ReadIDXImages for a caller that needs images of rows×cols
// pixels: another size is a *FormatError ("idx: image size 32x32, want 28x28"),
// reported before the pixels are read.
func ReadIDXImagesSize(r io.Reader, rows, cols int) (n int, pix []byte, err error) {
	if rows <= 0 || cols <= 0 {
		return 0, nil, fmt.Errorf("idx: ReadIDXImagesSize: bad requested size %dx%d", rows, cols)
	}
	n, _, _, pix, err = readIDXImages(r, rows, cols)
	return n, pix, err
}

func readIDXImages(r io.Reader, wantRows, wantCols int) (n, rows, cols int, pix []byte, err error) {
	s, err := openSource("idx", r)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	// The magic first, so that a short file of the wrong kind says so.
	var h [16]byte
	if err := s.readFull("idx", h[:4], "magic bytes"); err != nil {
		return 0, 0, 0, nil, err
	}
	if m := binary.BigEndian.Uint32(h[0:]); m != IDXImagesMagic {
		return 0, 0, 0, nil, formatErr("idx", "bad magic 0x%08x for images, want 0x%08x", m, IDXImagesMagic)
	}
	if err := s.readFull("idx", h[4:], "image header bytes after the magic"); err != nil {
		return 0, 0, 0, nil, err
	}
	un, ur, uc := binary.BigEndian.Uint32(h[4:]), binary.BigEndian.Uint32(h[8:]), binary.BigEndian.Uint32(h[12:])
	if ur == 0 || uc == 0 {
		return 0, 0, 0, nil, formatErr("idx", "bad image size %dx%d", ur, uc)
	}
	if wantRows > 0 && (uint64(ur) != uint64(wantRows) || uint64(uc) != uint64(wantCols)) {
		return 0, 0, 0, nil, formatErr("idx", "image size %dx%d, want %dx%d", ur, uc, wantRows, wantCols)
	}
	// Each factor is below 2^32: check the pairwise products before the full one.
	img := uint64(ur) * uint64(uc)
	if img > MaxIDXBytes || un > 0 && img*uint64(un) > MaxIDXBytes {
		return 0, 0, 0, nil, formatErr("idx", "header claims %d images of %dx%d, over the %d-byte limit",
			un, ur, uc, MaxIDXBytes)
	}
	want := int64(img) * int64(un)
	pix, err = s.readPayload("idx", want, "pixel bytes")
	if err != nil {
		return 0, 0, 0, nil, err
	}
	if err := s.finish("idx", "pixels"); err != nil {
		return 0, 0, 0, nil, err
	}
	return int(un), int(ur), int(uc), pix, nil
}

// ReadIDXLabels reads an IDX label file (big-endian magic 0x00000801 and N as uint32,
// then N label bytes), plain or gzip-compressed like ReadIDXImages. It does not check
// the label values: that is up to the caller, who knows the number of classes.
func ReadIDXLabels(r io.Reader) ([]byte, error) {
	s, err := openSource("idx", r)
	if err != nil {
		return nil, err
	}
	var h [8]byte
	if err := s.readFull("idx", h[:4], "magic bytes"); err != nil {
		return nil, err
	}
	if m := binary.BigEndian.Uint32(h[0:]); m != IDXLabelsMagic {
		return nil, formatErr("idx", "bad magic 0x%08x for labels, want 0x%08x", m, IDXLabelsMagic)
	}
	if err := s.readFull("idx", h[4:], "label header bytes after the magic"); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[4:])
	if n > MaxIDXBytes {
		return nil, formatErr("idx", "header claims %d labels, over the %d limit", n, MaxIDXBytes)
	}
	labels, err := s.readPayload("idx", int64(n), "label bytes")
	if err != nil {
		return nil, err
	}
	if err := s.finish("idx", "labels"); err != nil {
		return nil, err
	}
	return labels, nil
}
