package iox

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRemaining checks the readers that can tell their length, a file
// part-read, and a reader that cannot tell.
func TestRemaining(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(30, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		r    io.Reader
		want int64
	}{
		{"bytes.Reader", bytes.NewReader(make([]byte, 7)), 7},
		{"strings.Reader", strings.NewReader("abc"), 3},
		{"bytes.Buffer", bytes.NewBufferString("hello"), 5},
		{"file after 30 bytes", f, 70},
		{"cannot tell", io.MultiReader(strings.NewReader("abc")), -1},
	} {
		if got := Remaining(tc.r); got != tc.want {
			t.Errorf("%s: Remaining = %d, want %d", tc.name, got, tc.want)
		}
	}
}
