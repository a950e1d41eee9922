package runstore

import (
	"strings"
	"testing"
)

func TestCanonicalJSON(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"map keys sorted", map[string]any{"b": 1, "a": []int{2, 1}}, `{"a":[2,1],"b":1}`},
		{"struct fields sorted by their JSON names", struct {
			Z float64 `json:"z"`
			A string  `json:"a"`
		}{0.1, "x"}, `{"a":"x","z":0.1}`},
		{"nested objects sorted", map[string]any{"o": map[string]int{"y": 1, "x": 2}}, `{"o":{"x":2,"y":1}}`},
		{"numbers keep their text", map[string]any{"big": uint64(1) << 60, "f": 1e-7, "i": 3},
			`{"big":1152921504606846976,"f":1e-7,"i":3}`},
		{"omitempty respected", struct {
			A int `json:"a,omitempty"`
			B int `json:"b"`
		}{}, `{"b":0}`},
		{"HTML escaped as encoding/json does", map[string]string{"s": "a<b&c"}, `{"s":"a\u003cb\u0026c"}`},
		{"null", nil, `null`},
		{"array", []float64{0.02, 1}, `[0.02,1]`},
	}
	for _, tt := range tests {
		b, err := CanonicalJSON(tt.in)
		if err != nil || string(b) != tt.want {
			t.Errorf("%s: CanonicalJSON(%v) = %s, %v; want %s", tt.name, tt.in, b, err, tt.want)
		}
	}
	if _, err := CanonicalJSON(func() {}); err == nil {
		t.Errorf("CanonicalJSON(func) gave no error")
	}
}

// TestHashPinned pins Hash: these names are folders of stored results,
// so any change to the encoding or the digest would orphan them. The
// first two are checked by hand: echo -n '{"a":1}' | sha256sum, and
// printf 'step\n{"a":1}' | sha256sum.
func TestHashPinned(t *testing.T) {
	tests := []struct {
		kind string
		job  any
		want string
	}{
		{"", map[string]any{"a": 1}, "015abd7f5cc57a2d"},
		{"step", map[string]any{"a": 1}, "886de3f225e3f261"},
		{"", []int{1, 2}, "49a64717d5d4cb19"},
		{"dist", struct {
			B float64 `json:"b"`
			A string  `json:"a"`
		}{0.1, "x<y"}, "8f0a65fad0dfd6b4"},
	}
	for _, tt := range tests {
		got, err := Hash(tt.kind, tt.job)
		if err != nil || got != tt.want {
			t.Errorf("Hash(%q, %v) = %s, %v; want %s", tt.kind, tt.job, got, err, tt.want)
		}
	}
}

func TestHashDistinguishes(t *testing.T) {
	type job struct {
		Seed   int     `json:"seed"`
		Epochs int     `json:"epochs"`
		F      float64 `json:"f"`
	}
	base := job{1, 10, 0.1}
	tests := []struct {
		name string
		kind string
		job  any
		same bool
	}{
		{"equal job", "", job{1, 10, 0.1}, true},
		{"equal job as a map", "", map[string]any{"f": 0.1, "epochs": 10, "seed": 1}, true},
		{"other seed", "", job{2, 10, 0.1}, false},
		{"other epochs", "", job{1, 11, 0.1}, false},
		{"other fraction", "", job{1, 10, 0.10000001}, false},
		{"same job, a kind", "step", base, false},
	}
	want, err := Hash("", base)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 16 || strings.Trim(want, "0123456789abcdef") != "" {
		t.Fatalf("hash %q is not 16 hex digits", want)
	}
	for _, tt := range tests {
		got, err := Hash(tt.kind, tt.job)
		if err != nil {
			t.Fatal(err)
		}
		if (got == want) != tt.same {
			t.Errorf("%s: hash %s against %s, want equal %v", tt.name, got, want, tt.same)
		}
	}
	a, _ := Hash("step", base)
	b, _ := Hash("dist", base)
	if a == b {
		t.Errorf("two kinds hash one job alike: %s", a)
	}
}

func TestConfigJSON(t *testing.T) {
	b, err := ConfigJSON(map[string]any{"b": []int{1}, "a": 0.5})
	want := "{\n  \"a\": 0.5,\n  \"b\": [\n    1\n  ]\n}\n"
	if err != nil || string(b) != want {
		t.Errorf("ConfigJSON = %q, %v; want %q", b, err, want)
	}
	// Hashing what config.json holds gives the run's hash back: a
	// folder can be checked against its config.
	var generic any = map[string]any{"b": []int{1}, "a": 0.5}
	h1, _ := Hash("", generic)
	h2, err := HashConfigFile("", b)
	if err != nil || h1 != h2 {
		t.Errorf("HashConfigFile = %s, %v; want %s", h2, err, h1)
	}
}
