package data

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/predparams/predparams/engine/data/datatest"
)

// idxImages builds an IDX image file: header then pix.
func idxImages(magic, n, rows, cols uint32, pix []byte) []byte {
	return datatest.IDX(magic, []uint32{n, rows, cols}, pix)
}

// idxLabels builds an IDX label file: header then labels.
func idxLabels(magic, n uint32, labels []byte) []byte {
	return datatest.IDX(magic, []uint32{n}, labels)
}

// gz compresses b.
func gz(tb testing.TB, b []byte) []byte { return datatest.Gzip(b) }

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
