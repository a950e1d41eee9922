//go:build !js

package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/predparams/predparams/wasm/session"
	"github.com/predparams/predparams/wasm/site"
)

// The site is built once for the tests of this file.
var (
	siteOnce sync.Once
	siteDir  string
	siteErr  error
)

// page builds the site (once), serves it and starts Chromium at
// width×height; it returns the browser's context and the server's URL.
func page(t *testing.T, width, height int) (context.Context, string, *console) {
	t.Helper()
	exe, err := Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and %v", err)
		}
		t.Skipf("skipping the browser test: %v", err)
	}
	siteOnce.Do(func() {
		siteDir, siteErr = os.MkdirTemp("", "predparams-site-")
		if siteErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			siteErr = site.Build(ctx, site.Options{Out: siteDir})
		}
	})
	if siteErr != nil {
		t.Fatal(siteErr)
	}
	srv := httptest.NewServer(site.Handler(siteDir))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	bctx, stop := Start(ctx, exe, t.TempDir(), width, height)
	t.Cleanup(stop)
	c := &console{}
	c.listen(bctx)
	return bctx, srv.URL, c
}

func TestMain(m *testing.M) {
	code := m.Run()
	if siteDir != "" {
		os.RemoveAll(siteDir)
	}
	os.Exit(code)
}

// open navigates to the page at hash and waits for the engine.
func open(t *testing.T, ctx context.Context, base, hash string) {
	t.Helper()
	run(t, ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(base+"/"+hash))
	if _, err := PollState(ctx, 90*time.Second, func(s State) bool { return s.Ready }); err != nil {
		t.Fatalf("the engine did not load: %v", err)
	}
}

func options(t *testing.T, ctx context.Context, id string) []string {
	t.Helper()
	return eval[[]string](t, ctx, fmt.Sprintf(`Array.from(document.getElementById(%q).options).map((o) => o.value)`, id))
}

// setField sets a form field to v as a reader would, and fires its event.
func setField(t *testing.T, ctx context.Context, key, v string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const i = document.getElementById("in-" + %q); i.value = %q;
		i.dispatchEvent(new Event(i.type === "range" ? "input" : "change")); return true; })()`, key, v))
}

func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(() => { const e = document.getElementById(%q); return e && !e.hidden ? e.textContent : ""; })()`, id))
}

