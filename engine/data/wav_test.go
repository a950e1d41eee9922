package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// chunk builds a RIFF chunk, with a pad byte if body has odd length; size overrides
// the size field when non-negative.
func chunk(id string, body []byte, size int64) []byte {
	if size < 0 {
		size = int64(len(body))
	}
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(size))...)
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// fmtBody builds a 16-byte "fmt " chunk body.
func fmtBody(tag, channels uint16, rate uint32, bits uint16) []byte {
	le := binary.LittleEndian
	block := channels * bits / 8
	b := le.AppendUint16(nil, tag)
	b = le.AppendUint16(b, channels)
	b = le.AppendUint32(b, rate)
	b = le.AppendUint32(b, rate*uint32(block))
	b = le.AppendUint16(b, block)
	return le.AppendUint16(b, bits)
}

// riff wraps chunks in a RIFF/WAVE header.
func riff(chunks ...[]byte) []byte {
	body := []byte("WAVE")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// pcm encodes int16 samples little-endian.
func pcm(s ...int16) []byte {
	var b []byte
	for _, v := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

func TestReadWAV(t *testing.T) {
	mono := fmtBody(1, 1, 8000, 16)
	samples := pcm(-32768, -16384, 0, 1, 32767)
	want := []float32{-1, -0.5, 0, 1.0 / 32768, 32767.0 / 32768}
	extensible := append(fmtBody(0xfffe, 1, 16000, 16), 22, 0, 16, 0, 4, 0, 0, 0)
	extensible = append(extensible, pcmSubFormat...)
	extFloat := bytes.Clone(extensible)
	extFloat[24] = 3
	tests := []struct {
		name        string
		in          []byte
		rate        int
		want        string // error message part; "" = success
		unsupported bool   // *UnsupportedError rather than *FormatError
		truncated   bool
	}{
		{name: "canonical", in: riff(chunk("fmt ", mono, -1), chunk("data", samples, -1)), rate: 8000},
		{name: "LIST and odd chunk", rate: 8000, in: riff(chunk("LIST", []byte("INFOISFT\x03\x00\x00\x00ab\x00"), -1),
			chunk("fmt ", mono, -1), chunk("odd ", []byte{1, 2, 3}, -1), chunk("data", samples, -1), chunk("id3 ", []byte{9}, -1))},
		{name: "fmt of 18 bytes", in: riff(chunk("fmt ", append(bytes.Clone(mono), 0, 0), -1), chunk("data", samples, -1)), rate: 8000},
		{name: "extensible PCM", in: riff(chunk("fmt ", extensible, -1), chunk("data", samples, -1)), rate: 16000},
		{name: "empty data", in: riff(chunk("fmt ", mono, -1), chunk("data", nil, -1)), rate: 8000},

		{name: "not RIFF", in: []byte("RIFX\x00\x00\x00\x00WAVEfmt "), want: `wav: not a RIFF/WAVE file (starts "RIFX\x00\x00\x00\x00WAVE")`},
		{name: "AVI", in: []byte("RIFF\x00\x00\x00\x00AVI LIST"), want: "wav: not a RIFF/WAVE file"},
		{name: "short header", in: []byte("RIFF\x00\x00"), want: "wav: truncated: want 12 RIFF header bytes, got 6", truncated: true},
		{name: "float", in: riff(chunk("fmt ", fmtBody(3, 1, 8000, 32), -1), chunk("data", pcm(0, 0), -1)),
			want: "wav: unsupported IEEE float encoding (want PCM)", unsupported: true},
		{name: "extensible float", in: riff(chunk("fmt ", extFloat, -1), chunk("data", samples, -1)),
			want: "wav: unsupported WAVE_FORMAT_EXTENSIBLE sub-format (want PCM)", unsupported: true},
		{name: "stereo", in: riff(chunk("fmt ", fmtBody(1, 2, 8000, 16), -1), chunk("data", samples[:8], -1)),
			want: "wav: unsupported 2 channels (want mono)", unsupported: true},
		{name: "8-bit", in: riff(chunk("fmt ", fmtBody(1, 1, 8000, 8), -1), chunk("data", samples, -1)),
			want: "wav: unsupported 8-bit samples (want 16-bit)", unsupported: true},
		{name: "24-bit", in: riff(chunk("fmt ", fmtBody(1, 1, 8000, 24), -1), chunk("data", samples[:9], -1)),
			want: "wav: unsupported 24-bit samples", unsupported: true},
		{name: "truncated data", in: riff(chunk("fmt ", mono, -1), chunk("data", samples, 100))[:44+10],
			want: "wav: truncated: want 100 data bytes, got 10", truncated: true},
		{name: "no data", in: riff(chunk("fmt ", mono, -1), chunk("LIST", []byte("abcd"), -1)),
			want: "wav: no data chunk", truncated: true},
		{name: "data before fmt", in: riff(chunk("data", samples, -1), chunk("fmt ", mono, -1)),
			want: "wav: data chunk before fmt chunk"},
		{name: "two fmt", in: riff(chunk("fmt ", mono, -1), chunk("fmt ", mono, -1), chunk("data", samples, -1)),
			want: "wav: two fmt chunks"},
		{name: "short fmt", in: riff(chunk("fmt ", mono[:14], -1), chunk("data", samples, -1)),
			want: "wav: fmt chunk of 14 bytes, want 16 to 4096"},
		{name: "huge fmt", in: riff(chunk("fmt ", mono, 1<<20)), want: "wav: fmt chunk of 1048576 bytes"},
		{name: "truncated fmt", in: riff(chunk("fmt ", mono, -1))[:30],
			want: "wav: truncated: want 16 fmt chunk bytes, got 10", truncated: true},
		{name: "bad block align", in: riff(chunk("fmt ", append(mono[:12:12], 4, 0, 16, 0), -1), chunk("data", samples, -1)),
			want: "wav: block align 4 for 16-bit mono, want 2"},
		{name: "zero rate", in: riff(chunk("fmt ", fmtBody(1, 1, 0, 16), -1), chunk("data", samples, -1)),
			want: "wav: sample rate 0 Hz"},
		{name: "odd data", in: riff(chunk("fmt ", mono, -1), chunk("data", samples[:3], -1)),
			want: "wav: data chunk of 3 bytes is not a whole number of 16-bit samples"},
		{name: "absurd data", in: riff(chunk("fmt ", mono, -1), chunk("data", nil, 0xfffffffe)),
			want: "wav: data chunk of 4294967294 bytes, over the 1073741824-byte limit"},
		{name: "big data, absent", in: riff(chunk("fmt ", mono, -1), chunk("data", samples[:4], 1<<30)),
			want: "wav: truncated: want 1073741824 data bytes, got 4", truncated: true},
		{name: "skipped chunk truncated", in: riff(chunk("fmt ", mono, -1), chunk("LIST", []byte("ab"), 0xffffff00)),
			want: `wav: truncated: want 4294967040 bytes of chunk "LIST", got 2`, truncated: true},
	}
	for _, tt := range tests {
		for how, open := range map[string]func() io.Reader{
			"bytes":   func() io.Reader { return bytes.NewReader(tt.in) },
			"onebyte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(tt.in)) },
		} {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				got, rate, err := ReadWAV(open())
				if tt.want == "" {
					if err != nil {
						t.Fatal(err)
					}
					if rate != tt.rate || len(got) != len(want) && tt.name != "empty data" {
						t.Fatalf("rate %d, %d samples; want %d, %d", rate, len(got), tt.rate, len(want))
					}
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("samples %v, want %v", got, want)
						}
					}
					return
				}
				if tt.unsupported {
					var ue *UnsupportedError
					if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
						t.Fatalf("err = %v (%T), want *UnsupportedError %q", err, err, tt.want)
					}
					return
				}
				checkFormatErr(t, err, tt.want, tt.truncated)
			})
		}
	}
}

