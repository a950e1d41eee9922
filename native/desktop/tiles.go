package main

import (
	"image/color"
	"math"

	"github.com/predparams/predparams/engine"
)

// pixbuf is an RGBA pixel buffer, row-major, 4 bytes a pixel, painted on
// the CPU and uploaded in one WritePixels: one texture upload per panel
// instead of thousands of draw calls.
type pixbuf struct {
	pix  []byte
	w, h int
}

// reset sizes p to w×h and fills it with c, reusing its storage.
func (p *pixbuf) reset(w, h int, c color.RGBA) {
	n := 4 * w * h
	if cap(p.pix) < n {
		p.pix = make([]byte, n)
	}
	p.pix, p.w, p.h = p.pix[:n], w, h
	p.fill(0, 0, w, h, c)
}

// fill paints the rectangle at (x, y) of size w×h, clipped to p.
func (p *pixbuf) fill(x, y, w, h int, c color.RGBA) {
	x0, y0 := max(x, 0), max(y, 0)
	x1, y1 := min(x+w, p.w), min(y+h, p.h)
	for yy := y0; yy < y1; yy++ {
		row := p.pix[4*(yy*p.w+x0) : 4*(yy*p.w+x1)]
		for i := 0; i < len(row); i += 4 {
			row[i], row[i+1], row[i+2], row[i+3] = c.R, c.G, c.B, c.A
		}
	}
}

// tiling lays the rows weights of one unit out as an image, in cells: an
// H×W image per channel, channels side by side in a near-square grid with
// one cell of gap, or a near-square of side×⌈n/side⌉ for a flat vector
// (1×1×n).
type tiling struct {
	shape   engine.Shape
	flat    bool
	side    int // row length of a flat vector
	blocksX int // channel blocks per row
	w, h    int // size in cells, gaps included
}

// newTiling returns the layout of vectors of shape s (H·W·C rows, channel
// fastest, as the project lays out inputs and conv filters).
func newTiling(s engine.Shape) tiling {
	if s.H*s.W <= 1 {
		n := s.Size()
		side := max(1, int(math.Ceil(math.Sqrt(float64(n)))))
		return tiling{shape: engine.Shape{H: 1, W: 1, C: n}, flat: true, side: side, w: side, h: (n + side - 1) / side}
	}
	bx := max(1, int(math.Ceil(math.Sqrt(float64(s.C)))))
	by := (s.C + bx - 1) / bx
	return tiling{shape: s, blocksX: bx, w: bx*s.W + bx - 1, h: by*s.H + by - 1}
}

// cell returns the cell of row r.
func (t tiling) cell(r int) (x, y int) {
	if t.flat {
		return r % t.side, r / t.side
	}
	s := t.shape
	c, p := r%s.C, r/s.C
	bx, by := c%t.blocksX, c/t.blocksX
	return bx*(s.W+1) + p%s.W, by*(s.H+1) + p/s.W
}

// rows returns the number of rows t lays out.
func (t tiling) rows() int { return t.shape.Size() }

// rgb returns an opaque colour.
func rgb(r, g, b uint8) color.RGBA { return color.RGBA{r, g, b, 255} }

// diverging maps v in [−1, 1] to blue (negative), near-white (0) and red
// (positive), after ColorBrewer's RdBu.
func diverging(v float32) color.RGBA {
	v = min(max(v, -1), 1)
	mid := [3]float32{247, 247, 247}
	end := [3]float32{178, 24, 43}
	if v < 0 {
		end = [3]float32{33, 102, 172}
		v = -v
	}
	var c [3]uint8
	for i := range c {
		c[i] = uint8(mid[i] + (end[i]-mid[i])*v + 0.5)
	}
	return rgb(c[0], c[1], c[2])
}

// sequential maps v in [0, 1] to a viridis-like ramp from dark violet to
// yellow.
func sequential(v float32) color.RGBA {
	stops := [...][3]float32{{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}
	v = min(max(v, 0), 1) * float32(len(stops)-1)
	i := min(int(v), len(stops)-2)
	f := v - float32(i)
	var c [3]uint8
	for k := range c {
		c[k] = uint8(stops[i][k] + (stops[i+1][k]-stops[i][k])*f + 0.5)
	}
	return rgb(c[0], c[1], c[2])
}

// Fixed colours of the tiles.
func gapColour() color.RGBA    { return rgb(214, 218, 224) }
func hiddenColour() color.RGBA { return rgb(226, 229, 233) }
func alphaColour() color.RGBA  { return rgb(20, 20, 20) }

// tileOptions say how paintTile draws a vector.
type tileOptions struct {
	scale  float32 // |v| that saturates the colours; ≤ 0 means the vector's max |v|
	mark   []int   // rows to mark with a dot (α)
	only   bool    // draw only the marked rows, the others in hiddenColour
	marked []bool  // scratch, reused
}

// maxAbs returns max |v|, or 1 when v is all zeros.
func maxAbs(v []float32) float32 {
	var m float32
	for _, x := range v {
		m = max(m, x, -x)
	}
	if m == 0 || math.IsNaN(float64(m)) {
		return 1
	}
	return m
}

// paintTile draws the vector vals (one value per row of t) at (x0, y0)
// with s×s pixels a cell.
func paintTile(p *pixbuf, x0, y0, s int, t tiling, vals []float32, o *tileOptions) {
	p.fill(x0, y0, t.w*s, t.h*s, gapColour())
	scale := o.scale
	if scale <= 0 {
		scale = maxAbs(vals)
	}
	if o.only {
		if cap(o.marked) < len(vals) {
			o.marked = make([]bool, len(vals))
		}
		o.marked = o.marked[:len(vals)]
		clear(o.marked)
		for _, r := range o.mark {
			if r >= 0 && r < len(vals) {
				o.marked[r] = true
			}
		}
	}
	for r, v := range vals {
		x, y := t.cell(r)
		c := diverging(v / scale)
		if o.only && !o.marked[r] {
			c = hiddenColour()
		}
		p.fill(x0+x*s, y0+y*s, s, s, c)
	}
	if o.only {
		return // the coloured cells are the marks
	}
	d := max(1, s/3)
	off := (s - d) / 2
	for _, r := range o.mark {
		if r < 0 || r >= len(vals) {
			continue
		}
		x, y := t.cell(r)
		p.fill(x0+x*s+off, y0+y*s+off, d, d, alphaColour())
	}
}

// cellScale returns the pixels a cell for tiles of t about target pixels
// wide or high.
func cellScale(t tiling, target int) int {
	return min(max(target/max(t.w, t.h), 1), 16)
}