func noConsoleErrors(t *testing.T, con *console) {
	t.Helper()
	if errs := con.take(false); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestConvMenus is defect 1: the small convnet trains with its own
// defaults, its menus offer exactly the kinds each layer accepts, and the
// units menu follows the new model.
func TestConvMenus(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	menus, err := session.NewMenus()
	if err != nil {
		t.Fatal(err)
	}
	open(t, ctx, base, "#hidden=64")
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitState(t, ctx, "the MLP to train", 60*time.Second, func(s State) bool { return s.ExamplesSeen > 0 })
	// Switch to the convnet in the form, as a reader would.
	setField(t, ctx, "model", "conv")
	for i, id := range []string{"in-d1", "in-d2", "in-d3"} {
		want := append([]string{"dense"}, menus.Models["conv"][i].Kinds...)
		if got := options(t, ctx, id); !slices.Equal(got, want) {
			t.Errorf("%s offers %v, the conv layer accepts %v", id, got, want)
		}
	}
	if got := eval[string](t, ctx, `document.getElementById("in-d2").value`); got == "emp" {
		t.Error("conv layer 2 keeps emp, which it rejects")
	}
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	s := waitState(t, ctx, "the convnet to train", 90*time.Second, func(s State) bool { return s.ExamplesSeen > 0 && s.Running })
	if s.Error != nil {
		t.Errorf("the convnet shows %q", *s.Error)
	}
	waitFor(t, ctx, "the units menu of the convnet", `document.getElementById("units-layer").options.length === 4`)
	// A link to the convnet works too.
	open(t, ctx, base, "#model=conv&hidden=32")
	if msg := text(t, ctx, "message"); msg != "" {
		t.Errorf("#model=conv shows %q", msg)
	}
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitState(t, ctx, "#model=conv to train", 90*time.Second, func(s State) bool { return s.ExamplesSeen > 0 })
	// A link with a kind the layer rejects says so and uses one it accepts.
	open(t, ctx, base, "#model=conv&d2=emp")
	if msg := text(t, ctx, "message"); !strings.Contains(msg, "d2=emp is not available in layer 2") {
		t.Errorf("#model=conv&d2=emp: message %q", msg)
	}
	noConsoleErrors(t, con)
}

// TestStaleRuns is defect 2: Reset empties every view for good, and a
// Restart's curve never draws a line back from the old run.
func TestStaleRuns(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	open(t, ctx, base, "#hidden=64")
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitState(t, ctx, "a first evaluation", 60*time.Second, func(s State) bool { return s.TestAccuracy != nil })
	run(t, ctx, chromedp.Click(chromedp.ID("reset")))
	time.Sleep(1500 * time.Millisecond)
	for _, id := range []string{"s-examples", "s-epoch", "s-time", "s-acc"} {
		if got := text(t, ctx, id); got != "–" {
			t.Errorf("after Reset, %s reads %q", id, got)
		}
	}
	if s, _ := ReadState(ctx); s.ExamplesSeen != 0 || s.TestAccuracy != nil {
		t.Errorf("after Reset, the state holds %d examples, accuracy %v", s.ExamplesSeen, s.TestAccuracy)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#confusion button").length`); n != 0 {
		t.Errorf("after Reset, the confusion matrix has %d cells", n)
	}
	// Restart while training: the new curve starts at zero and only
	// moves forward.
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitState(t, ctx, "training", 60*time.Second, func(s State) bool { return s.Seconds > 3 })
	for i := 0; i < 3; i++ {
		run(t, ctx, chromedp.Click(chromedp.ID("train")))
		time.Sleep(700 * time.Millisecond)
	}
	s := waitState(t, ctx, "the restarted run", 30*time.Second, func(s State) bool { return s.ExamplesSeen > 0 })
	if s.Seconds > 3 {
		t.Errorf("after Restart the run is at %.1f s", s.Seconds)
	}
	if eval[bool](t, ctx, `trainingState.backwards`) {
		t.Error("a message of the old run reached the new curve")
	}
	noConsoleErrors(t, con)
}

// TestPhone is defect 3: on a phone, Train pressed while loading says it
// is queued, the live status stays on screen, and a unit's detail opens
// where it can be seen.
func TestPhone(t *testing.T) {
	ctx, base, con := page(t, 390, 844)
	run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile), chromedp.Navigate("about:blank"), chromedp.Navigate(base+"/#hidden=64"))
	waitFor(t, ctx, "the page", `document.readyState === "complete" || document.getElementById("train") !== null`)
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	st := text(t, ctx, "live-state")
	if s, _ := ReadState(ctx); !s.Ready && !strings.Contains(st, "queued") {
		t.Errorf("Train pressed while loading: the status reads %q", st)
	}
	inView := `(() => { const r = document.getElementById("live").getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; })()`
	if !eval[bool](t, ctx, inView) {
		t.Error("the live status is not on screen after pressing Train")
	}
	waitState(t, ctx, "an evaluation", 90*time.Second, func(s State) bool { return s.TestAccuracy != nil })
	if got := text(t, ctx, "live-acc"); !strings.Contains(got, "%") {
		t.Errorf("the live status shows no accuracy: %q", got)
	}
	// Scrolled down to the units, the status is still on screen.
	run(t, ctx, chromedp.ScrollIntoView(chromedp.ID("units")))
	time.Sleep(300 * time.Millisecond)
	if !eval[bool](t, ctx, inView) {
		t.Error("the live status scrolls away on a phone")
	}
	waitFor(t, ctx, "unit images", `document.getElementById("units").height > 100`)
	clickAt(t, ctx, "units", 0.05, 0.05)
	waitFor(t, ctx, "the unit's detail", `document.querySelectorAll("#detail canvas").length >= 1`)
	time.Sleep(900 * time.Millisecond)
	if !eval[bool](t, ctx, `(() => { const r = document.getElementById("detail").getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; })()`) {
		t.Error("the unit's detail opened off screen")
	}
	noConsoleErrors(t, con)
}

