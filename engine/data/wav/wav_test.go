package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
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

func TestRead(t *testing.T) {
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
				got, rate, err := Read(open())
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

func TestReadNoAbsurdAllocation(t *testing.T) {
	in := riff(chunk("fmt ", fmtBody(1, 1, 8000, 16), -1), chunk("data", pcm(1, 2), 1<<30))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := Read(iotest.HalfReader(bytes.NewReader(in)))
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("no error for a truncated data chunk")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Fatalf("allocated %d bytes for a %d-byte input", got, len(in))
	}
}

// checkFormatErr checks that err is a *FormatError with message want (a prefix of the
// message if want ends in the middle) wrapping io.ErrUnexpectedEOF iff truncated.
func checkFormatErr(t *testing.T, err error, want string, truncated bool) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want *FormatError %q", err, err, want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %q, want %q", err, want)
	}
	if got := errors.Is(err, io.ErrUnexpectedEOF); got != truncated {
		t.Fatalf("errors.Is(%q, io.ErrUnexpectedEOF) = %v, want %v", err, got, truncated)
	}
}
