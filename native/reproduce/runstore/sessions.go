package runstore

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// Session is one line of a results folder's sessions.jsonl: one session
// of the runner.
type Session struct {
	Label       string  `json:"label"`
	Commit      string  `json:"commit"`
	Source      string  `json:"source,omitempty"`
	Jobs        int     `json:"jobs"`
	Finished    int     `json:"finished"`
	Failed      int     `json:"failed"`
	Interrupted bool    `json:"interrupted"`
	WallSeconds float64 `json:"wall_seconds"`
}

// AppendSession appends s to root's sessions.jsonl as one write of one
// line, so that concurrent sessions do not interleave their lines.
func AppendSession(root string, s Session) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(root, SessionsFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadSessions returns the sessions of root's sessions.jsonl, skipping
// empty and unreadable lines; none when the file is missing.
func ReadSessions(root string) []Session {
	b, err := os.ReadFile(filepath.Join(root, SessionsFile))
	if err != nil {
		return nil
	}
	var out []Session
	for _, line := range strings.Split(string(b), "\n") {
		var s Session
		if line != "" && json.Unmarshal([]byte(line), &s) == nil {
			out = append(out, s)
		}
	}
	return out
}
