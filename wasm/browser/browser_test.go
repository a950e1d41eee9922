//go:build !js

package browser

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/predparams/predparams/wasm/site"
)

// testHash is the configuration the browser test trains: small enough to
// pass 90% test accuracy in a few seconds on a busy machine.
const testHash = "#model=mlp&hidden=128&d1=se&frac=0.195&batch=64&lr=0.002&seed=3"

// console collects the page's console errors and uncaught exceptions.
type console struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func (c *console) listen(ctx context.Context) {
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || m.Type == "error" {
				c.mu.Lock()
				c.msgs = append(c.msgs, m)
				c.mu.Unlock()
			}
		}
	}()
}

// take returns and forgets the errors so far; network errors (a failed
// fetch logs one) are left out when allowNetwork is set.
func (c *console) take(allowNetwork bool) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.msgs {
		if allowNetwork && m.Source == "network" {
			continue
		}
		out = append(out, m.String())
	}
	c.msgs = nil
	return out
}

// startBrowser builds the site into a temporary folder, serves it and
// starts Chromium. Without Chromium the test fails under CI and skips
// otherwise.
func startBrowser(t *testing.T) (context.Context, string, *console) {
	t.Helper()
	exe, err := Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and %v", err)
		}
		t.Skipf("skipping the browser test: %v", err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	start := time.Now()
	if err := site.Build(ctx, site.Options{Out: dir}); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the site in %.1f s", time.Since(start).Seconds())
	profile := t.TempDir()
	bctx, stop := Start(ctx, exe, profile, 1280, 800)
	t.Cleanup(stop)
	c := &console{}
	c.listen(bctx)
	return bctx, dir, c
}

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func waitState(t *testing.T, ctx context.Context, what string, timeout time.Duration, ok func(State) bool) State {
	t.Helper()
	s, err := WaitState(ctx, timeout, ok)
	if err != nil {
		t.Fatalf("waiting for %s: %v (state %+v)", what, err, s)
	}
	return s
}