func TestReadWAVNoAbsurdAllocation(t *testing.T) {
	in := riff(chunk("fmt ", fmtBody(1, 1, 8000, 16), -1), chunk("data", pcm(1, 2), 1<<30))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ReadWAV(iotest.HalfReader(bytes.NewReader(in)))
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("no error for a truncated data chunk")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Fatalf("allocated %d bytes for a %d-byte input", got, len(in))
	}
}

// TestReadWAVFSDDFile checks one real file against its bytes: a canonical 44-byte
// header, then int16 samples.
func TestReadWAVFSDDFile(t *testing.T) {
	path := filepath.Join(fsddDir(t), "recordings", "0_george_0.wav")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	samples, rate, err := ReadWAV(bytes.NewReader(raw))
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
		if _, _, err := ReadWAV(bytes.NewReader(raw[:cut])); err == nil {
			t.Fatalf("file cut at %d of %d bytes: no error", cut, len(raw))
		}
	}
}

func TestLoadFSDDClips(t *testing.T) {
	dir := fsddDir(t)
	train, test, err := LoadFSDDClips(dir)
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
			if (c.Take < FSDDTestTakes) != (i == 1) {
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

func TestFSDDMD5(t *testing.T) {
	dir := fsddDir(t)
	f, err := os.Open(filepath.Join(dir, "MD5SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums, err := ParseMD5Sums(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 3000 {
		t.Fatalf("%d sums, want 3000", len(sums))
	}
	if err := VerifyMD5(dir, sums); err != nil {
		t.Fatal(err)
	}
}

func TestLoadFSDDClipsErrors(t *testing.T) {
	good := riff(chunk("fmt ", fmtBody(1, 1, 8000, 16), -1), chunk("data", pcm(1, 2, 3), -1))
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
			_, _, err := LoadFSDDClips(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadFSDDClips = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	dir := t.TempDir()
	for _, name := range []string{"3_bob_7.wav", "3_bob_2.wav", "1_amy_10.wav", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), good, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	train, test, err := LoadFSDDClips(dir)
	if err != nil || len(train) != 2 || len(test) != 1 || train[0].Digit != 1 || train[0].Take != 10 || test[0].Take != 2 {
		t.Fatalf("LoadFSDDClips = %+v, %+v, %v", train, test, err)
	}
}
