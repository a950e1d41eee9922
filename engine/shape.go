package engine

import "fmt"

// Shape is the shape of one example's activations, stored NHWC: H rows of
// W pixels of C channels, channel fastest. A flat vector of n features is
// Shape{1, 1, n}.
type Shape struct{ H, W, C int }

// Flat returns the shape of a flat vector of n features.
func Flat(n int) Shape { return Shape{1, 1, n} }

// Size returns the number of floats in one example.
func (s Shape) Size() int { return s.H * s.W * s.C }

// Valid reports whether every dimension is positive.
func (s Shape) Valid() bool { return s.H > 0 && s.W > 0 && s.C > 0 }

// String formats the shape as HxWxC.
func (s Shape) String() string { return fmt.Sprintf("%dx%dx%d", s.H, s.W, s.C) }
