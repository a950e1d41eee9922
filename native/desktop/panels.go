package main

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/predparams/predparams/models"
)

// colourScale converts a colour for vector's options.
func colourScale(c color.Color) ebiten.ColorScale {
	var s ebiten.ColorScale
	s.ScaleWithColor(c)
	return s
}

// line draws a 1-pixel line between pixel centres.
func line(dst *ebiten.Image, x0, y0, x1, y1 float64, c color.Color) {
	vector.StrokeLine(dst, float32(x0), float32(y0), float32(x1), float32(y1), 1, c, false)
}

// upload writes p into img, reallocating img when its size changed.
func upload(img *ebiten.Image, p *pixbuf) *ebiten.Image {
	if img == nil || img.Bounds().Dx() != p.w || img.Bounds().Dy() != p.h {
		if img != nil {
			img.Deallocate()
		}
		img = ebiten.NewImage(p.w, p.h)
	}
	img.WritePixels(p.pix)
	return img
}

// drawAt draws img with its top-left corner at p, scaled by s with the
// nearest filter.
func drawAt(dst, img *ebiten.Image, p image.Point, s float64) {
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(s, s)
	op.GeoM.Translate(float64(p.X), float64(p.Y))
	op.Filter = ebiten.FilterNearest
	dst.DrawImage(img, op)
}

// stateColour is the colour of the header's state label.
func stateColour(s trainState) color.RGBA {
	switch s {
	case stateTraining:
		return rgb(80, 200, 120)
	case statePaused:
		return rgb(250, 190, 60)
	case stateBuilding:
		return rgb(110, 170, 250)
	}
	return rgb(190, 195, 200)
}

// drawHeader draws the title bar: the model, what the trainer does, the
// progress, the throughput and the fraction of weights learned.
func (a *app) drawHeader(c *ebiten.Image) {
	s, r := a.snap, a.lay.header
	fillRect(c, r, rgb(33, 37, 41))
	y := float64(r.Min.Y + r.Dy()/2)
	textAt(c, "Predicting Parameters in Deep Learning", a.font.title, 14, y, rgb(255, 255, 255), text.AlignStart, text.AlignCenter)
	name := ""
	if s.cfg != nil {
		name = s.cfg.Name
	}
	textAt(c, name, a.font.body, 318, y, rgb(190, 197, 205), text.AlignStart, text.AlignCenter)
	state := s.state
	if a.rebuilding() {
		state = stateBuilding
	}
	epochs := 0
	if s.cfg != nil {
		epochs = s.cfg.Train.Epochs
	}
	rate := "–"
	if s.rate > 0 {
		rate = thousands(int(math.Round(s.rate)))
	}
	info := fmt.Sprintf("epoch %d of %d (%.2f epochs done)   ·   %s examples/s on %d threads   ·   %.1f%% of weights learned",
		min(s.epoch+1, max(epochs, 1)), epochs, s.progress, rate, s.threads, 100*s.acct.FractionLearned)
	x := float64(r.Max.X - 14)
	textAt(c, info, a.font.body, x, y, rgb(235, 238, 242), text.AlignEnd, text.AlignCenter)
	w := text.Advance(info, a.font.body)
	textAt(c, state.String(), a.font.bold, x-w-18, y, stateColour(state), text.AlignEnd, text.AlignCenter)
}

