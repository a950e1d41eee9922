package csv

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func dir(t *testing.T, train, test string) string {
	t.Helper()
	d := t.TempDir()
	for name, body := range map[string]string{"train.csv": train, "test.csv": test} {
		if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name        string
		train, test string
		x           []float32
		y, testY    []int32
		classes     int
	}{
		{"header, label first", "label,a,b\n2,1.5,-2\n0,3,4e-1\n", "label,a,b\n1,0,0\n",
			[]float32{1.5, -2, 3, 0.4}, []int32{2, 0}, []int32{1}, 3},
		{"no header, label last", "1.5,-2,1\n3,0.4,0\n", "0,0,1\n",
			[]float32{1.5, -2, 3, 0.4}, []int32{1, 0}, []int32{1}, 2},
		{"class names", "x,y,species\n1,2,virginica\n3,4,setosa\n", "x,y,species\n5,6,versicolor\n",
			[]float32{1, 2, 3, 4}, []int32{2, 0}, []int32{1}, 3},
		{"no header, names", "1,2,b\n3,4,a\n", "5,6,a\n",
			[]float32{1, 2, 3, 4}, []int32{1, 0}, []int32{0}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dir(t, tt.train, tt.test)
			if !IsData(d) {
				t.Fatal("IsData = false")
			}
			train, test, err := Load(d)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(train.X, tt.x) || !slices.Equal(train.Y, tt.y) || !slices.Equal(test.Y, tt.testY) ||
				train.Classes != tt.classes || test.Classes != tt.classes || train.C != 2 || train.H != 1 {
				t.Fatalf("train %+v test %+v", train, test)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, train, test, msg string
	}{
		{"not a number", "a,label\n1,0\nx,1\n", "a,label\n1,0\n", "not a finite number"},
		{"empty field", "1,0\n,1\n", "1,0\n", "not a finite number"},
		{"ragged", "1,2,0\n1,1\n", "1,2,0\n", "wrong number of fields"},
		{"one column", "1\n2\n", "1\n", "want features and a label"},
		{"widths", "1,2,0\n3,4,1\n", "1,0\n", "2 features"},
		{"one class", "1,0\n2,0\n", "1,0\n", "at least 2"},
		{"no rows", "a,label\n", "a,label\n1,0\n", "no examples"},
		{"inf", "1,0\ninf,1\n", "1,0\n", "not a finite number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(dir(t, tt.train, tt.test))
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %v, want a FormatError mentioning %q", err, tt.msg)
			}
		})
	}
	if _, _, err := Load(t.TempDir()); err == nil {
		t.Fatal("empty folder: no error")
	}
}
