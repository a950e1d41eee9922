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

func TestElements(t *testing.T) {
	for _, tc := range []struct {
		shape   []int
		n       int
		problem string
	}{
		{nil, 1, ""},
		{[]int{3, 4}, 12, ""},
		{[]int{0, 1 << 40}, 0, "dimension"},
		{[]int{2, 3, 4}, 0, "rank 3"},
		{[]int{-1}, 0, "dimension -1"},
		{[]int{40, 40}, 0, "over 1000 elements"},
	} {
		n, problem := Elements(tc.shape, 2, 1000)
		if tc.problem == "" && (n != tc.n || problem != "") || tc.problem != "" && !strings.Contains(problem, tc.problem) {
			t.Errorf("Elements(%v) = %d, %q; want %d, %q", tc.shape, n, problem, tc.n, tc.problem)
		}
	}
}