// drawCurves draws the running training loss and the test error after
// each epoch against epochs, on two axes, with a legend.
func (a *app) drawCurves(c *ebiten.Image) {
	s, l := a.snap, a.lay
	sub := ""
	if s.cfg != nil {
		sub = fmt.Sprintf("%s training examples, batch %d · test error on %s test examples after each epoch",
			thousands(s.trainN), s.cfg.Train.Batch, thousands(s.testN))
	}
	a.card(c, l.curves, "Training curves", sub)
	P := l.plot
	xmax, lossMax, errMax := max(s.progress, 0.01), 0.0, 0.0
	for _, p := range s.loss {
		lossMax = max(lossMax, p.loss)
	}
	for _, h := range s.history {
		xmax = max(xmax, float64(h.Epoch))
		errMax = max(errMax, 100*h.TestError)
	}
	if lossMax == 0 || math.IsNaN(lossMax) || math.IsInf(lossMax, 0) {
		lossMax = 1
	}
	if errMax == 0 {
		errMax = 10
	}
	xa, la, ea := niceAxis(0, xmax, 6), niceAxis(0, lossMax, 5), niceAxis(0, errMax, 5)
	px := func(v float64) float64 { return float64(P.Min.X) + xa.at(v)*float64(P.Dx()) }
	pyL := func(v float64) float64 { return float64(P.Max.Y) - la.at(v)*float64(P.Dy()) }
	pyE := func(v float64) float64 { return float64(P.Max.Y) - ea.at(v)*float64(P.Dy()) }

	// Grid, ticks and labels.
	for _, v := range la.ticks() {
		y := math.Round(pyL(v)) + 0.5
		line(c, float64(P.Min.X), y, float64(P.Max.X), y, gridColour())
		textAt(c, la.label(v), a.font.small, float64(P.Min.X-6), y, inkColour(), text.AlignEnd, text.AlignCenter)
	}
	for _, v := range ea.ticks() {
		y := math.Round(pyE(v)) + 0.5
		line(c, float64(P.Max.X), y, float64(P.Max.X+4), y, errorColour())
		textAt(c, ea.label(v), a.font.small, float64(P.Max.X+7), y, errorColour(), text.AlignStart, text.AlignCenter)
	}
	for _, v := range xa.ticks() {
		x := math.Round(px(v)) + 0.5
		line(c, x, float64(P.Max.Y), x, float64(P.Max.Y+4), inkColour())
		textAt(c, xa.label(v), a.font.small, x, float64(P.Max.Y+7), inkColour(), text.AlignCenter, text.AlignStart)
	}
	line(c, float64(P.Min.X)+0.5, float64(P.Min.Y), float64(P.Min.X)+0.5, float64(P.Max.Y)+0.5, inkColour())
	line(c, float64(P.Min.X), float64(P.Max.Y)+0.5, float64(P.Max.X), float64(P.Max.Y)+0.5, inkColour())
	line(c, float64(P.Max.X)+0.5, float64(P.Min.Y), float64(P.Max.X)+0.5, float64(P.Max.Y)+0.5, errorColour())
	textAt(c, "epoch", a.font.body, float64(P.Min.X+P.Dx()/2), float64(P.Max.Y+24), inkColour(), text.AlignCenter, text.AlignStart)
	textRotated(c, "training loss (cross-entropy, nats)", a.font.body, float64(l.curves.Min.X+16), float64(P.Min.Y+P.Dy()/2), lossColour())
	textRotated(c, "test error (%)", a.font.body, float64(l.curves.Max.X-14), float64(P.Min.Y+P.Dy()/2), errorColour())

	// Legend, between the subtitle and the plot.
	ly := float64(l.curves.Min.Y + 58)
	lx := float64(P.Min.X)
	lossText := "training loss, running mean"
	if n := len(s.loss); n > 0 {
		lossText += fmt.Sprintf(": %.4f", s.loss[n-1].loss)
	}
	vector.StrokeLine(c, float32(lx), float32(ly), float32(lx+22), float32(ly), 2.5, lossColour(), true)
	textAt(c, lossText, a.font.body, lx+28, ly, inkColour(), text.AlignStart, text.AlignCenter)
	lx += 28 + text.Advance(lossText, a.font.body) + 24
	errText := "test error: after the first epoch"
	if n := len(s.history); n > 0 {
		errText = fmt.Sprintf("test error: %.2f%% after epoch %d", 100*s.history[n-1].TestError, s.history[n-1].Epoch)
	}
	vector.StrokeLine(c, float32(lx), float32(ly), float32(lx+22), float32(ly), 2, errorColour(), true)
	vector.FillCircle(c, float32(lx+11), float32(ly), 3.5, errorColour(), true)
	textAt(c, errText, a.font.body, lx+28, ly, inkColour(), text.AlignStart, text.AlignCenter)

	if len(s.loss) == 0 {
		msg := "waiting for the first steps…"
		if s.state == stateBuilding || a.rebuilding() {
			msg = "rebuilding the model…"
		}
		textAt(c, msg, a.font.body, float64(P.Min.X+P.Dx()/2), float64(P.Min.Y+P.Dy()/2), mutedColour(), text.AlignCenter, text.AlignCenter)
		return
	}
	var path vector.Path
	for i, p := range s.loss {
		x, y := float32(px(p.epoch)), float32(pyL(p.loss))
		if i == 0 {
			path.MoveTo(x, y)
		} else {
			path.LineTo(x, y)
		}
	}
	stroke := &vector.StrokeOptions{Width: 1.6, LineJoin: vector.LineJoinRound}
	vector.StrokePath(c, &path, stroke, &vector.DrawPathOptions{AntiAlias: true, ColorScale: colourScale(lossColour())})
	if len(s.history) > 0 {
		var ep vector.Path
		for i, h := range s.history {
			x, y := float32(px(float64(h.Epoch))), float32(pyE(100*h.TestError))
			if i == 0 {
				ep.MoveTo(x, y)
			} else {
				ep.LineTo(x, y)
			}
		}
		stroke.Width = 2
		vector.StrokePath(c, &ep, stroke, &vector.DrawPathOptions{AntiAlias: true, ColorScale: colourScale(errorColour())})
		if len(s.history) <= 100 {
			for _, h := range s.history {
				vector.FillCircle(c, float32(px(float64(h.Epoch))), float32(pyE(100*h.TestError)), 3.5, errorColour(), true)
			}
		}
	}
}

