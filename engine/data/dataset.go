package data

import (
	"fmt"
	"math/rand/v2"
)

// Dataset is a labelled dataset held in memory as one flat float32 buffer.
//
// Example i occupies X[i·Dim() : (i+1)·Dim()] in NHWC order (channel fastest) and has
// label Y[i]. A Dataset returned by Subset or Split shares X and Y with its parent.
type Dataset struct {
	// Name identifies the dataset in logs and reports, e.g. "mnist-train".
	Name string
	// N is the number of examples.
	N int
	// H, W and C are the per-example shape (NHWC); a flat vector is 1×1×D.
	H, W, C int
	// X holds N·H·W·C values, row-major, one example after another.
	X []float32
	// Y holds N labels in [0, Classes).
	Y []int32
	// Classes is the number of classes.
	Classes int
}

// Dim returns the number of values per example, H·W·C.
func (d *Dataset) Dim() int { return d.H * d.W * d.C }

// Validate reports whether the dataset is consistent: positive shape and class count,
// len(X) == N·H·W·C, len(Y) == N and every label in [0, Classes).
func (d *Dataset) Validate() error {
	switch {
	case d.N < 0:
		return fmt.Errorf("data: dataset %q: negative example count %d", d.Name, d.N)
	case d.H <= 0 || d.W <= 0 || d.C <= 0:
		return fmt.Errorf("data: dataset %q: bad example shape %dx%dx%d", d.Name, d.H, d.W, d.C)
	case d.Classes <= 0:
		return fmt.Errorf("data: dataset %q: bad class count %d", d.Name, d.Classes)
	}
	dim := d.Dim()
	if dim <= 0 || d.N > 0 && dim > int(^uint(0)>>1)/d.N {
		return fmt.Errorf("data: dataset %q: size %d×%d overflows", d.Name, d.N, dim)
	}
	if len(d.X) != d.N*dim {
		return fmt.Errorf("data: dataset %q: len(X) = %d, want N·H·W·C = %d·%d = %d",
			d.Name, len(d.X), d.N, dim, d.N*dim)
	}
	if len(d.Y) != d.N {
		return fmt.Errorf("data: dataset %q: len(Y) = %d, want N = %d", d.Name, len(d.Y), d.N)
	}
	for i, y := range d.Y {
		if y < 0 || int(y) >= d.Classes {
			return fmt.Errorf("data: dataset %q: label %d of example %d not in [0, %d)",
				d.Name, y, i, d.Classes)
		}
	}
	return nil
}

// Subset returns a view of examples [start, start+n): it shares X and Y with d (no
// copy), and its slices are capped so that appending to them never writes into d.
// It panics if the range is outside [0, d.N], which is a programmer error.
func (d *Dataset) Subset(start, n int) *Dataset {
	if start < 0 || n < 0 || start > d.N || n > d.N-start {
		panic(fmt.Sprintf("data: Subset(%d, %d) of dataset %q with %d examples", start, n, d.Name, d.N))
	}
	dim := d.Dim()
	x0, x1 := start*dim, (start+n)*dim
	return &Dataset{
		Name:    fmt.Sprintf("%s[%d:%d]", d.Name, start, start+n),
		N:       n,
		H:       d.H,
		W:       d.W,
		C:       d.C,
		X:       d.X[x0:x1:x1],
		Y:       d.Y[start : start+n : start+n],
		Classes: d.Classes,
	}
}

// Split returns two views of d: the first n examples and the remaining N−n, e.g. a
// training set and a held-out validation set. Neither copies data. It panics if n is
// outside [0, d.N], which is a programmer error.
func (d *Dataset) Split(n int) (first, rest *Dataset) {
	if n < 0 || n > d.N {
		panic(fmt.Sprintf("data: Split(%d) of dataset %q with %d examples", n, d.Name, d.N))
	}
	return d.Subset(0, n), d.Subset(n, d.N-n)
}

// Random returns n examples of shape h×w×c with values uniform in [0, 1)
// and labels uniform over classes, drawn from a PCG seeded with seed: the
// MNIST-shaped stand-in that benchmarks train on, so that they measure
// speed without reading files.
func Random(n, h, w, c, classes int, seed uint64) *Dataset {
	r := rand.New(rand.NewPCG(seed, 2))
	ds := &Dataset{Name: "random", N: n, H: h, W: w, C: c, Classes: classes,
		X: make([]float32, n*h*w*c), Y: make([]int32, n)}
	for i := range ds.X {
		ds.X[i] = r.Float32()
	}
	for i := range ds.Y {
		ds.Y[i] = int32(r.IntN(classes))
	}
	return ds
}

// NotEmpty reports the first set with no examples: nothing can be trained
// on it, and an error measured on it would read 0%.
func NotEmpty(sets ...*Dataset) error {
	for _, ds := range sets {
		if ds.N == 0 {
			return fmt.Errorf("data set %s has no examples", ds.Name)
		}
	}
	return nil
}
