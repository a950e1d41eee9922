package data

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// The fuzz targets check that the readers never panic, and that what they return on
// success is consistent. Allocation is bounded by the readers themselves (see
// source.readPayload); the fuzzer's memory limit catches a regression.

func FuzzReadIDXImages(f *testing.F) {
	good := idxImages(0x803, 2, 3, 2, seq(12))
	f.Add(good)
	f.Add(gz(f, good))
	f.Add(idxImages(0x803, 0, 28, 28, nil))
	f.Add(idxImages(0x803, 60000, 28, 28, seq(10)))
	f.Add(gz(f, idxImages(0x803, 1000000, 28, 28, seq(10))))
	f.Add(idxLabels(0x801, 3, []byte{1, 2, 3}))
	f.Add(gz(f, append(bytes.Clone(good), 1)))
	f.Fuzz(func(t *testing.T, in []byte) {
		n, rows, cols, pix, err := ReadIDXImages(bytes.NewReader(in))
		if err != nil {
			return
		}
		if n < 0 || rows <= 0 || cols <= 0 || len(pix) != n*rows*cols {
			t.Fatalf("%d images of %dx%d in %d bytes", n, rows, cols, len(pix))
		}
		// The same bytes behind a reader of unknown length give the same result.
		n2, _, _, pix2, err := ReadIDXImages(iotest.HalfReader(bytes.NewReader(in)))
		if err != nil || n2 != n || !bytes.Equal(pix, pix2) {
			t.Fatalf("unknown-length reader: %d images, %v", n2, err)
		}
	})
}

func FuzzReadIDXLabels(f *testing.F) {
	good := idxLabels(0x801, 5, []byte{0, 1, 2, 9, 255})
	f.Add(good)
	f.Add(gz(f, good))
	f.Add(idxLabels(0x801, 0xffffffff, nil))
	f.Add(gz(f, idxLabels(0x801, 1<<29, seq(10))))
	f.Add(idxImages(0x803, 1, 1, 1, []byte{7}))
	f.Fuzz(func(t *testing.T, in []byte) {
		labels, err := ReadIDXLabels(bytes.NewReader(in))
		if err != nil {
			return
		}
		if len(labels) > len(in)*maxDeflateRatio {
			t.Fatalf("%d labels from %d bytes", len(labels), len(in))
		}
	})
}

func FuzzReadWAV(f *testing.F) {
	mono := fmtBody(1, 1, 8000, 16)
	f.Add(riff(chunk("fmt ", mono, -1), chunk("data", pcm(1, -2, 3), -1)))
	f.Add(riff(chunk("LIST", []byte("INFOabc"), -1), chunk("fmt ", mono, -1), chunk("data", pcm(5), -1)))
	f.Add(riff(chunk("fmt ", mono, -1), chunk("data", pcm(5), 1<<30)))
	f.Add(riff(chunk("fmt ", fmtBody(1, 2, 44100, 16), -1), chunk("data", pcm(5, 6), -1)))
	ext := append(fmtBody(0xfffe, 1, 16000, 16), 22, 0, 16, 0, 4, 0, 0, 0)
	f.Add(riff(chunk("fmt ", append(ext, pcmSubFormat...), -1), chunk("data", pcm(1), -1)))
	// A short real recording, if the dataset is here.
	if b, err := os.ReadFile(filepath.Join(repoRoot(f), "..", "shared", "data", "fsdd", "recordings", "0_george_0.wav")); err == nil {
		f.Add(b[:200])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		samples, rate, err := ReadWAV(bytes.NewReader(in))
		if err != nil {
			return
		}
		if rate <= 0 || 2*len(samples) > len(in) {
			t.Fatalf("rate %d, %d samples from %d bytes", rate, len(samples), len(in))
		}
		for _, s := range samples {
			if s < -1 || s >= 1 {
				t.Fatalf("sample %v outside [-1, 1)", s)
			}
		}
	})
}
