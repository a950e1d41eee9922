package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"github.com/predparams/predparams/models"
)

// ticksPerSecond is how often Update polls the keyboard and mouse.
const ticksPerSecond = 20

// redrawEvery bounds how often new training data are drawn; input is
// drawn at once. Every frame that changes the window costs a software
// renderer (Mesa's llvmpipe under Xvfb) some 50–100 ms of CPU for the
// whole 1280×800 window, whatever changed, and while it renders one of
// the two training threads waits: at one redraw a second the window
// trained at 0.87–0.94 of headless speed, so the window changes every
// two seconds while training.
const redrawEvery = 2 * time.Second

// statusFor is how long a status message stays on screen.
const statusFor = 8 * time.Second

// app is the window: an ebiten.Game that draws the trainer's snapshots
// and turns keys and clicks into commands. Its methods run on ebiten's
// goroutine only.
type app struct {
	opts      *options
	tr        *trainer
	interrupt <-chan os.Signal
	lay       layout
	font      *fonts

	snap    *snapshot // the snapshot drawn; owned by the app
	fresh   bool      // snap has not been drawn yet
	dirty   bool      // something else changed: draw at once
	canvas  *ebiten.Image
	last    time.Time // of the last redraw
	frames  int       // Draw calls
	redraws int       // frames that drew the scene

	// Panels painted on the CPU, and their textures.
	gridBuf, unitBuf, atomBuf, kernBuf pixbuf
	gridImg, unitImg, atomImg, kernImg *ebiten.Image
	tileOpt                            tileOptions
	vec                                []float32 // one unit's weights
	grid                               gridGeom  // of the last drawn weight grid, for clicks and arrows

	// What the user selected.
	want        view
	viewPending bool   // want was asked for and not drawn yet
	rebuildID   int    // rebuild requests sent
	pending     string // what the last rebuild request changes
	dictFrom    string // the dictionary the last d tried, so d moves on after a failure
	dictLayer   int
	status      string
	statusTime  time.Time
	chars       []rune

	// The outcome, read by run after the window closes.
	finished bool // -frames were drawn: stop at the next tick
	stopped  bool // the trainer was stopped
	exitCode int
	report   report
	note     string // a line for stderr (the checkpoint's path)
	err      error
}

// gridGeom is where the weight grid put its tiles.
type gridGeom struct {
	first, count   int // units shown: first, first+1, …, first+count−1
	perRow         int
	tileW, tileH   int // a tile's size in pixels
	pitchX, pitchY int // from one tile to the next
}

func newApp(o *options, t *trainer, interrupt <-chan os.Signal) (*app, error) {
	f, err := loadFonts()
	if err != nil {
		return nil, err
	}
	a := &app{
		opts: o, tr: t, interrupt: interrupt, lay: newLayout(), font: f,
		snap:   &snapshot{},
		canvas: ebiten.NewImage(screenW, screenH),
		want:   view{layer: o.layer},
		dirty:  true,
	}
	return a, nil
}

// Layout fixes the logical screen; ebiten scales it to the window.
func (a *app) Layout(outsideWidth, outsideHeight int) (int, int) { return screenW, screenH }

// Update handles input. It never waits for the trainer, except to quit.
func (a *app) Update() error {
	if a.finished {
		return a.stop(exitOK, false)
	}
	select {
	case <-a.interrupt:
		return a.stop(exitInterrupted, true)
	default:
	}
	if ebiten.IsWindowBeingClosed() {
		return a.stop(exitOK, true)
	}
	a.chars = ebiten.AppendInputChars(a.chars[:0])
	for _, r := range a.chars {
		if err := a.key(r); err != nil {
			return err
		}
	}
	row := max(a.grid.perRow, 1)
	for _, k := range []struct {
		key  ebiten.Key
		step int
	}{{ebiten.KeyArrowLeft, -1}, {ebiten.KeyArrowRight, 1}, {ebiten.KeyArrowUp, -row}, {ebiten.KeyArrowDown, row}} {
		if pressed(k.key) {
			a.selectUnit(a.snap.unit + k.step)
		}
	}
	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		a.click(image.Pt(ebiten.CursorPosition()))
	}
	return nil
}

