package data

import (
	"fmt"
	"strings"
	"testing"
)

func TestDatasetValidate(t *testing.T) {
	good := func() *Dataset {
		return &Dataset{Name: "toy", N: 3, H: 1, W: 2, C: 1, Classes: 2,
			X: make([]float32, 6), Y: []int32{0, 1, 1}}
	}
	tests := []struct {
		name   string
		change func(d *Dataset)
		want   string // substring of the error; "" = valid
	}{
		{"good", func(d *Dataset) {}, ""},
		{"empty", func(d *Dataset) { d.N, d.X, d.Y = 0, nil, nil }, ""},
		{"negative N", func(d *Dataset) { d.N = -1 }, "negative example count"},
		{"zero channel", func(d *Dataset) { d.C = 0 }, "bad example shape 1x2x0"},
		{"no classes", func(d *Dataset) { d.Classes = 0 }, "bad class count"},
		{"short X", func(d *Dataset) { d.X = d.X[:5] }, "len(X) = 5, want"},
		{"long Y", func(d *Dataset) { d.Y = append(d.Y, 0) }, "len(Y) = 4, want N = 3"},
		{"label too big", func(d *Dataset) { d.Y[2] = 2 }, "label 2 of example 2 not in [0, 2)"},
		{"negative label", func(d *Dataset) { d.Y[0] = -1 }, "label -1 of example 0"},
		{"overflow", func(d *Dataset) { d.H, d.W = 1<<40, 1<<30 }, "overflows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := good()
			tt.change(d)
			err := d.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestDatasetSubsetSplit(t *testing.T) {
	d := &Dataset{Name: "toy", N: 5, H: 1, W: 1, C: 2, Classes: 5,
		X: []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Y: []int32{0, 1, 2, 3, 4}}
	s := d.Subset(1, 3)
	if s.N != 3 || s.Name != "toy[1:4]" || s.Dim() != 2 || len(s.X) != 6 || s.X[0] != 2 || s.Y[2] != 3 {
		t.Fatalf("Subset(1, 3) = %+v", s)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	s.X[0] = 42 // a view: writes show in the parent
	if d.X[2] != 42 {
		t.Error("Subset copied X, want a view")
	}
	s.X = append(s.X, -1) // capped: appends never overwrite the parent
	s.Y = append(s.Y, -1)
	if d.X[8] != 8 || d.Y[4] != 4 {
		t.Error("append to a Subset wrote into the parent")
	}
	train, val := d.Split(4)
	if train.N != 4 || val.N != 1 || val.Y[0] != 4 || val.X[1] != 9 {
		t.Fatalf("Split(4) = %+v, %+v", train, val)
	}
	if a, b := d.Split(0); a.N != 0 || b.N != 5 {
		t.Fatalf("Split(0) = %d, %d examples", a.N, b.N)
	}
	for _, f := range []func(){
		func() { d.Subset(-1, 1) }, func() { d.Subset(3, 3) }, func() { d.Split(6) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("out-of-range view did not panic")
				}
			}()
			f()
		}()
	}
}

func ExampleDataset_Split() {
	d := &Dataset{Name: "toy", N: 4, H: 1, W: 1, C: 1, Classes: 2,
		X: []float32{0.1, 0.2, 0.3, 0.4}, Y: []int32{0, 1, 0, 1}}
	train, val := d.Split(3)
	fmt.Println(train.Name, train.X, val.Name, val.Y)
	// Output: toy[0:3] [0.1 0.2 0.3] toy[3:4] [1]
}

// TestRandom checks Random's shapes, ranges and determinism.
func TestRandom(t *testing.T) {
	for _, tc := range []struct{ n, h, w, c, classes int }{{5, 28, 28, 1, 10}, {3, 1, 1, 7, 2}} {
		a, b := Random(tc.n, tc.h, tc.w, tc.c, tc.classes, 4), Random(tc.n, tc.h, tc.w, tc.c, tc.classes, 4)
		if err := a.Validate(); err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if a.N != tc.n || len(a.X) != tc.n*tc.h*tc.w*tc.c {
			t.Errorf("%+v: N %d, %d values", tc, a.N, len(a.X))
		}
		for i, v := range a.X {
			if v < 0 || v >= 1 || v != b.X[i] {
				t.Fatalf("%+v: X[%d] = %v (again %v)", tc, i, v, b.X[i])
			}
		}
		for i, y := range a.Y {
			if y < 0 || int(y) >= tc.classes || y != b.Y[i] {
				t.Fatalf("%+v: Y[%d] = %d (again %d)", tc, i, y, b.Y[i])
			}
		}
		if c := Random(tc.n, tc.h, tc.w, tc.c, tc.classes, 5); c.X[0] == a.X[0] && c.X[1] == a.X[1] {
			t.Errorf("%+v: seeds 4 and 5 give the same values", tc)
		}
	}
}
