package idx

import (
	"bytes"
	"testing"
	"testing/iotest"

	"github.com/predparams/predparams/engine/data/internal/decode"
)

// The fuzz targets check that the readers never panic, and that what they return on
// success is consistent. Allocation is bounded by the readers themselves (see
// decode.Source.ReadPayload); the fuzzer's memory limit catches a regression.

func FuzzReadImages(f *testing.F) {
	good := idxImages(0x803, 2, 3, 2, seq(12))
	f.Add(good)
	f.Add(gz(f, good))
	f.Add(idxImages(0x803, 0, 28, 28, nil))
	f.Add(idxImages(0x803, 60000, 28, 28, seq(10)))
	f.Add(gz(f, idxImages(0x803, 1000000, 28, 28, seq(10))))
	f.Add(idxLabels(0x801, 3, []byte{1, 2, 3}))
	f.Add(gz(f, append(bytes.Clone(good), 1)))
	f.Fuzz(func(t *testing.T, in []byte) {
		n, rows, cols, pix, err := ReadImages(bytes.NewReader(in))
		if err != nil {
			return
		}
		if n < 0 || rows <= 0 || cols <= 0 || len(pix) != n*rows*cols {
			t.Fatalf("%d images of %dx%d in %d bytes", n, rows, cols, len(pix))
		}
		// The same bytes behind a reader of unknown length give the same result.
		n2, _, _, pix2, err := ReadImages(iotest.HalfReader(bytes.NewReader(in)))
		if err != nil || n2 != n || !bytes.Equal(pix, pix2) {
			t.Fatalf("unknown-length reader: %d images, %v", n2, err)
		}
	})
}

func FuzzReadLabels(f *testing.F) {
	good := idxLabels(0x801, 5, []byte{0, 1, 2, 9, 255})
	f.Add(good)
	f.Add(gz(f, good))
	f.Add(idxLabels(0x801, 0xffffffff, nil))
	f.Add(gz(f, idxLabels(0x801, 1<<29, seq(10))))
	f.Add(idxImages(0x803, 1, 1, 1, []byte{7}))
	f.Fuzz(func(t *testing.T, in []byte) {
		labels, err := ReadLabels(bytes.NewReader(in))
		if err != nil {
			return
		}
		if len(labels) > len(in)*decode.MaxDeflateRatio {
			t.Fatalf("%d labels from %d bytes", len(labels), len(in))
		}
	})
}