// pressed reports a key press in this tick (even one released within
// it), repeating every other tick after half a second held.
func pressed(k ebiten.Key) bool {
	if inpututil.IsKeyJustPressed(k) {
		return true
	}
	d := inpututil.KeyPressDuration(k)
	return d > ticksPerSecond/2 && d%2 == 0
}

// key carries out the command of a typed character.
func (a *app) key(r rune) error {
	s := a.snap
	switch r {
	case ' ':
		a.tr.send(command{kind: cmdPause})
	case '+', '=':
		a.edit(func(c *models.Config) (*models.Config, string, error) {
			return stepFraction(c, s.layer, s.rows, spatialShape(s.wshape), true)
		})
	case '-', '−', '_':
		a.edit(func(c *models.Config) (*models.Config, string, error) {
			return stepFraction(c, s.layer, s.rows, spatialShape(s.wshape), false)
		})
	case 'd', 'D':
		from := ""
		if a.dictLayer == s.layer && a.snap.msg != "" {
			from = a.dictFrom // the last try failed: move past it
		}
		a.edit(func(c *models.Config) (*models.Config, string, error) {
			d, what, err := nextDict(c, s.layer, from, s.wshape)
			if err == nil {
				a.dictFrom, a.dictLayer = d.Layers[s.layer].Predict.Dict, s.layer
			}
			return d, what, err
		})
	case 'c', 'C':
		a.edit(func(c *models.Config) (*models.Config, string, error) {
			return nextColumns(c, s.layer, s.units)
		})
	case 'l', 'L':
		a.nextLayer()
	case 'k', 'K':
		a.want.kernelAlpha = !a.want.kernelAlpha
		a.want.layer, a.want.unit = s.layer, s.unit
		a.setView()
	case 's', 'S':
		name := filepath.Join(a.opts.out, time.Now().Format("screenshot-20060102-150405.png"))
		if err := a.screenshot(name); err != nil {
			a.say("screenshot failed: %v", err)
		} else {
			a.say("screenshot saved to %s", name)
		}
	case 'q', 'Q':
		return a.stop(exitOK, true)
	}
	return nil
}

// edit asks the trainer to rebuild from the config f makes of the
// current one, unless a rebuild is under way.
func (a *app) edit(f func(*models.Config) (*models.Config, string, error)) {
	s := a.snap
	if s.cfg == nil {
		return
	}
	if a.rebuilding() {
		a.say("wait: the model is being rebuilt")
		return
	}
	cfg, what, err := f(s.cfg)
	if err != nil {
		a.say("%v", err)
		return
	}
	a.rebuildID++
	a.tr.note.Store(nil)
	if !a.tr.send(command{kind: cmdRebuild, cfg: cfg, id: a.rebuildID}) {
		a.rebuildID--
		a.say("busy: try again")
		return
	}
	a.pending = what
}

// rebuilding reports whether a rebuild was asked for and not yet done.
func (a *app) rebuilding() bool { return a.snap.rebuilt < a.rebuildID }

// nextLayer shows the next layer that has weights.
func (a *app) nextLayer() {
	s := a.snap
	n := len(s.layers)
	for k := 1; k <= n; k++ {
		i := (s.layer + k) % n
		if s.layers[i].DenseWeights > 0 {
			a.want = view{layer: i, unit: 0, kernelAlpha: a.want.kernelAlpha}
			a.setView()
			a.say("showing layer %d", i)
			return
		}
	}
}

// selectUnit selects unit u of the shown layer.
func (a *app) selectUnit(u int) {
	s := a.snap
	if s.units == 0 {
		return
	}
	u = min(max(u, 0), s.units-1)
	a.want = view{layer: s.layer, unit: u, kernelAlpha: a.want.kernelAlpha}
	a.snap.unit = u // drawn at once; the next snapshot brings its atoms
	a.dirty = true
	a.setView()
}