func TestPage(t *testing.T) {
	ctx, dir, con := startBrowser(t)
	var seen fetched
	srv := httptest.NewServer(seen.record(site.Handler(dir)))
	defer srv.Close()
	shots, err := os.MkdirTemp("", "predparams-screens-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)

	run(t, ctx, chromedp.Navigate(srv.URL+"/"+testHash))
	waitState(t, ctx, "the engine", 60*time.Second, func(s State) bool { return s.Ready })
	if got := eval[string](t, ctx, "location.hash"); !strings.Contains(got, "hidden=128") {
		t.Errorf("the hash lost the settings: %s", got)
	}
	// What the first visit transferred: every response body the server
	// sent, to the page and to its workers (which fetch the engine and
	// the data, so the page's own resource timeline misses them).
	transfer := float64(seen.served())
	t.Logf("first visit transferred %.2f MB (%d requests)", transfer/1e6, len(seen.list()))
	if transfer > 6e6 {
		t.Errorf("first visit transferred %.0f bytes, over 6 MB", transfer)
	}
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	start := time.Now()
	s := waitState(t, ctx, "90% test accuracy", 90*time.Second, func(s State) bool {
		return s.TestAccuracy != nil && *s.TestAccuracy > 0.9
	})
	t.Logf("test accuracy %.4f after %.1f s (%d examples, %.0f examples/s)",
		*s.TestAccuracy, time.Since(start).Seconds(), s.ExamplesSeen, s.ExamplesPerS)
	if !s.Running {
		t.Error("trainingState.running is false while training")
	}

	// Pause: the count stops; resume: it moves again.
	run(t, ctx, chromedp.Click(chromedp.ID("pause")))
	waitState(t, ctx, "pause", 5*time.Second, func(s State) bool { return !s.Running })
	time.Sleep(500 * time.Millisecond)
	before := waitState(t, ctx, "state", time.Second, func(State) bool { return true })
	time.Sleep(time.Second)
	after := waitState(t, ctx, "state", time.Second, func(State) bool { return true })
	if after.ExamplesSeen != before.ExamplesSeen {
		t.Errorf("paused, yet examplesSeen went from %d to %d", before.ExamplesSeen, after.ExamplesSeen)
	}
	if got := eval[string](t, ctx, `document.getElementById("pause").textContent`); got != "Resume" {
		t.Errorf("pause button reads %q while paused, want Resume", got)
	}
	run(t, ctx, chromedp.Click(chromedp.ID("pause")))
	waitState(t, ctx, "training to resume", 10*time.Second, func(s State) bool {
		return s.Running && s.ExamplesSeen > after.ExamplesSeen
	})

	// Click the first unit: the detail shows its images.
	run(t, ctx, chromedp.ScrollIntoView(chromedp.ID("units")))
	waitFor(t, ctx, "unit images", `document.getElementById("units").height > 100`)
	clickAt(t, ctx, "units", 0.03, 0.03)
	waitFor(t, ctx, "the unit's detail", `document.querySelectorAll("#detail canvas").length >= 1`)

	// Draw a "1" on the pad and read the prediction.
	run(t, ctx, chromedp.ScrollIntoView(chromedp.ID("pad")))
	drawStroke(t, ctx, "pad", [][2]float64{{0.52, 0.12}, {0.5, 0.4}, {0.49, 0.65}, {0.48, 0.88}})
	p := waitState(t, ctx, "a prediction", 10*time.Second, func(s State) bool { return s.Prediction != nil })
	sum := 0.0
	for _, v := range p.Prediction.Probs {
		sum += v
	}
	if len(p.Prediction.Probs) != 10 || math.Abs(sum-1) > 1e-3 {
		t.Errorf("prediction probabilities %v do not sum to 1", p.Prediction.Probs)
	}
	if p.Prediction.Digit != 1 {
		t.Errorf("a drawn vertical stroke reads as %d, want 1 (probabilities %.3f)", p.Prediction.Digit, p.Prediction.Probs)
	}

	// Screenshots at a desktop and a phone width.
	for _, v := range []struct {
		name          string
		width, height int64
	}{{"desktop-1280x800", 1280, 800}, {"phone-390", 390, 844}} {
		run(t, ctx, chromedp.EmulateViewport(v.width, v.height), chromedp.Sleep(400*time.Millisecond))
		eval[bool](t, ctx, "window.scrollTo(0, 0), true")
		view, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		full, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		for name, png := range map[string][]byte{v.name + ".png": view, v.name + "-full.png": full} {
			if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(t, ctx, chromedp.EmulateViewport(1280, 800))
	if errs := con.take(false); len(errs) > 0 {
		t.Errorf("console errors while training:\n%s", strings.Join(errs, "\n"))
	}

	// Bad links: one clear message, no console error, and Train still works.
	for _, tc := range []struct {
		hash, want string
	}{
		{"#hidden=99999", "hidden=99999 is out of range"},
		{"#lr=abc&model=mlp", "lr=abc is not a number"},
		{"#model=resnet&frac=0", "model=resnet is not one of mlp, conv"},
		{"#nonsense&%E0%A4%A=1", "not readable"},
		{"#d1=zzz&batch=2.5&compare=maybe", "batch=2.5 is not a whole number"},
	} {
		t.Run(tc.hash, func(t *testing.T) {
			run(t, ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(srv.URL+"/"+tc.hash))
			if _, err := PollState(ctx, 60*time.Second, func(s State) bool { return s.Ready }); err != nil {
				t.Fatal(err)
			}
			msg := eval[string](t, ctx, `document.getElementById("message").hidden ? "" : document.getElementById("message").textContent`)
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not mention %q", msg, tc.want)
			}
			s := waitState(t, ctx, "state", time.Second, func(State) bool { return true })
			if s.Error == nil || *s.Error != msg {
				t.Errorf("trainingState.error = %v, want the message shown", s.Error)
			}
			run(t, ctx, chromedp.Click(chromedp.ID("train")))
			waitState(t, ctx, "training after a bad link", 30*time.Second, func(s State) bool { return s.ExamplesSeen > 0 })
			run(t, ctx, chromedp.Click(chromedp.ID("reset")))
			if errs := con.take(false); len(errs) > 0 {
				t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
			}
		})
	}

	// Compare with dense: a second run beside the first.
	t.Run("compare", func(t *testing.T) {
		run(t, ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(srv.URL+"/#compare=1&hidden=64"))
		waitState(t, ctx, "the engine", 60*time.Second, func(s State) bool { return s.Ready })
		run(t, ctx, chromedp.Click(chromedp.ID("train")))
		s := waitState(t, ctx, "both runs", 60*time.Second, func(s State) bool {
			return s.ExamplesSeen > 0 && s.Dense != nil && s.Dense.ExamplesSeen > 0
		})
		t.Logf("compare: main %d examples at %.0f/s, dense %d at %.0f/s", s.ExamplesSeen, s.ExamplesPerS, s.Dense.ExamplesSeen, s.Dense.ExamplesPerS)
		if legend := eval[string](t, ctx, `document.getElementById("legend").textContent`); !strings.Contains(legend, "dense, same shape, test") {
			t.Errorf("legend %q has no dense run", legend)
		}
		run(t, ctx, chromedp.Click(chromedp.ID("reset")))
		if errs := con.take(false); len(errs) > 0 {
			t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
		}
	})

	// A setting the engine rejects: one message, and the page still trains.
	t.Run("model error", func(t *testing.T) {
		run(t, ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(srv.URL+"/#cols=3&hidden=64"))
		waitState(t, ctx, "the engine", 60*time.Second, func(s State) bool { return s.Ready })
		run(t, ctx, chromedp.Click(chromedp.ID("train")))
		s, err := PollState(ctx, 30*time.Second, func(s State) bool { return s.Error != nil })
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(*s.Error, "cannot be built") || !strings.Contains(*s.Error, "does not divide") {
			t.Errorf("message %q does not say why the model cannot be built", *s.Error)
		}
		s, _ = PollState(ctx, time.Second, func(State) bool { return true })
		if s.Running {
			t.Error("trainingState.running after a model error")
		}
		eval[bool](t, ctx, `(() => { const i = document.getElementById("in-cols"); i.value = "4"; i.dispatchEvent(new Event("change")); return true; })()`)
		waitFor(t, ctx, "the hash to follow the field", `location.hash.includes("cols=4")`)
		run(t, ctx, chromedp.Click(chromedp.ID("train")))
		waitState(t, ctx, "training with 4 columns", 30*time.Second, func(s State) bool { return s.ExamplesSeen > 0 })
		run(t, ctx, chromedp.Click(chromedp.ID("reset")))
		if errs := con.take(false); len(errs) > 0 {
			t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
		}
	})

	// Chromium runs wasm SIMD, so the page loaded main.wasm; with ?scalar
	// (as where wasm SIMD is missing) it loads main-scalar.wasm and trains.
	t.Run("scalar build", func(t *testing.T) {
		if !seen.has("/main.wasm") || seen.has("/main-scalar.wasm") {
			t.Fatalf("the page fetched %v, want main.wasm and not main-scalar.wasm", seen.list())
		}
		var scalar fetched
		ssrv := httptest.NewServer(scalar.record(site.Handler(dir)))
		defer ssrv.Close()
		run(t, ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(ssrv.URL+"/?scalar#hidden=64"))
		waitState(t, ctx, "the engine", 60*time.Second, func(s State) bool { return s.Ready })
		run(t, ctx, chromedp.Click(chromedp.ID("train")))
		waitState(t, ctx, "training", 30*time.Second, func(s State) bool { return s.ExamplesSeen > 0 })
		run(t, ctx, chromedp.Click(chromedp.ID("reset")))
		if !scalar.has("/main-scalar.wasm") || scalar.has("/main.wasm") {
			t.Errorf("with ?scalar the page fetched %v, want main-scalar.wasm and not main.wasm", scalar.list())
		}
		if errs := con.take(false); len(errs) > 0 {
			t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
		}
	})

	// The data fails to load: one message, nothing thrown.
	t.Run("no data", func(t *testing.T) {
		h := site.Handler(dir)
		nodata := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/data/") {
				http.NotFound(w, r)
				return
			}
			h.ServeHTTP(w, r)
		}))
		defer nodata.Close()
		run(t, ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(nodata.URL+"/"))
		// The menus (data/menus.json) fail first, on the page's thread;
		// the engine and the data, fetched by a worker, after them.
		s, err := PollState(ctx, 30*time.Second, func(s State) bool {
			return s.Error != nil && strings.Contains(*s.Error, "could not load what it needs")
		})
		if err != nil {
			t.Fatalf("no message that the data could not load: %v (state %+v)", err, s)
		}
		run(t, ctx, chromedp.Click(chromedp.ID("train")))
		s, _ = PollState(ctx, time.Second, func(State) bool { return true })
		if s.Running || s.Error == nil {
			t.Errorf("after a failed load, Train gives running=%v error=%v", s.Running, s.Error)
		}
		if errs := con.take(true); len(errs) > 0 {
			t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
		}
	})
}

