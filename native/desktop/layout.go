package main

import "image"

// The window's logical size: ebiten scales it to the window.
const screenW, screenH = 1280, 800

// layout holds the panels' rectangles in logical pixels. Drawing, clicks
// and the window test all read them from here.
type layout struct {
	header image.Rectangle
	// Panels (cards) and their content areas.
	curves, plot   image.Rectangle // plot: the axes box of the curves
	table          image.Rectangle
	help           image.Rectangle
	weights, grid  image.Rectangle // grid: where the weight tiles go
	unit           image.Rectangle // the selected unit: learned and predicted weights, atoms
	detail, atoms  image.Rectangle
	kernel, kimage image.Rectangle // kimage: the square the kernel matrix is drawn in
}

// newLayout returns the fixed layout of the window.
func newLayout() layout {
	var l layout
	l.header = image.Rect(0, 0, screenW, 44)
	l.curves = image.Rect(12, 52, 672, 376)
	l.plot = image.Rect(l.curves.Min.X+64, l.curves.Min.Y+74, l.curves.Max.X-62, l.curves.Max.Y-46)
	l.table = image.Rect(12, 384, 672, 644)
	l.help = image.Rect(12, 652, 672, 788)
	l.weights = image.Rect(684, 52, 1268, 424)
	l.grid = image.Rect(l.weights.Min.X+12, l.weights.Min.Y+58, l.weights.Max.X-12, l.weights.Max.Y-10)
	l.unit = image.Rect(684, 432, 1010, 788)
	l.detail = image.Rect(l.unit.Min.X+12, l.unit.Min.Y+50, l.unit.Max.X-12, l.unit.Min.Y+180)
	l.atoms = image.Rect(l.unit.Min.X+12, l.unit.Min.Y+204, l.unit.Max.X-12, l.unit.Max.Y-10)
	l.kernel = image.Rect(1018, 432, 1268, 788)
	l.kimage = image.Rect(l.kernel.Min.X+14, l.kernel.Min.Y+58, l.kernel.Max.X-14, l.kernel.Min.Y+58+222)
	return l
}