// click selects the unit or layer under p.
func (a *app) click(p image.Point) {
	g := a.grid
	if p.In(a.lay.grid) && g.perRow > 0 {
		x, y := p.X-a.lay.grid.Min.X, p.Y-a.lay.grid.Min.Y
		col, row := x/g.pitchX, y/g.pitchY
		if x%g.pitchX < g.tileW && y%g.pitchY < g.tileH && col < g.perRow {
			if i := row*g.perRow + col; i < g.count {
				a.selectUnit(g.first + i)
			}
		}
		return
	}
	if i, ok := a.tableRow(p); ok && a.snap.layers[i].DenseWeights > 0 {
		a.want = view{layer: i, unit: 0, kernelAlpha: a.want.kernelAlpha}
		a.setView()
	}
}

// setView asks the trainer for a.want and has its answer drawn at once.
func (a *app) setView() {
	a.tr.setView(a.want)
	a.viewPending = true
}

// say shows a status message.
func (a *app) say(format string, args ...any) {
	a.status, a.statusTime, a.dirty = fmt.Sprintf(format, args...), time.Now(), true
}

// stop ends the window: it stops the trainer, writing a checkpoint if
// save, and records the outcome.
func (a *app) stop(code int, save bool) error {
	path := ""
	if save {
		path = filepath.Join(a.opts.out, "checkpoint.ckpt")
	}
	if !a.stopped {
		a.report = a.tr.quit(path)
		a.stopped = true
	}
	a.exitCode = code
	switch {
	case a.report.diverged != nil:
		a.exitCode = exitBadInput
		a.note = fmt.Sprintf("%v: no checkpoint written", a.report.diverged)
	case save && a.report.err != nil:
		a.err = fmt.Errorf("the checkpoint could not be written: %v", a.report.err)
	case save && code == exitInterrupted:
		a.note = fmt.Sprintf("interrupted: checkpoint written to %s; continue with: go run ./native/headless -resume -out %s", path, a.opts.out)
	case save:
		a.note = fmt.Sprintf("checkpoint written to %s; continue with: go run ./native/headless -resume -out %s", path, a.opts.out)
	}
	return ebiten.Termination
}

// Draw draws the scene when there is something new, at most every
// redrawEvery for training data; otherwise the screen keeps its pixels
// and the frame costs next to nothing.
func (a *app) Draw(screen *ebiten.Image) {
	a.frames++
	old := a.snap
	state, gen, rebuilt := old.state, old.gen, old.rebuilt
	if s, ok := a.tr.box.take(old); ok {
		if s.unit != a.want.unit && a.want.layer == s.layer && s.seq > 0 {
			s.unit = a.want.unit // the selection moved after this snapshot was taken
		}
		a.snap, a.fresh = s, true
		// Answers to the user are drawn at once; training data wait.
		if s.state != state || s.gen != gen || s.rebuilt != rebuilt || a.viewPending && s.view == a.want {
			a.dirty = true
			a.viewPending = a.viewPending && s.view != a.want
		}
	}
	shot := a.opts.frames > 0 && a.frames >= a.opts.frames && !a.finished
	now := time.Now()
	if a.dirty || shot || a.redraws == 0 || a.fresh && now.Sub(a.last) >= redrawEvery {
		a.redraw(now)
		screen.DrawImage(a.canvas, nil)
	}
	if shot {
		if a.opts.screenshot != "" {
			if err := a.screenshot(a.opts.screenshot); err != nil {
				a.err = err
			}
		}
		a.finished = true
	}
}

// redraw draws the whole scene on the canvas.
func (a *app) redraw(now time.Time) {
	a.dirty, a.fresh, a.last = false, false, now
	a.redraws++
	c := a.canvas
	c.Fill(backgroundColour())
	a.drawHeader(c)
	a.drawCurves(c)
	a.drawTable(c)
	a.drawHelp(c)
	a.drawWeights(c)
	a.drawUnit(c)
	a.drawKernel(c)
}

// screenshot writes the canvas to path as a PNG.
func (a *app) screenshot(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, screenW, screenH))
	a.canvas.ReadPixels(img.Pix) // the canvas is opaque: premultiplied is plain RGBA
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
