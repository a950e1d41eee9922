package models

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseConfig feeds ParseConfig arbitrary bytes, seeded with every
// shipped config. It must return an error or a valid config, never panic,
// and a config it accepts must survive a round trip through JSON
// unchanged and still be accepted.
func FuzzParseConfig(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("configs", "*.json"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no shipped configs to seed with (%v)", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"name": "x", "layers": [{"kind": "dense", "units": -1}]}`))
	f.Add([]byte(`{"name": "x"} {"name": "y"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(bytes.NewReader(b))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error of more than one line: %q", err)
			}
			return
		}
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("an accepted config does not encode: %v", err)
		}
		c2, err := ParseConfig(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("an accepted config, re-encoded, is rejected: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("the round trip changed the config:\n%+v\n%+v", c, c2)
		}
	})
}