// Table columns: the left edge of the text columns and the right edge
// of the numbers, relative to the table card.
const (
	tabLayer   = 12
	tabKind    = 46
	tabDict    = 146
	tabShape   = 230
	tabStatic  = 384
	tabLearned = 448
	tabBiases  = 500
	tabDense   = 572
	tabFrac    = 640
	tabTop     = 50 // first row, below the title
	tabRowH    = 19 // at most; less when many layers must fit
	tabFoot    = 46 // the two lines below the table
)

// tableRowH returns the height of the table's rows: tabRowH, or less so
// that n layers, the header, the total and the footer fit in the card.
func (a *app) tableRowH(n int) int {
	return min(tabRowH, (a.lay.table.Dy()-tabTop-tabFoot)/(n+2))
}

// tableRow returns the layer of the table row under p.
func (a *app) tableRow(p image.Point) (int, bool) {
	r := a.lay.table
	if !p.In(r) {
		return 0, false
	}
	h := a.tableRowH(len(a.snap.layers))
	i := (p.Y - r.Min.Y - tabTop - h) / h
	if p.Y < r.Min.Y+tabTop+h || i >= len(a.snap.layers) {
		return 0, false
	}
	return i, true
}

// dictText describes a predicted layer's dictionary in the table.
func dictText(lc *models.LayerConfig) string {
	if lc == nil || lc.Predict == nil {
		return "–"
	}
	return fmt.Sprintf("%s, J=%d", lc.Predict.Dict, max(lc.Predict.Columns, 1))
}