// fetched records the paths a server was asked for and the bytes of the
// response bodies it sent (compressed as served).
type fetched struct {
	mu    sync.Mutex
	paths []string
	bytes int64
}

// record returns h, recording every request's path and counting the
// bytes of its response body.
func (f *fetched) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.paths = append(f.paths, r.URL.Path)
		f.mu.Unlock()
		h.ServeHTTP(countingWriter{w, f}, r)
	})
}

// countingWriter adds the body bytes written through it to f.bytes.
type countingWriter struct {
	http.ResponseWriter
	f *fetched
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.f.mu.Lock()
	c.f.bytes += int64(n)
	c.f.mu.Unlock()
	return n, err
}

// served returns the bytes of the response bodies sent so far.
func (f *fetched) served() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bytes
}

func (f *fetched) has(path string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.paths {
		if p == path {
			return true
		}
	}
	return false
}

func (f *fetched) list() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

// waitFor polls a JS condition for up to 20 s.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !eval[bool](t, ctx, cond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (%s)", what, cond)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type rect struct{ X, Y, W, H float64 }

func rectOf(t *testing.T, ctx context.Context, id string) rect {
	t.Helper()
	return eval[rect](t, ctx, fmt.Sprintf(`(() => { const r = document.getElementById(%q).getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`, id))
}

