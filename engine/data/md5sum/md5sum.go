// Package md5sum checks files against md5 sums, given as a map or as a list in
// the format of md5sum(1).
// It imports no other package of this module.
package md5sum

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ChecksumError reports a file whose md5 sum is not the expected one.
type ChecksumError struct {
	Path      string // the file checked
	Got, Want string // lowercase hex md5 sums
}

// Error says which file has which sum instead of which.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("data: %s: md5 %s, want %s (corrupt or different file)", e.Path, e.Got, e.Want)
}

// File returns the md5 sum of the file at path as lowercase hex.
func File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("data: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Verify checks that each file named in sums (a path relative to dir, mapped to its
// lowercase hex md5) exists in dir and has that sum. It checks the files in name order
// and returns the first failure: the open error, or a *ChecksumError.
func Verify(dir string, sums map[string]string) error {
	names := make([]string, 0, len(sums))
	for name := range sums {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, filepath.FromSlash(name))
		got, err := File(path)
		if err != nil {
			return err
		}
		if want := strings.ToLower(sums[name]); got != want {
			return &ChecksumError{Path: path, Got: got, Want: want}
		}
	}
	return nil
}

// Parse reads a list in the format of md5sum(1): one "<32 hex digits>  <name>"
// per line (a '*' before the name, for binary mode, is accepted; blank lines are
// skipped). It returns the sums keyed by name.
func Parse(r io.Reader) (map[string]string, error) {
	sums := make(map[string]string)
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		sum, name, ok := strings.Cut(text, " ")
		name = strings.TrimPrefix(strings.TrimPrefix(name, " "), "*")
		if _, err := hex.DecodeString(sum); !ok || err != nil || len(sum) != 32 || name == "" {
			return nil, fmt.Errorf("data: md5 list line %d: want \"<md5>  <name>\", got %q", line, text)
		}
		if _, dup := sums[name]; dup {
			return nil, fmt.Errorf("data: md5 list line %d: %q listed twice", line, name)
		}
		sums[name] = strings.ToLower(sum)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("data: reading md5 list: %w", err)
	}
	return sums, nil
}
