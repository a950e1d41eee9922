// Package fsdd reads the Free Spoken Digit Dataset (FSDD): its clips, with the
// official train/test split, and their audio features (log-mel spectrograms and
// MFCCs, MelSpec).
// Of this module it imports only engine/data/wav.
package fsdd

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/predparams/predparams/engine/data/wav"
)

// DirEnv names the environment variable that tools and tests read for the Free
// Spoken Digit Dataset folder. Library code never reads it: the folder is an argument.
const DirEnv = "FSDD_DIR"

// TestTakes is the number of takes per speaker and digit in the official test
// split: takes 0–4 are test, the others (5–49) train.
const TestTakes = 5

// Clip is one Free Spoken Digit Dataset recording, "{digit}_{speaker}_{take}.wav".
type Clip struct {
	Samples []float32 // 16-bit PCM scaled to [-1, 1)
	Rate    int       // sample rate in Hz (8000 for FSDD)
	Digit   int       // the spoken digit, 0–9: the label
	Speaker string    // e.g. "george"
	Take    int       // recording index, 0–49
}

// LoadClips reads every "{digit}_{speaker}_{take}.wav" file of the Free Spoken
// Digit Dataset in dir/recordings (or in dir itself if it has no recordings folder)
// and splits them officially: takes 0–4 go to test, later takes to train. Within each
// split, clips are ordered by digit, speaker and take. Other files are ignored; a .wav
// file with another name, or that wav.Read rejects, is an error naming the file.
func LoadClips(dir string) (train, test []Clip, err error) {
	if rec := filepath.Join(dir, "recordings"); isDir(rec) {
		dir = rec
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("data: FSDD: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".wav") {
			continue
		}
		c, err := parseFSDDName(name)
		if err != nil {
			return nil, nil, err
		}
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("data: FSDD: %w", err)
		}
		c.Samples, c.Rate, err = wav.Read(f)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("data: FSDD: %s: %w", path, err)
		}
		if c.Take < TestTakes {
			test = append(test, c)
		} else {
			train = append(train, c)
		}
	}
	if len(train)+len(test) == 0 {
		return nil, nil, fmt.Errorf("data: FSDD: no .wav files in %s", dir)
	}
	for _, clips := range [][]Clip{train, test} {
		sort.Slice(clips, func(i, j int) bool {
			a, b := &clips[i], &clips[j]
			if a.Digit != b.Digit {
				return a.Digit < b.Digit
			}
			if a.Speaker != b.Speaker {
				return a.Speaker < b.Speaker
			}
			return a.Take < b.Take
		})
	}
	return train, test, nil
}

// parseFSDDName parses "{digit}_{speaker}_{take}.wav".
func parseFSDDName(name string) (Clip, error) {
	parts := strings.Split(strings.TrimSuffix(name, ".wav"), "_")
	bad := func(why string) (Clip, error) {
		return Clip{}, fmt.Errorf("data: FSDD: file name %q: %s, want {digit}_{speaker}_{take}.wav", name, why)
	}
	if len(parts) != 3 || parts[1] == "" {
		return bad("not three fields")
	}
	digit, err := strconv.Atoi(parts[0])
	if err != nil || digit < 0 || digit > 9 || len(parts[0]) != 1 {
		return bad("digit not in 0-9")
	}
	take, err := strconv.Atoi(parts[2])
	if err != nil || take < 0 || strings.HasPrefix(parts[2], "+") {
		return bad("take not a non-negative integer")
	}
	return Clip{Digit: digit, Speaker: parts[1], Take: take}, nil
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
