package idx

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestGzipWithoutTrailer checks the message for a gzip file whose data
// are complete but whose trailer is cut off: it said "truncated: want
// 60000 label bytes, got 60000".
func TestGzipWithoutTrailer(t *testing.T) {
	labels := append([]byte{0, 0, 8, 1, 0, 0, 0, 100}, make([]byte, 100)...)
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(labels)
	w.Close()
	for cut := 1; cut <= 8; cut++ { // the trailer is 8 bytes: CRC-32 and length
		_, err := ReadLabels(bytes.NewReader(z.Bytes()[:z.Len()-cut]))
		if err == nil || !strings.Contains(err.Error(), "truncated gzip stream after label bytes") || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%d trailer bytes cut: error %v", cut, err)
		}
	}
}
