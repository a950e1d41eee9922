package wav

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/predparams/predparams/engine/data/datatest"
)

// The fuzz target checks that the reader never panics, and that what it returns on
// success is consistent. Allocation is bounded by the reader itself (see
// decode.Source.ReadPayload); the fuzzer's memory limit catches a regression.

func FuzzRead(f *testing.F) {
	mono := fmtBody(1, 1, 8000, 16)
	f.Add(riff(chunk("fmt ", mono, -1), chunk("data", pcm(1, -2, 3), -1)))
	f.Add(riff(chunk("LIST", []byte("INFOabc"), -1), chunk("fmt ", mono, -1), chunk("data", pcm(5), -1)))
	f.Add(riff(chunk("fmt ", mono, -1), chunk("data", pcm(5), 1<<30)))
	f.Add(riff(chunk("fmt ", fmtBody(1, 2, 44100, 16), -1), chunk("data", pcm(5, 6), -1)))
	ext := append(fmtBody(0xfffe, 1, 16000, 16), 22, 0, 16, 0, 4, 0, 0, 0)
	f.Add(riff(chunk("fmt ", append(ext, pcmSubFormat...), -1), chunk("data", pcm(1), -1)))
	// A short real recording, if the dataset is here.
	if b, err := os.ReadFile(filepath.Join(datatest.RepoRoot(f), "..", "shared", "data", "fsdd", "recordings", "0_george_0.wav")); err == nil {
		f.Add(b[:200])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		samples, rate, err := Read(bytes.NewReader(in))
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
