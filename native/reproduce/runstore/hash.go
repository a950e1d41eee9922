package runstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// CanonicalJSON encodes v with sorted object keys and no insignificant
// space, so equal jobs give equal bytes whatever the field order of the
// Go structs. Numbers keep the text encoding/json gives them.
func CanonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	return json.Marshal(generic)
}

// Hash returns a run's folder name: the first 16 hex digits of the
// SHA-256 of kind, a newline and the canonical JSON of job. An empty kind
// (training runs, whose folders predate the other kinds) hashes the job
// alone. The hash names stored results: it must never change for a given
// job.
func Hash(kind string, job any) (string, error) {
	b, err := CanonicalJSON(job)
	if err != nil {
		return "", err
	}
	if kind != "" {
		b = append([]byte(kind+"\n"), b...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}

// ConfigJSON returns config.json's content for job: its canonical JSON,
// indented by two spaces, with a final newline.
func ConfigJSON(job any) ([]byte, error) {
	b, err := CanonicalJSON(job)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// HashConfigFile returns the hash of the job stored as config.json
// (ConfigJSON's output), so that a run's folder can be checked against
// its config.
func HashConfigFile(kind string, config []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(config))
	dec.UseNumber()
	var job any
	if err := dec.Decode(&job); err != nil {
		return "", err
	}
	return Hash(kind, job)
}