// drawTable draws the parameter accounting of every layer and the totals.
func (a *app) drawTable(c *ebiten.Image) {
	s, r := a.snap, a.lay.table
	a.card(c, r, "Parameters per layer", "static U: fixed dictionary entries · learned: trained weights (V, or W), biases apart")
	x0, y := float64(r.Min.X), float64(r.Min.Y+tabTop)
	h := float64(a.tableRowH(len(s.layers)))
	row := func(face text.Face, clr color.Color, cells ...string) {
		left := []int{tabLayer, tabKind, tabDict, tabShape}
		right := []int{tabStatic, tabLearned, tabBiases, tabDense, tabFrac}
		for i, cell := range cells {
			if i < len(left) {
				textAt(c, cell, face, x0+float64(left[i]), y+h/2, clr, text.AlignStart, text.AlignCenter)
			} else {
				textAt(c, cell, face, x0+float64(right[i-len(left)]), y+h/2, clr, text.AlignEnd, text.AlignCenter)
			}
		}
		y += h
	}
	row(a.font.cellBold, mutedColour(), "layer", "kind", "dictionary", "shape", "static U", "learned", "biases", "dense eq.", "fraction")
	line(c, x0+8, y-0.5, float64(r.Max.X-8), y-0.5, borderColour())
	biases := 0
	for i, l := range s.layers {
		if i == s.layer {
			fillRect(c, image.Rect(r.Min.X+4, int(y), r.Max.X-4, int(y+h)), selectColour())
		}
		var lc *models.LayerConfig
		if s.cfg != nil && i < len(s.cfg.Layers) {
			lc = &s.cfg.Layers[i]
		}
		frac := "–"
		if l.DenseWeights > 0 {
			frac = fmt.Sprintf("%.4f", float64(l.Learned)/float64(l.DenseWeights))
		}
		biases += l.Biases
		row(a.font.cell, inkColour(), fmt.Sprint(i), l.Kind, dictText(lc), l.Desc, thousands(l.Static), thousands(l.Learned),
			thousands(l.Biases), thousands(l.DenseWeights+l.Biases), frac)
	}
	line(c, x0+8, y+0.5, float64(r.Max.X-8), y+0.5, borderColour())
	ac := s.acct
	row(a.font.cellBold, inkColour(), "total", "", "", "", thousands(ac.StaticParams), thousands(ac.TotalTrainable-biases),
		thousands(biases), thousands(ac.DenseEquivalent), fmt.Sprintf("%.4f", ac.FractionLearnedNet))
	textLeft(c, fmt.Sprintf("Fraction learned, as the paper counts it (predicted layers' weights only): %.4f", ac.FractionLearned),
		a.font.body, x0+12, y+6, inkColour())
	textLeft(c, "dense eq.: weights and biases of the same layer unpredicted · fraction: learned ÷ dense weights",
		a.font.small, x0+12, y+26, mutedColour())
}

// drawHelp lists the keys and shows the status line.
func (a *app) drawHelp(c *ebiten.Image) {
	r := a.lay.help
	a.card(c, r, "Keys", "")
	keys := [][2]string{
		{"space", "pause or resume training"},
		{"+  −", "more or fewer weights learned (rebuilds)"},
		{"d", "next dictionary of the layer (rebuilds)"},
		{"c", "number of columns J (rebuilds)"},
		{"l", "show the next layer"},
		{"← → ↑ ↓", "select a unit (or click a tile or a row)"},
		{"k", "kernel over all positions or K(α,α)"},
		{"s    q", "screenshot; quit writing a checkpoint"},
	}
	for i, k := range keys {
		x := float64(r.Min.X + 12 + (i/4)*320)
		y := float64(r.Min.Y + 34 + (i%4)*19)
		textLeft(c, k[0], a.font.bold, x, y, inkColour())
		textLeft(c, k[1], a.font.body, x+72, y, inkColour())
	}
	msg, clr := "", mutedColour()
	switch {
	case a.rebuilding() || a.snap.state == stateBuilding:
		msg, clr = "rebuilding… "+a.pending, rgb(30, 100, 200)
		if n := a.tr.note.Load(); n != nil {
			msg += " · " + *n
		}
	case a.status != "" && time.Since(a.statusTime) < statusFor:
		msg = a.status
	case a.snap.msg != "":
		msg, clr = a.snap.msg, rgb(200, 40, 40)
	case a.pending != "":
		msg = "rebuilt: " + a.pending
	}
	if msg != "" {
		textLeft(c, msg, a.font.body, float64(r.Min.X+12), float64(r.Max.Y-24), clr)
	}
}

// positions reports whether the dictionary's α are input positions that
// can be marked on a unit's weights.
func positions(d *dictView) bool {
	if d == nil || d.alpha == nil {
		return false
	}
	k, _ := models.LookupDict(d.kind)
	return k.Positions
}

// unitWeights gathers column u of W into a.vec.
func (a *app) unitWeights(u int) []float32 {
	s := a.snap
	a.vec = a.vec[:0]
	for r := 0; r < s.rows; r++ {
		a.vec = append(a.vec, s.w[r*s.units+u])
	}
	return a.vec
}

// alphaOf returns the α of unit u's column, or nil when the layer's
// atoms are not positions.
func alphaOf(s *snapshot, u int) []int {
	d := s.dict
	if !positions(d) || d.columns == 0 {
		return nil
	}
	j := min(u/max(s.units/d.columns, 1), len(d.alpha)-1)
	return d.alpha[j]
}