// TestDivergence is defect 4: a learning rate far too high stops the run
// with a message that says so.
func TestDivergence(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	open(t, ctx, base, "#lr=10&hidden=64")
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	s, err := PollState(ctx, 60*time.Second, func(s State) bool { return s.Error != nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"diverged", "learning rate 10", "try 0.003"} {
		if !strings.Contains(*s.Error, want) {
			t.Errorf("message %q does not say %q", *s.Error, want)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if s, _ := ReadState(ctx); s.Running {
		t.Error("a diverged run keeps running")
	}
	if got := text(t, ctx, "live-state"); !strings.Contains(got, "diverged") {
		t.Errorf("the live status reads %q", got)
	}
	noConsoleErrors(t, con)
}

// TestSettings is defect 5: the real fraction learned, settings that do
// not apply are disabled, a typed text is quoted, a field's error goes
// when another field is edited, unknown keys are reported.
func TestSettings(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	open(t, ctx, base, "#d1=lowrank")
	waitFor(t, ctx, "the real fraction", `document.getElementById("hint-frac").textContent.includes("0.494")`)
	for _, tc := range []struct {
		dict     string
		disabled bool
	}{{"lowrank", true}, {"randfixu", true}, {"emp", true}, {"se", false}} {
		setField(t, ctx, "d1", tc.dict)
		for _, k := range []string{"in-ell", "in-ridge"} {
			if got := eval[bool](t, ctx, fmt.Sprintf(`document.getElementById(%q).disabled`, k)); got != tc.disabled {
				t.Errorf("d1=%s: %s disabled %v", tc.dict, k, got)
			}
		}
	}
	setField(t, ctx, "d1", "randfixu")
	waitFor(t, ctx, "the real fraction of randfixu", `document.getElementById("hint-frac").textContent.includes("0.195")`)
	setField(t, ctx, "hidden", "abc")
	if got := text(t, ctx, "err-hidden"); !strings.Contains(got, "“abc” is not a number") {
		t.Errorf("typing abc: %q", got)
	}
	setField(t, ctx, "batch", "32")
	if got := text(t, ctx, "err-hidden"); got != "" {
		t.Errorf("after editing another field, the error stays: %q", got)
	}
	for _, key := range []string{"__proto__", "toString", "constructor"} {
		open(t, ctx, base, "#"+key+"=1")
		if msg := text(t, ctx, "message"); !strings.Contains(msg, "unknown setting “"+key+"”") {
			t.Errorf("#%s=1: message %q", key, msg)
		}
	}
	noConsoleErrors(t, con)
}

// TestAccessibility is defect 6, the parts a page can check itself (axe
// and Lighthouse run from bench/page): contrast of Train, landmarks, a
// live region, keyboard reach of the units, the pad and the confusion
// matrix, the meta description and the paper's link.
func TestAccessibility(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	open(t, ctx, base, "#hidden=64")
	checks := map[string]string{
		"meta description": `!!document.querySelector('meta[name="description"]')`,
		"paper link":       `!!document.querySelector('a[href*="arxiv.org/abs/1306.0543"]')`,
		"intro in main":    `!!document.querySelector("main .intro")`,
		"live region":      `document.getElementById("live").getAttribute("role") === "status"`,
		"units keyboard":   `document.getElementById("units").tabIndex === 0`,
		"pad keyboard":     `document.getElementById("pad").tabIndex === 0`,
		"Train contrast": `(() => { const L = (c) => { const v = c.match(/\d+/g).slice(0, 3).map((x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
			return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
			const s = getComputedStyle(document.getElementById("train")); const a = L(s.color), b = L(s.backgroundColor);
			return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) >= 4.5; })()`,
	}
	for name, js := range checks {
		if !eval[bool](t, ctx, js) {
			t.Errorf("%s: %s is false", name, js)
		}
	}
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitState(t, ctx, "an evaluation", 60*time.Second, func(s State) bool { return s.TestAccuracy != nil })
	waitFor(t, ctx, "the confusion cells", `document.querySelectorAll("#confusion button.cc").length === 100`)
	// Keyboard: focus the unit grid, move, open.
	run(t, ctx, chromedp.ScrollIntoView(chromedp.ID("units")))
	waitFor(t, ctx, "unit images", `document.getElementById("units").height > 100`)
	run(t, ctx, chromedp.Focus(chromedp.CSS("#units")), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "the unit's detail from the keyboard", `document.querySelectorAll("#detail canvas").length >= 1`)
	// A confusion cell from the keyboard shows its digits.
	run(t, ctx, chromedp.Focus(chromedp.CSS(`#confusion button[data-t="3"][data-p="3"]`)), chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "the digits of a confusion cell", `document.getElementById("cell").textContent.includes("test digits 3 read as 3")`)
	noConsoleErrors(t, con)
}

// TestExplorer checks the dictionary explorer: ℓ from 0.5 to 10 goes from
// dots to blobs, the settings are in the hash, and it answers a change
// within 100 ms (median over 20) while a run trains.
func TestExplorer(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	open(t, ctx, base, "#hidden=128")
	waitFor(t, ctx, "the explorer", `explorerState.ready`)
	type xs struct {
		Kernel      string      `json:"kernel"`
		Length      float64     `json:"length"`
		Fraction    float64     `json:"fraction"`
		Alpha       []int       `json:"alpha"`
		Error       float64     `json:"error"`
		ComputedMs  float64     `json:"computedMs"`
		WorkerMs    float64     `json:"workerMs"`
		RowSupport  int         `json:"rowSupport"`
		AtomSupport int         `json:"atomSupport"`
		Updates     int         `json:"updates"`
		Curve       [][]float64 `json:"curve"`
	}
	read := func() xs { return eval[xs](t, ctx, `explorerState`) }
	setAndWait := func(key, v, cond string) xs {
		t.Helper()
		setField(t, ctx, key, v)
		waitFor(t, ctx, key+"="+v, cond)
		return read()
	}
	dots := setAndWait("xl", "0.5", `explorerState.length === 0.5`)
	blobs := setAndWait("xl", "10", `explorerState.length === 10`)
	if dots.RowSupport > 5 || blobs.RowSupport < 300 {
		t.Errorf("kernel row support %d pixels at ℓ = 0.5, %d at ℓ = 10: want dots, then blobs", dots.RowSupport, blobs.RowSupport)
	}
	if dots.Error <= blobs.Error/2 && dots.Error < 0.3 {
		t.Errorf("errors %.3f at ℓ = 0.5 and %.3f at ℓ = 10", dots.Error, blobs.Error)
	}
	if got := eval[string](t, ctx, "location.hash"); !strings.Contains(got, "xl=10") {
		t.Errorf("the hash %q does not hold ℓ", got)
	}
	x := setAndWait("xf", "0.5", `explorerState.fraction === 0.5`)
	if len(x.Alpha) != 392 {
		t.Errorf("fraction 0.5: |α| = %d, want 392", len(x.Alpha))
	}
	waitFor(t, ctx, "the error curve", `explorerState.curve.length === 12`)
	setAndWait("xk", "emp", `explorerState.kernel === "emp"`)
	setAndWait("xk", "se", `explorerState.kernel === "se"`)
	setAndWait("xf", "0.2", `explorerState.fraction === 0.2`)
	// Latency while training, at the default fraction.
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitState(t, ctx, "training", 60*time.Second, func(s State) bool { return s.ExamplesSeen > 0 })
	var ms, wms []float64
	for i := 0; i < 20; i++ {
		l := fmt.Sprintf("%.1f", 1+float64(i)*0.4)
		before := read().Updates
		setField(t, ctx, "xl", l)
		waitFor(t, ctx, "an explorer update", fmt.Sprintf(`explorerState.updates > %d && explorerState.length === %s`, before, l))
		x := read()
		ms, wms = append(ms, x.ComputedMs), append(wms, x.WorkerMs)
	}
	sort.Float64s(ms)
	sort.Float64s(wms)
	t.Logf("of which computing in the worker: median %.1f ms", (wms[9]+wms[10])/2)
	med := (ms[9] + ms[10]) / 2
	t.Logf("explorer update while training: median %.1f ms, max %.1f ms over 20 changes", med, ms[19])
	if med > 100 {
		t.Errorf("median explorer update %.1f ms, want ≤ 100", med)
	}
	noConsoleErrors(t, con)
}

// TestFairComparison trains both comparisons beside the predicted net.
func TestFairComparison(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	open(t, ctx, base, "#compare=both&hidden=64")
	waitFor(t, ctx, "the description", `trainingState.fractionLearned !== null`)
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitFor(t, ctx, "all three runs", `!!(trainingState.examplesSeen > 0 && trainingState.dense && trainingState.dense.examplesSeen > 0 && trainingState.small && trainingState.small.examplesSeen > 0)`)
	legend := text(t, ctx, "legend")
	for _, want := range []string{"dense, same shape", "dense, as many learned weights"} {
		if !strings.Contains(legend, want) {
			t.Errorf("legend %q has no %q", legend, want)
		}
	}
	// The small net has as many learned hidden weights as the predicted
	// one: 784·h' ≈ 153·64.
	if w := eval[int](t, ctx, `trainingState.smallWidth`); w != 12 {
		t.Errorf("the down-sized dense net has %d hidden units, want 12", w)
	}
	noConsoleErrors(t, con)
}

// TestScreens takes the screenshots of the closing note when SCREENS
// names a folder: four sizes, before Train, after 10 s and after 60 s.
func TestScreens(t *testing.T) {
	dir := os.Getenv("SCREENS")
	if dir == "" {
		t.Skip("SCREENS is not set")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sizes := []struct{ w, h int }{{1280, 800}, {1920, 1080}, {768, 1024}, {390, 844}}
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			ctx, base, _ := page(t, sz.w, sz.h)
			run(t, ctx, chromedp.EmulateViewport(int64(sz.w), int64(sz.h)))
			open(t, ctx, base, "")
			shot := func(name string) {
				b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%dx%d-%s.png", sz.w, sz.h, name)), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			shot("0s")
			run(t, ctx, chromedp.Click(chromedp.ID("train")))
			time.Sleep(10 * time.Second)
			shot("10s")
			time.Sleep(50 * time.Second)
			shot("60s")
			s, _ := ReadState(ctx)
			b, _ := json.Marshal(s)
			t.Logf("after 60 s: %s", b)
		})
	}
}

// TestAxe runs axe-core (bench/page/node_modules, installed by npm in the
// tooling folder only) on the fresh page, after training with a unit open,
// and with an error message showing: it must find no violation.
func TestAxe(t *testing.T) {
	axe, err := os.ReadFile(filepath.Join("..", "..", "bench", "page", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and axe-core is missing (cd bench/page && npm install): %v", err)
		}
		t.Skipf("axe-core is not installed (cd bench/page && npm install): %v", err)
	}
	ctx, base, _ := page(t, 1280, 800)
	type violation struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target []string `json:"target"`
		} `json:"nodes"`
	}
	check := func(when string) {
		t.Helper()
		eval[bool](t, ctx, string(axe)+"; true")
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: axe: %v", when, err)
		}
		for _, x := range v {
			var where []string
			for _, n := range x.Nodes {
				where = append(where, strings.Join(n.Target, " "))
			}
			t.Errorf("%s: %s (%s) at %s", when, x.ID, x.Help, strings.Join(where, "; "))
		}
	}
	open(t, ctx, base, "#hidden=64")
	waitFor(t, ctx, "the explorer", `explorerState.ready`)
	check("fresh page")
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitState(t, ctx, "an evaluation", 60*time.Second, func(s State) bool { return s.TestAccuracy != nil })
	run(t, ctx, chromedp.ScrollIntoView(chromedp.ID("units")))
	waitFor(t, ctx, "unit images", `document.getElementById("units").height > 100`)
	clickAt(t, ctx, "units", 0.03, 0.03)
	waitFor(t, ctx, "the unit's detail", `document.querySelectorAll("#detail canvas").length >= 1`)
	check("training with a unit open")
	// Two workers, paused: the exchange note and the check of the workers.
	open(t, ctx, base, "#hidden=64&workers=2")
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitState(t, ctx, "two workers to train", 60*time.Second, func(s State) bool { return s.ExamplesSeen > 5000 })
	run(t, ctx, chromedp.Click(chromedp.ID("pause")))
	waitFor(t, ctx, "the workers' check", `document.getElementById("dp-note").textContent.includes("bit-identical")`)
	check("two workers, paused")
	// The Figure 4 panel, drawn.
	run(t, ctx, chromedp.Click(chromedp.ID("reset")), chromedp.ScrollIntoView(chromedp.ID("fig4")))
	eval[bool](t, ctx, `(document.getElementById("fig4-examples").value = "10000", true)`)
	run(t, ctx, chromedp.Click(chromedp.ID("fig4-run")))
	waitFig4(t, ctx, "Figure 4", 3*time.Minute, func(s fig4State) bool { return s.Done })
	check("Figure 4 drawn")
	open(t, ctx, base, "#hidden=99999&toString=1")
	check("with an error message")
}
