package fsdd

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/predparams/predparams/engine/data/datatest"
	"github.com/predparams/predparams/engine/data/md5sum"
	"github.com/predparams/predparams/engine/data/wav"
)

// fsddDir returns the FSDD folder from $FSDD_DIR, else ../shared/data/fsdd next to the
// repository, and skips the test when the folder is absent (CI machines may lack it).
func fsddDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv(DirEnv)
	if dir == "" {
		dir = filepath.Join(datatest.RepoRoot(tb), "..", "shared", "data", "fsdd")
	}
	if !isDir(dir) {
		tb.Skipf("FSDD folder %s absent (set %s to run this test)", dir, DirEnv)
	}
	return dir
}

// wavFile returns a canonical 44-byte-header WAVE file of 16-bit mono PCM samples.
func wavFile(rate uint32, samples ...int16) []byte {
	le := binary.LittleEndian
	b := []byte("RIFF")
	b = le.AppendUint32(b, uint32(36+2*len(samples)))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 1) // PCM
	b = le.AppendUint16(b, 1) // mono
	b = le.AppendUint32(b, rate)
	b = le.AppendUint32(b, 2*rate)
	b = le.AppendUint16(b, 2)  // block align
	b = le.AppendUint16(b, 16) // bits per sample
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(2*len(samples)))
	for _, s := range samples {
		b = le.AppendUint16(b, uint16(s))
	}
	return b
}

// TestReadWAVFSDDFile checks one real file against its bytes: a canonical 44-byte
// header, then int16 samples.
func TestReadWAVFSDDFile(t *testing.T) {
	path := filepath.Join(fsddDir(t), "recordings", "0_george_0.wav")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	samples, rate, err := wav.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if rate != 8000 || len(samples) != (len(raw)-44)/2 {
		t.Fatalf("rate %d, %d samples; want 8000, %d", rate, len(samples), (len(raw)-44)/2)
	}
	for i, s := range samples {
		if want := float32(int16(binary.LittleEndian.Uint16(raw[44+2*i:]))) / 32768; s != want {
			t.Fatalf("sample %d = %v, want %v", i, s, want)
		}
	}
	// Every cut of a real file is an error, never a panic or a short success.
	for cut := 0; cut < len(raw); cut += 1 + cut/8 {
		if _, _, err := wav.Read(bytes.NewReader(raw[:cut])); err == nil {
			t.Fatalf("file cut at %d of %d bytes: no error", cut, len(raw))
		}
	}
}

func TestLoadClips(t *testing.T) {
	dir := fsddDir(t)
	train, test, err := LoadClips(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(train) != 2700 || len(test) != 300 {
		t.Fatalf("%d train, %d test clips; want 2700, 300", len(train), len(test))
	}
	minLen, maxLen, total := math.MaxInt, 0, 0
	perDigit := map[int]int{}
	for i, clips := range [][]Clip{train, test} {
		for _, c := range clips {
			if c.Rate != 8000 || c.Digit < 0 || c.Digit > 9 || c.Speaker == "" {
				t.Fatalf("clip %+v", c)
			}
			if (c.Take < TestTakes) != (i == 1) {
				t.Fatalf("take %d in the wrong split", c.Take)
			}
			minLen, maxLen, total = min(minLen, len(c.Samples)), max(maxLen, len(c.Samples)), total+len(c.Samples)
			perDigit[c.Digit]++
		}
	}
	// SOURCE.txt: lengths 1148–18262 samples, 1312 s in all; 300 clips per digit.
	if minLen != 1148 || maxLen != 18262 || total/8000 != 1312 {
		t.Fatalf("lengths %d–%d, %d s; want 1148–18262, 1312 s", minLen, maxLen, total/8000)
	}
	for d := 0; d < 10; d++ {
		if perDigit[d] != 300 {
			t.Fatalf("digit %d: %d clips, want 300", d, perDigit[d])
		}
	}
	if c := test[0]; c.Digit != 0 || c.Speaker != "george" || c.Take != 0 {
		t.Fatalf("first test clip %d_%s_%d, want 0_george_0", c.Digit, c.Speaker, c.Take)
	}
	if c := train[len(train)-1]; c.Digit != 9 || c.Speaker != "yweweler" || c.Take != 49 {
		t.Fatalf("last train clip %d_%s_%d, want 9_yweweler_49", c.Digit, c.Speaker, c.Take)
	}
}

func TestMD5(t *testing.T) {
	dir := fsddDir(t)
	f, err := os.Open(filepath.Join(dir, "MD5SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums, err := md5sum.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 3000 {
		t.Fatalf("%d sums, want 3000", len(sums))
	}
	if err := md5sum.Verify(dir, sums); err != nil {
		t.Fatal(err)
	}
}

func TestLoadClipsErrors(t *testing.T) {
	good := wavFile(8000, 1, 2, 3)
	tests := []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{"bad name", map[string][]byte{"hello.wav": good}, `file name "hello.wav": not three fields`},
		{"bad digit", map[string][]byte{"12_a_3.wav": good}, "digit not in 0-9"},
		{"bad take", map[string][]byte{"1_a_x.wav": good}, "take not a non-negative integer"},
		{"bad wav", map[string][]byte{"1_a_3.wav": good[:30]}, "1_a_3.wav: wav: truncated"},
		{"empty", map[string][]byte{"README": []byte("hi")}, "no .wav files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := LoadClips(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadClips = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	dir := t.TempDir()
	for _, name := range []string{"3_bob_7.wav", "3_bob_2.wav", "1_amy_10.wav", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), good, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	train, test, err := LoadClips(dir)
	if err != nil || len(train) != 2 || len(test) != 1 || train[0].Digit != 1 || train[0].Take != 10 || test[0].Take != 2 {
		t.Fatalf("LoadClips = %+v, %+v, %v", train, test, err)
	}
}