// drawWeights draws a page of the shown layer's units, each unit's
// incoming weights as a tile with its column's α marked.
func (a *app) drawWeights(c *ebiten.Image) {
	s, l := a.snap, a.lay
	if s.units == 0 || len(s.w) < s.rows*s.units {
		a.card(c, l.weights, "Weights", "")
		return
	}
	t := newTiling(s.wshape)
	sc := cellScale(t, 84)
	const gap = 8
	tw, th := t.w*sc, t.h*sc
	G := l.grid
	perRow := max(1, (G.Dx()+gap)/(tw+gap))
	per := perRow * max(1, (G.Dy()+gap)/(th+gap))
	first := s.unit / per * per
	count := min(per, s.units-first)
	a.grid = gridGeom{first: first, count: count, perRow: perRow, tileW: tw, tileH: th, pitchX: tw + gap, pitchY: th + gap}

	what := "W per unit: every weight is learned"
	if s.dict != nil {
		what = "W = U·V per unit"
		if positions(s.dict) {
			what += " · dots: α, the positions learned"
		}
	}
	desc := s.layers[s.layer].Desc
	a.card(c, l.weights, fmt.Sprintf("Layer %d weights (%s): units %d–%d of %d", s.layer, desc, first, first+count-1, s.units),
		what+" · red +, blue −, each tile to its own scale")

	a.gridBuf.reset(G.Dx(), G.Dy(), cardColour())
	for k := 0; k < count; k++ {
		u := first + k
		a.tileOpt = tileOptions{mark: alphaOf(s, u), marked: a.tileOpt.marked}
		paintTile(&a.gridBuf, (k%perRow)*(tw+gap), (k/perRow)*(th+gap), sc, t, a.unitWeights(u), &a.tileOpt)
	}
	a.gridImg = upload(a.gridImg, &a.gridBuf)
	drawAt(c, a.gridImg, G.Min, 1)
	pages := (s.units + per - 1) / per
	textLeft(c, fmt.Sprintf("page %d of %d · the arrows or a click select a unit, shown below", first/per+1, pages),
		a.font.small, float64(l.weights.Min.X+12), float64(l.weights.Max.Y-20), mutedColour())
	if k := s.unit - first; k >= 0 && k < count {
		x := float32(G.Min.X + (k%perRow)*(tw+gap))
		y := float32(G.Min.Y + (k/perRow)*(th+gap))
		vector.StrokeRect(c, x-2.5, y-2.5, float32(tw)+5, float32(th)+5, 2, accentColour(), false)
	}
}

