package md5sum

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	const a, b = "0123456789abcdef0123456789abcdef", "d41d8cd98f00b204e9800998ecf8427e"
	tests := []struct {
		name string
		in   string
		want map[string]string // nil: an error containing err
		err  string
	}{
		{"text and binary mode", a + "  x.wav\n" + strings.ToUpper(b) + " *sub/y.wav\r\n\n", map[string]string{"x.wav": a, "sub/y.wav": b}, ""},
		{"empty", "", map[string]string{}, ""},
		{"short sum", "0123  x.wav\n", nil, `line 1: want "<md5>  <name>"`},
		{"not hex", strings.Repeat("z", 32) + "  x.wav\n", nil, "line 1"},
		{"no name", a + "  \n", nil, "line 1"},
		{"twice", a + "  x.wav\n" + b + "  x.wav\n", nil, `line 2: "x.wav" listed twice`},
	}
	for _, tt := range tests {
		got, err := Parse(strings.NewReader(tt.in))
		if tt.want == nil {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: Parse = %v, %v; want an error containing %q", tt.name, got, err, tt.err)
			}
			continue
		}
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("%s: Parse = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	const empty = "d41d8cd98f00b204e9800998ecf8427e" // md5 of no bytes
	if err := Verify(dir, map[string]string{"empty": strings.ToUpper(empty)}); err != nil {
		t.Fatalf("Verify of a good sum: %v", err)
	}
	err := Verify(dir, map[string]string{"empty": "0123456789abcdef0123456789abcdef"})
	var ce *ChecksumError
	if !errors.As(err, &ce) || ce.Got != empty || filepath.Base(ce.Path) != "empty" {
		t.Fatalf("Verify of a wrong sum = %v, want a *ChecksumError", err)
	}
	if err := Verify(dir, map[string]string{"missing": empty}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Verify of a missing file = %v, want os.ErrNotExist", err)
	}
}
