// Package csv reads tabular data sets from CSV files: a folder holding train.csv and
// test.csv, one example per row, numeric features and one label column.
//
// The first row is a header when any of its feature fields is not a number. The
// label column is the one whose header is "label" (any case), else the last
// column. Labels are class indices (integers ≥ 0) when every label of both files
// is one; otherwise they are class names, numbered in sorted order. Features are
// read as float32; an empty or non-finite field is an error.
//
// It must not import any other package of this module but engine/data.
package csv

import (
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/internal/decode"
)

// FormatError reports malformed input (an alias of the readers' shared type).
type FormatError = decode.FormatError

// IsData reports whether dir holds train.csv.
func IsData(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "train.csv"))
	return err == nil
}

// table is one file: its rows' features and label fields.
type table struct {
	x      []float32
	labels []string
	header []string // nil without a header
	d      int
}

// Load reads dir/train.csv and dir/test.csv.
func Load(dir string) (train, test *data.Dataset, err error) {
	var tabs [2]*table
	for i, name := range []string{"train.csv", "test.csv"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, err
		}
		tabs[i], err = read(f)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
	}
	if tabs[0].d != tabs[1].d {
		return nil, nil, &FormatError{Format: "csv", Msg: fmt.Sprintf("train.csv has %d features, test.csv %d", tabs[0].d, tabs[1].d)}
	}
	classes, index := classIndex(append(slices.Clone(tabs[0].labels), tabs[1].labels...))
	if classes < 2 {
		return nil, nil, &FormatError{Format: "csv", Msg: fmt.Sprintf("the labels name %d class, want at least 2", classes)}
	}
	var sets [2]*data.Dataset
	for i, t := range tabs {
		ds := &data.Dataset{Name: "csv " + []string{"train", "test"}[i], N: len(t.labels), H: 1, W: 1, C: t.d,
			X: t.x, Y: make([]int32, len(t.labels)), Classes: classes}
		for k, l := range t.labels {
			ds.Y[k] = index[l]
		}
		if err := ds.Validate(); err != nil {
			return nil, nil, err
		}
		sets[i] = ds
	}
	return sets[0], sets[1], nil
}

// classIndex numbers the labels: by value when all are integers ≥ 0 (classes is
// the largest plus one), else by sorted name.
func classIndex(labels []string) (classes int, index map[string]int32) {
	index = make(map[string]int32)
	numeric := true
	for _, l := range labels {
		v, err := strconv.Atoi(l)
		if err != nil || v < 0 || v >= 1<<20 {
			numeric = false
			break
		}
		index[l] = int32(v)
		classes = max(classes, v+1)
	}
	if numeric {
		return classes, index
	}
	names := slices.Compact(slices.Sorted(slices.Values(labels)))
	clear(index)
	for i, n := range names {
		index[n] = int32(i)
	}
	return len(names), index
}

// read reads one CSV file.
func read(r io.Reader) (*table, error) {
	cr := stdcsv.NewReader(r)
	cr.ReuseRecord = true
	t := &table{}
	label := -1
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &FormatError{Format: "csv", Msg: err.Error()}
		}
		if label < 0 {
			label = len(rec) - 1
			if len(rec) < 2 {
				return nil, &FormatError{Format: "csv", Msg: fmt.Sprintf("row 1 has %d column, want features and a label", len(rec))}
			}
			if isHeader(rec) {
				t.header = slices.Clone(rec)
				for i, h := range rec {
					if strings.EqualFold(strings.TrimSpace(h), "label") {
						label = i
					}
				}
				continue
			}
		}
		if t.d == 0 {
			t.d = len(rec) - 1
		}
		for i, field := range rec {
			if i == label {
				t.labels = append(t.labels, strings.TrimSpace(field))
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(field), 32)
			if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, &FormatError{Format: "csv", Msg: fmt.Sprintf("row %d, column %d: %q is not a finite number", row, i+1, field)}
			}
			t.x = append(t.x, float32(v))
		}
	}
	if len(t.labels) == 0 {
		return nil, &FormatError{Format: "csv", Msg: "no examples"}
	}
	return t, nil
}

// isHeader reports whether a first row is a header: some field other than the
// last is not a number (a header's label column may be anywhere, so any
// non-numeric field but a trailing class name counts).
func isHeader(rec []string) bool {
	for i, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil && i < len(rec)-1 {
			return true
		}
		if strings.EqualFold(strings.TrimSpace(f), "label") {
			return true
		}
	}
	return false
}