// drawUnit draws the selected unit: its learned weights (W at α) beside
// its predicted weights (W = U·V), and the atoms of its column's U.
func (a *app) drawUnit(c *ebiten.Image) {
	s, l := a.snap, a.lay
	if s.units == 0 || len(s.w) < s.rows*s.units {
		a.card(c, l.unit, "Selected unit", "")
		return
	}
	d := s.dict
	title := fmt.Sprintf("Unit %d", s.unit)
	sub := "its incoming weights, all learned; no dictionary"
	if d != nil {
		title += fmt.Sprintf(" · column %d of %d · %s, n_α = %d", s.column, d.columns, d.kind, d.nAlpha)
		sub = "its weights W = U·V, and the atoms of U"
		if positions(d) {
			sub = "learned weights beside predicted weights, and the atoms of U"
		}
	}
	a.card(c, l.unit, title, sub)

	t := newTiling(s.wshape)
	sc := cellScale(t, 112)
	tw, th := t.w*sc, t.h*sc
	D := l.detail
	vals := a.unitWeights(s.unit)
	scale := maxAbs(vals)
	alpha := alphaOf(s, s.unit)
	type panel struct {
		label, sub string
		opt        tileOptions
	}
	var panels []panel
	switch {
	case d == nil:
		panels = []panel{{label: "learned", sub: "W"}}
	case alpha != nil:
		panels = []panel{
			{label: "learned", sub: fmt.Sprintf("W at α (%d)", len(alpha)), opt: tileOptions{mark: alpha, only: true}},
			{label: "predicted", sub: fmt.Sprintf("W = U·V (%d)", s.rows), opt: tileOptions{mark: alpha}},
		}
	default:
		panels = []panel{{label: "predicted", sub: "W = U·V"}}
	}
	pitch := max(tw, 104) + 12
	a.unitBuf.reset(len(panels)*pitch, th, cardColour())
	for i := range panels {
		p := &panels[i]
		p.opt.scale, p.opt.marked = scale, a.tileOpt.marked
		paintTile(&a.unitBuf, i*pitch+(pitch-12-tw)/2, 0, sc, t, vals, &p.opt)
		a.tileOpt.marked = p.opt.marked
		x := float64(D.Min.X + i*pitch + (pitch-12)/2)
		textAt(c, p.label, a.font.bold, x, float64(D.Min.Y+th+3), inkColour(), text.AlignCenter, text.AlignStart)
		textAt(c, p.sub, a.font.small, x, float64(D.Min.Y+th+19), inkColour(), text.AlignCenter, text.AlignStart)
	}
	a.unitImg = upload(a.unitImg, &a.unitBuf)
	drawAt(c, a.unitImg, D.Min, 1)
	kx := D.Min.X + len(panels)*pitch
	a.colourKey(c, image.Rect(kx, D.Min.Y, kx+10, D.Min.Y+th), -scale, scale, true)

	A := l.atoms
	if d == nil {
		textLeft(c, "An ordinary layer has no dictionary:", a.font.body, float64(A.Min.X), float64(A.Min.Y), mutedColour())
		textLeft(c, "press − to predict it from a few of its weights.", a.font.body, float64(A.Min.X), float64(A.Min.Y+18), mutedColour())
		return
	}
	sa := cellScale(t, 56)
	aw, ah := t.w*sa, t.h*sa
	const gap = 4
	perRow := max(1, (A.Dx()+gap)/(aw+gap))
	n := min(d.nAlpha, perRow*max(1, (A.Dy()-18+gap)/(ah+gap)))
	what := ""
	if alpha != nil {
		what = ", a dot at each one's α"
	}
	textLeft(c, fmt.Sprintf("U_%d: %d of its %d columns (atoms)%s", s.column, n, d.nAlpha, what), a.font.small, float64(A.Min.X), float64(A.Min.Y-2), mutedColour())
	if len(d.u) < s.rows*d.nAlpha {
		return
	}
	a.atomBuf.reset(A.Dx(), A.Dy()-18, cardColour())
	for k := 0; k < n; k++ {
		a.vec = a.vec[:0]
		for r := 0; r < s.rows; r++ {
			a.vec = append(a.vec, d.u[r*d.nAlpha+k])
		}
		a.tileOpt = tileOptions{marked: a.tileOpt.marked}
		if alpha != nil && k < len(alpha) {
			a.tileOpt.mark = alpha[k : k+1]
		}
		paintTile(&a.atomBuf, (k%perRow)*(aw+gap), (k/perRow)*(ah+gap), sa, t, a.vec, &a.tileOpt)
	}
	a.atomImg = upload(a.atomImg, &a.atomBuf)
	drawAt(c, a.atomImg, image.Pt(A.Min.X, A.Min.Y+16), 1)
}

// colourKey draws a colour bar from lo to hi in r with its end values.
func (a *app) colourKey(c *ebiten.Image, r image.Rectangle, lo, hi float32, div bool) {
	vertical := r.Dy() > r.Dx()
	n := r.Dx()
	if vertical {
		n = r.Dy()
	}
	for i := 0; i < n; i++ {
		f := float32(i) / float32(max(n-1, 1))
		var clr color.RGBA
		if div {
			clr = diverging(2*f - 1)
		} else {
			clr = sequential(f)
		}
		if vertical {
			fillRect(c, image.Rect(r.Min.X, r.Max.Y-1-i, r.Max.X, r.Max.Y-i), clr)
		} else {
			fillRect(c, image.Rect(r.Min.X+i, r.Min.Y, r.Min.X+i+1, r.Max.Y), clr)
		}
	}
	if vertical {
		textAt(c, fmt.Sprintf("%+.3g", hi), a.font.small, float64(r.Max.X+4), float64(r.Min.Y), inkColour(), text.AlignStart, text.AlignStart)
		textAt(c, "0", a.font.small, float64(r.Max.X+4), float64(r.Min.Y+r.Dy()/2), inkColour(), text.AlignStart, text.AlignCenter)
		textAt(c, fmt.Sprintf("%+.3g", lo), a.font.small, float64(r.Max.X+4), float64(r.Max.Y), inkColour(), text.AlignStart, text.AlignEnd)
		return
	}
	textAt(c, fmt.Sprintf("%.3g", lo), a.font.small, float64(r.Min.X), float64(r.Max.Y+3), inkColour(), text.AlignStart, text.AlignStart)
	textAt(c, fmt.Sprintf("%.3g", hi), a.font.small, float64(r.Max.X), float64(r.Max.Y+3), inkColour(), text.AlignEnd, text.AlignStart)
}

