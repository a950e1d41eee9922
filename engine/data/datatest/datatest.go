// Package datatest writes small data sets in MNIST's file format, for the
// tests of the programs that read them, and finds the repository's folder
// for tests that read files next to it.
// It imports no other package of this module.
package datatest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// IDX returns an idx file: the magic number, the dimensions, then the
// payload, big-endian as MNIST's files are.
func IDX(magic uint32, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(payload)
	return b.Bytes()
}

// Gzip returns b gzip-compressed.
func Gzip(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// Images returns an idx file of n blank 28×28 images.
func Images(n int) []byte {
	return IDX(0x803, []uint32{uint32(n), 28, 28}, make([]byte, n*784))
}

// MNISTDir writes a four-example data set in a new temporary folder with
// MNIST's file names, the training files gzip'd and the test files not,
// and returns the folder. trainImages is the training images file, for a
// test that wants it broken; nil means Images(4).
func MNISTDir(t testing.TB, trainImages []byte) string {
	t.Helper()
	dir := t.TempDir()
	if trainImages == nil {
		trainImages = Images(4)
	}
	labels := IDX(0x801, []uint32{4}, []byte{1, 2, 3, 4})
	for name, b := range map[string][]byte{
		"train-images-idx3-ubyte.gz": Gzip(trainImages),
		"train-labels-idx1-ubyte.gz": Gzip(labels),
		"t10k-images-idx3-ubyte":     Images(4),
		"t10k-labels-idx1-ubyte":     labels,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// RepoRoot returns the folder holding go.mod, walking up from the test's
// folder (a test runs in its package's folder).
func RepoRoot(tb testing.TB) string {
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