// clickAt clicks element id at the fractions (fx, fy) of its box.
func clickAt(t *testing.T, ctx context.Context, id string, fx, fy float64) {
	t.Helper()
	r := rectOf(t, ctx, id)
	run(t, ctx, chromedp.MouseClickXY(r.X+fx*r.W, r.Y+fy*r.H))
}

// drawStroke drags the mouse through pts (fractions of element id's box).
func drawStroke(t *testing.T, ctx context.Context, id string, pts [][2]float64) {
	t.Helper()
	r := rectOf(t, ctx, id)
	at := func(p [2]float64) (float64, float64) { return r.X + p[0]*r.W, r.Y + p[1]*r.H }
	x, y := at(pts[0])
	acts := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonType(input.MouseButtonLeft), chromedp.ClickCount(1))}
	for i := 1; i < len(pts); i++ {
		x0, y0 := at(pts[i-1])
		x1, y1 := at(pts[i])
		for k := 1; k <= 8; k++ {
			f := float64(k) / 8
			acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, x0+f*(x1-x0), y0+f*(y1-y0), chromedp.ButtonType(input.MouseButtonLeft)))
		}
	}
	x, y = at(pts[len(pts)-1])
	acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonType(input.MouseButtonLeft), chromedp.ClickCount(1)))
	run(t, ctx, acts...)
}