// kernelText explains a dictionary's kernel in two lines.
func kernelText(kind string) (string, string) {
	switch kind {
	case "se":
		return "SE: k(p, q) = exp(−|p − q|² / 2ℓ²)", "over the pixel coordinates of p and q"
	case "emp":
		return "Emp: covariance of the layer's", "inputs over the training set"
	case "emp2":
		return "Emp2: covariance of the layer's", "squared inputs over the training set"
	}
	return kind + " kernel", ""
}

// drawKernel draws the kernel the dictionary was built from, over all
// positions or over the α of the selected unit's column.
func (a *app) drawKernel(c *ebiten.Image) {
	s, l := a.snap, a.lay
	d := s.dict
	if d == nil || d.kn == 0 {
		a.card(c, l.kernel, "Kernel", "")
		msg := "an ordinary layer has none"
		if d != nil {
			msg = fmt.Sprintf("the %s dictionary has none", d.kind)
		}
		x, y := float64(l.kimage.Min.X+l.kimage.Dx()/2), float64(l.kimage.Min.Y+l.kimage.Dy()/2)
		textAt(c, "No kernel:", a.font.body, x, y-10, mutedColour(), text.AlignCenter, text.AlignCenter)
		textAt(c, msg, a.font.body, x, y+10, mutedColour(), text.AlignCenter, text.AlignCenter)
		return
	}
	sub := fmt.Sprintf("K over all %d positions", d.kernelN)
	if d.kernelAlpha {
		sub = fmt.Sprintf("K(α,α): %d α of column %d, sorted", d.kernelN, s.column)
	}
	if b := (d.kernelN + d.kn - 1) / d.kn; b > 1 {
		sub += fmt.Sprintf(", %d×%d-averaged", b, b)
	}
	a.card(c, l.kernel, "Kernel", sub)
	div := d.kernelMin < 0
	lo, hi := d.kernelMin, d.kernelMax
	if div {
		hi = max(-lo, hi)
		lo = -hi
	}
	a.kernBuf.reset(d.kn, d.kn, cardColour())
	for i := 0; i < d.kn; i++ {
		for j := 0; j < d.kn; j++ {
			v := d.kernel[i*d.kn+j]
			var clr color.RGBA
			if div {
				clr = diverging(v / max(hi, 1e-30))
			} else {
				clr = sequential((v - lo) / max(hi-lo, 1e-30))
			}
			a.kernBuf.fill(j, i, 1, 1, clr)
		}
	}
	a.kernImg = upload(a.kernImg, &a.kernBuf)
	K := l.kimage
	side := min(K.Dx(), K.Dy())
	sc := float64(side) / float64(d.kn)
	if d.kn <= side {
		sc = math.Floor(sc)
	}
	off := (K.Dx() - int(sc*float64(d.kn))) / 2
	drawAt(c, a.kernImg, image.Pt(K.Min.X+off, K.Min.Y), sc)
	a.colourKey(c, image.Rect(K.Min.X, K.Max.Y+8, K.Max.X, K.Max.Y+18), lo, hi, div)
	l1, l2 := kernelText(d.kind)
	textLeft(c, l1, a.font.small, float64(K.Min.X), float64(K.Max.Y+36), inkColour())
	textLeft(c, l2, a.font.small, float64(K.Min.X), float64(K.Max.Y+52), inkColour())
}
