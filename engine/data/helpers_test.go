package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// idxImages builds an IDX image file: header then pix.
func idxImages(magic, n, rows, cols uint32, pix []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	b = binary.BigEndian.AppendUint32(b, n)
	b = binary.BigEndian.AppendUint32(b, rows)
	b = binary.BigEndian.AppendUint32(b, cols)
	return append(b, pix...)
}

// idxLabels builds an IDX label file: header then labels.
func idxLabels(magic, n uint32, labels []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	b = binary.BigEndian.AppendUint32(b, n)
	return append(b, labels...)
}

// gz compresses b.
func gz(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// seq returns n bytes 0, 1, 2, … (mod 256).
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// repoRoot returns the folder holding go.mod, walking up from the test's folder.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test folder")
		}
		dir = parent
	}
}

// fsddDir returns the FSDD folder from $FSDD_DIR, else ../shared/data/fsdd next to the
// repository, and skips the test when the folder is absent (CI machines may lack it).
func fsddDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv(FSDDDirEnv)
	if dir == "" {
		dir = filepath.Join(repoRoot(tb), "..", "shared", "data", "fsdd")
	}
	if !isDir(dir) {
		tb.Skipf("FSDD folder %s absent (set %s to run this test)", dir, FSDDDirEnv)
	}
	return dir
}
