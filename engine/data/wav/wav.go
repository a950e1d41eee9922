// Package wav reads RIFF/WAVE files of 16-bit PCM mono audio.
// Of this module it imports only engine/data/internal/decode.
package wav

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/predparams/predparams/engine/data/internal/decode"
)

// FormatError reports that an input is not a valid WAVE file (Format "wav"); its
// message says what is wrong, and Err, when set, is the cause (io.ErrUnexpectedEOF
// for truncated input). It is the type engine/data/idx reports too.
type FormatError = decode.FormatError

// UnsupportedError reports that an input is valid in its format but uses a feature
// this reader does not handle, e.g. a stereo or 24-bit file.
type UnsupportedError = decode.UnsupportedError

// MaxBytes is the largest "data" chunk Read accepts (1 GiB, about 9 hours of
// 16-bit mono at 16 kHz); a larger one is reported as a FormatError.
const MaxBytes = 1 << 30

// maxFmtChunk bounds the "fmt " chunk, which is 16, 18 or 40 bytes in practice.
const maxFmtChunk = 4096

// WAVE format tags.
const (
	wavFormatPCM        = 0x0001
	wavFormatExtensible = 0xFFFE
)

// pcmSubFormat is KSDATAFORMAT_SUBTYPE_PCM, the GUID that marks PCM data in a
// WAVE_FORMAT_EXTENSIBLE "fmt " chunk.
const pcmSubFormat = "\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"

// Read reads a RIFF/WAVE file of 16-bit signed PCM mono audio and returns its samples
// scaled to [-1, 1) (s/32768) and its sample rate in Hz.
//
// It walks the chunks after the "WAVE" tag: unknown chunks (LIST, fact, …) are skipped,
// odd-sized chunks are followed by a pad byte, "fmt " must come before "data", and
// reading stops after "data". WAVE_FORMAT_EXTENSIBLE with the PCM sub-format is
// accepted. Malformed input is a *FormatError (not RIFF/WAVE, truncated, missing
// chunks); valid but unhandled audio (not PCM, not mono, not 16-bit) an
// *UnsupportedError.
func Read(r io.Reader) (samples []float32, sampleRate int, err error) {
	s := decode.Plain("wav", r)
	var h [12]byte
	if err := s.ReadFull(h[:], "RIFF header bytes"); err != nil {
		return nil, 0, err
	}
	if string(h[0:4]) != "RIFF" || string(h[8:12]) != "WAVE" {
		return nil, 0, decode.Errorf("wav", "not a RIFF/WAVE file (starts %q)", h[:])
	}
	// The RIFF size field is often wrong in the wild (streamed writers); it is not used.
	haveFmt := false
	for {
		var ch [8]byte
		if err := s.ReadFull(ch[:], "chunk header bytes"); err != nil {
			if fe, ok := err.(*FormatError); ok && fe.Err == io.ErrUnexpectedEOF {
				return nil, 0, &FormatError{Format: "wav", Msg: "no data chunk", Err: io.ErrUnexpectedEOF}
			}
			return nil, 0, err
		}
		id, size := string(ch[0:4]), int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			if haveFmt {
				return nil, 0, decode.Errorf("wav", "two fmt chunks")
			}
			if size < 16 || size > maxFmtChunk {
				return nil, 0, decode.Errorf("wav", "fmt chunk of %d bytes, want 16 to %d", size, maxFmtChunk)
			}
			b := make([]byte, size+size&1)
			if err := s.ReadFull(b[:size], "fmt chunk bytes"); err != nil {
				return nil, 0, err
			}
			if size&1 == 1 {
				if err := s.ReadFull(b[size:], "pad byte"); err != nil {
					return nil, 0, err
				}
			}
			if sampleRate, err = parseFmt(b[:size]); err != nil {
				return nil, 0, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, 0, decode.Errorf("wav", "data chunk before fmt chunk")
			}
			if size > MaxBytes {
				return nil, 0, decode.Errorf("wav", "data chunk of %d bytes, over the %d-byte limit", size, MaxBytes)
			}
			if size%2 != 0 {
				return nil, 0, decode.Errorf("wav", "data chunk of %d bytes is not a whole number of 16-bit samples", size)
			}
			raw, err := s.ReadPayload(size, "data bytes")
			if err != nil {
				return nil, 0, err
			}
			samples = make([]float32, size/2)
			for i := range samples {
				samples[i] = float32(int16(binary.LittleEndian.Uint16(raw[2*i:]))) / 32768
			}
			return samples, sampleRate, nil
		default:
			skip := size + size&1
			n, err := s.Discard(skip)
			if err != nil {
				if err == io.EOF && n == size { // a missing final pad byte
					err = io.ErrUnexpectedEOF
				}
				return nil, 0, decode.ReadErr("wav", err, skip, n, fmt.Sprintf("bytes of chunk %q", id))
			}
		}
	}
}

// parseFmt checks a "fmt " chunk body (at least 16 bytes) and returns the sample rate.
func parseFmt(b []byte) (int, error) {
	le := binary.LittleEndian
	tag, channels := le.Uint16(b[0:]), le.Uint16(b[2:])
	rate := le.Uint32(b[4:])
	blockAlign, bits := le.Uint16(b[12:]), le.Uint16(b[14:])
	if tag == wavFormatExtensible {
		// cbSize(2) validBits(2) channelMask(4) subFormat GUID(16) follow.
		if len(b) < 40 || le.Uint16(b[16:]) < 22 {
			return 0, decode.Errorf("wav", "WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes, want 40", len(b))
		}
		if !bytes.Equal(b[24:40], []byte(pcmSubFormat)) {
			return 0, &UnsupportedError{Format: "wav", Msg: "WAVE_FORMAT_EXTENSIBLE sub-format (want PCM)"}
		}
		tag = wavFormatPCM
	}
	switch {
	case tag != wavFormatPCM:
		return 0, &UnsupportedError{Format: "wav", Msg: formatTagName(tag) + " encoding (want PCM)"}
	case channels != 1:
		return 0, &UnsupportedError{Format: "wav", Msg: fmt.Sprintf("%d channels (want mono)", channels)}
	case bits != 16:
		return 0, &UnsupportedError{Format: "wav", Msg: fmt.Sprintf("%d-bit samples (want 16-bit)", bits)}
	case rate == 0:
		return 0, decode.Errorf("wav", "sample rate 0 Hz")
	case blockAlign != 2:
		return 0, decode.Errorf("wav", "block align %d for 16-bit mono, want 2", blockAlign)
	}
	// The byte rate field is redundant (2·rate here) and, like Python's wave module,
	// not checked.
	return int(rate), nil
}

func formatTagName(tag uint16) string {
	switch tag {
	case 0x0003:
		return "IEEE float"
	case 0x0006:
		return "A-law"
	case 0x0007:
		return "mu-law"
	}
	return fmt.Sprintf("format tag 0x%04x", tag)
}
