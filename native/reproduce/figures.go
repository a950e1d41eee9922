package main

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"

	"github.com/predparams/predparams/native/reproduce/runstore"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// series is one curve of a figure: points with symmetric error bars.
type series struct {
	name         string
	xs, ys, errs []float64
	// flat draws the series as a dashed horizontal line at ys[0] across
	// the figure (a baseline) instead of points.
	flat bool
}

// add appends a point unless y is NaN.
func (s *series) add(x, y, err float64) {
	if math.IsNaN(y) || math.IsNaN(x) {
		return
	}
	s.xs, s.ys, s.errs = append(s.xs, x), append(s.ys, y), append(s.errs, err)
}

// figure describes a line figure.
type figure struct {
	name, title, xlabel, ylabel string
	logX, logY                  bool
	series                      []series
	// xticks, if set, are the only x ticks (integers such as worker
	// counts).
	xticks []float64
}

// errPoints adapts a series to plotter's XYer and YErrorer, clipping the
// lower bar above zero on a log axis.
type errPoints struct {
	s    series
	logY bool
}

func (e errPoints) Len() int                    { return len(e.s.xs) }
func (e errPoints) XY(i int) (float64, float64) { return e.s.xs[i], e.s.ys[i] }
func (e errPoints) YError(i int) (float64, float64) {
	lo := e.s.errs[i]
	if e.logY {
		lo = math.Min(lo, 0.5*e.s.ys[i])
	}
	return lo, e.s.errs[i]
}

// bad reports whether v cannot be drawn: NaN, infinite, or not positive
// on a log axis.
func bad(v float64, log bool) bool {
	return math.IsNaN(v) || math.IsInf(v, 0) || (log && v <= 0)
}

// niceTicks returns 1-2-5 ticks covering [lo, hi] for a log axis.
// With fewer than three such ticks it uses every mantissa 1…9.
func niceTicks(lo, hi float64) plot.ConstantTicks {
	ticks := func(mantissas []float64) plot.ConstantTicks {
		var t plot.ConstantTicks
		for e := math.Floor(math.Log10(lo)) - 1; e <= math.Ceil(math.Log10(hi))+1; e++ {
			for _, m := range mantissas {
				v := m * math.Pow(10, e)
				if v >= lo/1.1 && v <= hi*1.1 {
					t = append(t, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 4, 64)})
				}
			}
		}
		return t
	}
	if t := ticks([]float64{1, 2, 5}); len(t) >= 3 {
		return t
	}
	return ticks([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9})
}

// draw writes the figure as SVG and PNG into the section's figure folder
// and the markdown image link into the section. Series without points
// are left out; a figure without any is not drawn.
func (s *section) draw(f figure) {
	p := plot.New()
	p.Title.Text = f.title
	p.X.Label.Text = f.xlabel
	p.Y.Label.Text = f.ylabel
	p.Add(plotter.NewGrid())
	// The legend is drawn beside the plot, not over the data.
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(4)
	var names []string // the legend's entries, to size its column
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, se := range f.series {
		for i := range se.xs {
			if bad(se.xs[i], f.logX) || bad(se.ys[i], f.logY) {
				continue
			}
			if !se.flat {
				xmin, xmax = math.Min(xmin, se.xs[i]), math.Max(xmax, se.xs[i])
			}
			ymin, ymax = math.Min(ymin, se.ys[i]-se.errs[i]), math.Max(ymax, se.ys[i]+se.errs[i])
		}
	}
	if math.IsInf(xmin, 0) || math.IsInf(ymin, 0) {
		return
	}
	if f.logY {
		lo := math.Inf(1)
		for _, se := range f.series {
			for _, y := range se.ys {
				if !bad(y, true) {
					lo = math.Min(lo, y)
				}
			}
		}
		ymin = math.Max(ymin, 0.5*lo)
	}
	if xmin == xmax {
		xmin, xmax = xmin*0.8, xmax*1.25
	}
	drawn := 0
	for i, se := range f.series {
		pts := series{name: se.name}
		for j := range se.xs {
			if bad(se.xs[j], f.logX) || bad(se.ys[j], f.logY) {
				continue
			}
			pts.add(se.xs[j], se.ys[j], se.errs[j])
		}
		if len(pts.xs) == 0 {
			continue
		}
		drawn++
		col := plotutil.Color(i)
		if se.flat {
			y := pts.ys[0]
			l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: y}, {X: xmax, Y: y}})
			if err != nil {
				s.err = err
				return
			}
			l.Color, l.Dashes, l.Width = color.Black, []vg.Length{vg.Points(4), vg.Points(3)}, vg.Points(1.2)
			p.Add(l)
			legend.Add(se.name, l)
			names = append(names, se.name)
			continue
		}
		ep := errPoints{s: pts, logY: f.logY}
		l, sc, err := plotter.NewLinePoints(ep)
		if err != nil {
			s.err = err
			return
		}
		l.Color, l.Width = col, vg.Points(1.2)
		sc.Color, sc.Shape = col, plotutil.Shape(i)
		eb, err := plotter.NewYErrorBars(ep)
		if err != nil {
			s.err = err
			return
		}
		eb.Color = col
		p.Add(l, sc, eb)
		legend.Add(se.name, l, sc)
		names = append(names, se.name)
	}
	if drawn == 0 {
		return
	}
	if f.logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = niceTicks(xmin, xmax)
	}
	if f.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = niceTicks(ymin, ymax)
	}
	p.X.Min, p.X.Max = xmin/1.1, xmax*1.1
	if !f.logX {
		pad := 0.05 * (xmax - xmin)
		p.X.Min, p.X.Max = xmin-pad, xmax+pad
	}
	if len(f.xticks) > 0 {
		var t plot.ConstantTicks
		for _, x := range f.xticks {
			t = append(t, plot.Tick{Value: x, Label: strconv.FormatFloat(x, 'g', 4, 64)})
		}
		p.X.Tick.Marker = t
	}
	p.Y.Min, p.Y.Max = ymin-0.05*(ymax-ymin), ymax+0.05*(ymax-ymin)
	if f.logY {
		p.Y.Min, p.Y.Max = ymin/1.1, ymax*1.1
	}
	if ymin == ymax {
		p.Y.Min, p.Y.Max = ymin*0.9, ymax*1.1+1e-9
	}
	// The plot keeps its size; the canvas widens for the legend's
	// longest entry.
	const plotWidth, height = 6.7 * vg.Inch, 4.5 * vg.Inch
	legendWidth := 2.3 * vg.Inch
	for _, n := range names {
		legendWidth = max(legendWidth, legend.ThumbnailWidth+legend.TextStyle.Width(n)+vg.Points(24))
	}
	width := plotWidth + legendWidth
	for _, format := range []string{"svg", "png"} {
		c, err := draw.NewFormattedCanvas(width, height, format)
		if err != nil {
			s.err = err
			return
		}
		dc := draw.New(c)
		p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
		legend.Draw(draw.Crop(dc, width-legendWidth+vg.Points(8), 0, 0, -vg.Points(24)))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			s.err = err
			return
		}
		file := fmt.Sprintf("%s-%s.%s", s.exp.name, f.name, format)
		if err := runstore.WriteIfChanged(filepath.Join(s.figDir, file), buf.Bytes()); err != nil {
			s.err = err
			return
		}
		s.figures = append(s.figures, file)
	}
	s.printf("![%s](%s/%s-%s.svg)\n\n", f.title, s.figRel, s.exp.name, f.name)
}
