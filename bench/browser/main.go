// Command browser measures the browser demonstrator in headless Chromium
// against TensorFlow.js, back to back in one run so that the ratios come
// from one machine state:
//
//   - test accuracy at 15, 30 and 60 s after pressing Train for the
//     page's default (predicted) model, its dense twin, the dense
//     784-256-10 MLP, and TF.js (wasm backend, SIMD) on that MLP;
//   - training throughput on the same MLP and batch: this engine in the
//     browser, TF.js's plain-JS CPU and wasm backends, and this engine
//     natively (1 and 2 threads);
//   - the page's longest long task and longest gap between frames over
//     the first 10 s of training;
//   - the main run's throughput with and without "compare with dense";
//   - the training worker's stalls: the longest wall-clock gap between two
//     increases of the examples seen, and the slowest second, over the
//     default model's run.
//
// -site DIR measures a site built before (by another commit's mksite, to
// compare before and after a change) instead of building this one.
//
// Run from the module: (cd bench/browser && npm install) once, then
//
//	go run ./bench/browser [-quick] [-out bench/out/browser.json]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/predparams/predparams/engine/data/mnist"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/wasm/browser"
	"github.com/predparams/predparams/wasm/session"
	"github.com/predparams/predparams/wasm/site"
)

// Hashes of the page's configurations measured; "" is the default.
const (
	hashDefault = ""
	hashDense   = "d1=dense"
	hashMLP256  = "d1=dense&hidden=256"
)

// marks are the times after pressing Train at which accuracy is read.
var marks = []float64{15, 30, 60}

// Curve is a run's test accuracy at the marks.
type Curve struct {
	Name     string    `json:"name"`
	At       []float64 `json:"at_seconds"`
	Accuracy []float64 `json:"accuracy"` // NaN-free: -1 when no evaluation had finished
	Examples []int64   `json:"examples"`
	ExPerS   float64   `json:"examples_per_s"`
}

// mark records the reading at a mark: the last finished evaluation's
// accuracy (-1 when there was none yet) after examples examples.
func (c *Curve) mark(at float64, accuracy *float64, examples int64) {
	acc := -1.0
	if accuracy != nil {
		acc = *accuracy
	}
	c.At = append(c.At, at)
	c.Accuracy = append(c.Accuracy, acc)
	c.Examples = append(c.Examples, examples)
}

// Results is what one run measures.
type Results struct {
	LoadBefore, LoadAfter string
	Curves                []Curve
	Throughput            map[string]float64 // examples/s, training only
	LongestTaskMs         float64
	LongestFrameGapMs     float64
	LongTasks             int
	CompareMainExPerS     float64
	CompareDenseExPerS    float64
	AloneMainExPerS       float64
	TFJSSIMD, TFJSThreads bool
	FirstVisitBytes       int64
	Stalls                stalls
}

func main() {
	quick := flag.Bool("quick", false, "shorter runs (accuracy to 30 s, throughput 5 s): a smoke test")
	out := flag.String("out", "bench/out/browser.json", "write the results as JSON to `FILE`")
	curves := flag.String("curves", "default,dense,mlp256,tfjs", "accuracy runs to make, a comma-separated `LIST` of default, dense, mlp256, tfjs")
	speed := flag.Bool("speed", true, "measure throughput and compare mode too")
	siteDir := flag.String("site", "", "serve the site built in `DIR` instead of building this module's")
	flag.Parse()
	if err := run(*quick, *out, strings.Split(*curves, ","), *speed, *siteDir); err != nil {
		fmt.Fprintf(os.Stderr, "bench/browser: %v\n", err)
		os.Exit(1)
	}
}

func load() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:min(3, len(strings.Fields(string(b))))], " ")
}

func run(quick bool, out string, curves []string, speed bool, prebuilt string) error {
	want := map[string]bool{}
	for _, c := range curves {
		want[strings.TrimSpace(c)] = true
	}
	ctx := context.Background()
	benchDir, err := filepath.Abs("bench/browser")
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(benchDir, "tfjs.js")); err != nil {
		return errors.New("run from the module's root: go run ./bench/browser")
	}
	tfjs := true
	if _, err := os.Stat(filepath.Join(benchDir, "node_modules/@tensorflow/tfjs-backend-wasm")); err != nil {
		fmt.Println("TF.js is not installed: (cd bench/browser && npm install) — measuring this engine only")
		tfjs = false
	}
	dir := prebuilt
	if dir == "" {
		if dir, err = os.MkdirTemp("", "predparams-bench-site-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if err := site.Build(ctx, site.Options{Out: dir, Log: os.Stderr}); err != nil {
			return err
		}
	}
	res := Results{Throughput: map[string]float64{}}
	if _, total, err := site.FirstVisit(dir); err == nil {
		res.FirstVisitBytes = total
	}
	mux := http.NewServeMux()
	mux.Handle("/", site.Handler(dir))
	mux.Handle("/bench/", http.StripPrefix("/bench/", http.FileServer(http.Dir(benchDir))))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	exe, err := browser.Find()
	if err != nil {
		return err
	}
	profile, err := browser.UserDataDir()
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	bctx, stop := browser.Start(ctx, exe, profile, 1280, 800)
	defer stop()

	res.LoadBefore = load()
	fmt.Printf("load average before: %s\n", res.LoadBefore)
	horizon := 62.0
	if quick {
		marks = []float64{15, 30}
		horizon = 32
	}
	// Accuracy against time, back to back.
	pages := []struct{ key, name, hash string }{
		{"default", "this engine: default predicted 784-512-10 (SE, 19.5% learned)", hashDefault},
		{"dense", "this engine: dense 784-512-10", hashDense},
		{"mlp256", "this engine: dense 784-256-10", hashMLP256},
	}
	for i, p := range pages {
		if !want[p.key] {
			continue
		}
		c, lt, st, err := pageCurve(bctx, srv.URL, p.hash, horizon, i == 0)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		c.Name = p.name
		if i == 0 {
			res.LongestTaskMs, res.LongestFrameGapMs, res.LongTasks = lt.MaxTask, lt.MaxGap, lt.Tasks
			res.AloneMainExPerS = c.ExPerS
			res.Stalls = st
		}
		res.Curves = append(res.Curves, c)
		printCurve(c)
	}
	if tfjs && want["tfjs"] {
		c, st, err := tfjsCurve(bctx, srv.URL, horizon)
		if err != nil {
			return fmt.Errorf("TF.js: %w", err)
		}
		res.TFJSSIMD, res.TFJSThreads = st.SIMD, st.Threads
		res.Curves = append(res.Curves, c)
		printCurve(c)
	}

	if !speed {
		res.LoadAfter = load()
		report(res)
		return nil
	}
	// Throughput on the same MLP and batch.
	secs := 12.0
	if quick {
		secs = 5
	}
	eps, err := pageSpeed(bctx, srv.URL, hashMLP256, secs)
	if err != nil {
		return err
	}
	res.Throughput["browser: this engine (wasm)"] = eps
	if tfjs {
		for _, b := range []struct {
			backend string
			steps   int
		}{{"wasm", 300}, {"cpu", 40}} {
			if quick {
				b.steps /= 3
			}
			v, err := tfjsSpeed(bctx, srv.URL, b.backend, b.steps)
			if err != nil {
				return fmt.Errorf("TF.js %s: %w", b.backend, err)
			}
			res.Throughput["browser: TF.js "+b.backend] = v
		}
	}
	for _, th := range []int{1, 2} {
		v, err := nativeSpeed(hashMLP256Params(), th, gemm.Best(th), secs/2)
		if err != nil {
			return err
		}
		res.Throughput[fmt.Sprintf("native: this engine, %d thread(s)", th)] = v
	}
	v, err := nativeSpeed(hashMLP256Params(), 1, gemm.NewPortable(1), secs/2)
	if err != nil {
		return err
	}
	res.Throughput["native: this engine, pure-Go gemm, 1 thread"] = v
	dp := session.DefaultParams()
	pv, err := nativeSpeed(dp, 1, gemm.Best(1), secs/2)
	if err != nil {
		return err
	}
	res.Throughput["native: default predicted model, 1 thread"] = pv
	res.Throughput["browser: default predicted model"] = res.AloneMainExPerS

	// Compare with dense: the main run's speed with a second worker.
	m, d, err := compareSpeed(bctx, srv.URL, secs)
	if err != nil {
		return err
	}
	res.CompareMainExPerS, res.CompareDenseExPerS = m, d
	res.LoadAfter = load()
	report(res)
	if out != "" {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return err
		}
		fmt.Printf("results in %s\n", out)
	}
	return nil
}

func hashMLP256Params() session.Params {
	p := session.DefaultParams()
	p.Dicts = nil
	p.Hidden = 256
	return p
}

// longTasks is what the page-side observer reports.
type longTasks struct {
	MaxTask, MaxGap float64
	Tasks           int
}

const observeJS = `(() => {
  const o = window.__lt = { MaxTask: 0, MaxGap: 0, Tasks: 0, stop: false };
  new PerformanceObserver((l) => { for (const e of l.getEntries()) { o.MaxTask = Math.max(o.MaxTask, e.duration); o.Tasks++; } })
    .observe({ type: 'longtask' });
  let last = 0;
  const f = (t) => { if (last) o.MaxGap = Math.max(o.MaxGap, t - last); last = t; if (!o.stop) requestAnimationFrame(f); };
  requestAnimationFrame(f);
  return true;
})()`

// stalls is what stallJS reports: the longest wall-clock gap (ms) between
// two increases of trainingState.examplesSeen after the first example,
// and the fewest and most examples trained in one whole second.
type stalls struct {
	LongestMs        float64
	MinPerS, MaxPerS float64
	Seconds          int
}

// stallJS samples trainingState.examplesSeen every 5 ms on the page.
const stallJS = `(() => {
  const o = window.__st = { t: [], e: [] };
  let last = -1;
  o.timer = setInterval(() => {
    const e = window.trainingState.examplesSeen;
    if (e !== last) { o.t.push(performance.now()); o.e.push(e); last = e; }
  }, 5);
  return true;
})()`

// stallReadJS stops the sampling and sums it up.
const stallReadJS = `(() => {
  const o = window.__st;
  clearInterval(o.timer);
  const r = { LongestMs: 0, MinPerS: Infinity, MaxPerS: 0, Seconds: 0 };
  let i0 = o.e.findIndex((e) => e > 0);
  if (i0 < 0) return r;
  for (let i = i0 + 1; i < o.t.length; i++) r.LongestMs = Math.max(r.LongestMs, o.t[i] - o.t[i - 1]);
  // Examples per whole second from the first example on, by the last
  // count seen before each second's end.
  const at = (t) => { let k = i0; while (k + 1 < o.t.length && o.t[k + 1] <= t) k++; return o.e[k]; };
  const t0 = o.t[i0], t1 = o.t[o.t.length - 1];
  for (let s = 0; t0 + (s + 1) * 1000 <= t1; s++) {
    const n = at(t0 + (s + 1) * 1000) - at(t0 + s * 1000);
    r.MinPerS = Math.min(r.MinPerS, n); r.MaxPerS = Math.max(r.MaxPerS, n); r.Seconds++;
  }
  if (!r.Seconds) r.MinPerS = 0;
  return r;
})()`

func open(ctx context.Context, url string) error {
	return chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(url))
}

// pageCurve trains the page's configuration hash for horizon seconds and
// reads the accuracy at the marks; observe also measures long tasks over
// the first 10 s, and the training worker's stalls over the whole run.
func pageCurve(ctx context.Context, base, hash string, horizon float64, observe bool) (Curve, longTasks, stalls, error) {
	var lt longTasks
	var st stalls
	if err := open(ctx, base+"/#"+hash); err != nil {
		return Curve{}, lt, st, err
	}
	if _, err := browser.WaitState(ctx, 60*time.Second, func(s browser.State) bool { return s.Ready }); err != nil {
		return Curve{}, lt, st, err
	}
	if observe {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](observeJS)); err != nil {
			return Curve{}, lt, st, err
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](stallJS)); err != nil {
			return Curve{}, lt, st, err
		}
	}
	t0 := time.Now()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("train"))); err != nil {
		return Curve{}, lt, st, err
	}
	c := Curve{}
	next := 0
	var last browser.State
	ltDone := !observe
	for next < len(marks) {
		s, err := browser.WaitState(ctx, 5*time.Second, func(browser.State) bool { return true })
		if err != nil {
			return c, lt, st, err
		}
		el := time.Since(t0).Seconds()
		if !ltDone && el >= 10 {
			lt, err = chromedp.Run(ctx, chromedp.Evaluate[longTasks](`(() => { window.__lt.stop = true; return window.__lt; })()`))
			if err != nil {
				return c, lt, st, err
			}
			ltDone = true
		}
		if el >= marks[next] {
			c.mark(marks[next], last.TestAccuracy, last.ExamplesSeen)
			next++
		}
		last = s
		if el > horizon {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.ExPerS = last.ExamplesPerS
	if observe {
		var err error
		if st, err = chromedp.Run(ctx, chromedp.Evaluate[stalls](stallReadJS)); err != nil {
			return c, lt, st, err
		}
	}
	return c, lt, st, chromedp.Do(ctx, chromedp.Click(chromedp.ID("reset")))
}

// tfjsState is window.benchState.
type tfjsState struct {
	Ready, Running bool
	ExamplesSeen   int64    `json:"examplesSeen"`
	TestAccuracy   *float64 `json:"testAccuracy"`
	ExamplesPerS   float64  `json:"examplesPerS"`
	Error          *string  `json:"error"`
	SIMD           bool     `json:"simd"`
	Threads        bool     `json:"threads"`
}

func tfjsWait(ctx context.Context, timeout time.Duration, ok func(tfjsState) bool) (tfjsState, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[tfjsState]("window.benchState || {}"))
		if err != nil {
			return s, err
		}
		if s.Error != nil {
			return s, errors.New(*s.Error)
		}
		if ok(s) {
			return s, nil
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("timed out after %v", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tfjsCurve(ctx context.Context, base string, horizon float64) (Curve, tfjsState, error) {
	if err := open(ctx, base+"/bench/tfjs.html?backend=wasm&mode=train"); err != nil {
		return Curve{}, tfjsState{}, err
	}
	st, err := tfjsWait(ctx, 60*time.Second, func(s tfjsState) bool { return s.Ready })
	if err != nil {
		return Curve{}, st, err
	}
	t0 := time.Now()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.benchGo(), true")); err != nil {
		return Curve{}, st, err
	}
	c := Curve{Name: "TF.js 4 wasm backend (SIMD, 1 thread): dense 784-256-10"}
	next := 0
	last := st
	for next < len(marks) {
		s, err := tfjsWait(ctx, 5*time.Second, func(tfjsState) bool { return true })
		if err != nil {
			return c, st, err
		}
		el := time.Since(t0).Seconds()
		if el >= marks[next] {
			c.mark(marks[next], last.TestAccuracy, last.ExamplesSeen)
			next++
		}
		last = s
		if el > horizon {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.ExPerS = last.ExamplesPerS
	return c, st, nil
}

// pageSpeed trains the page's configuration for secs and returns its
// training throughput (examples/s over training steps only).
func pageSpeed(ctx context.Context, base, hash string, secs float64) (float64, error) {
	if err := open(ctx, base+"/#"+hash); err != nil {
		return 0, err
	}
	if _, err := browser.WaitState(ctx, 60*time.Second, func(s browser.State) bool { return s.Ready }); err != nil {
		return 0, err
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("train"))); err != nil {
		return 0, err
	}
	time.Sleep(time.Duration(secs * float64(time.Second)))
	s, err := browser.ReadState(ctx)
	if err != nil {
		return 0, err
	}
	return s.ExamplesPerS, chromedp.Do(ctx, chromedp.Click(chromedp.ID("reset")))
}

func tfjsSpeed(ctx context.Context, base, backend string, steps int) (float64, error) {
	if err := open(ctx, fmt.Sprintf("%s/bench/tfjs.html?backend=%s&mode=speed&steps=%d", base, backend, steps)); err != nil {
		return 0, err
	}
	if _, err := tfjsWait(ctx, 60*time.Second, func(s tfjsState) bool { return s.Ready }); err != nil {
		return 0, err
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.benchGo(), true")); err != nil {
		return 0, err
	}
	s, err := tfjsWait(ctx, 5*time.Minute, func(s tfjsState) bool { return s.ExamplesPerS > 0 })
	return s.ExamplesPerS, err
}

// compareSpeed trains the default with "compare with dense" and returns
// both runs' throughput.
func compareSpeed(ctx context.Context, base string, secs float64) (main, dense float64, err error) {
	if err := open(ctx, base+"/#compare=1"); err != nil {
		return 0, 0, err
	}
	if _, err := browser.WaitState(ctx, 60*time.Second, func(s browser.State) bool { return s.Ready }); err != nil {
		return 0, 0, err
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("train"))); err != nil {
		return 0, 0, err
	}
	time.Sleep(time.Duration((secs + 3) * float64(time.Second)))
	s, err := browser.ReadState(ctx)
	if err != nil {
		return 0, 0, err
	}
	if s.Dense != nil {
		dense = s.Dense.ExamplesPerS
	}
	return s.ExamplesPerS, dense, chromedp.Do(ctx, chromedp.Click(chromedp.ID("reset")))
}

// nativeSpeed trains p natively on the first 20,000 MNIST digits for
// about secs and returns the training throughput.
func nativeSpeed(p session.Params, threads int, g gemm.Impl, secs float64) (float64, error) {
	train, test, err := mnist.Load("")
	if err != nil {
		return 0, err
	}
	train = train.Subset(0, 20000)
	s, err := session.New(p, train, test, models.Env{Threads: threads, Gemm: g})
	if err != nil {
		return 0, err
	}
	var ex, t float64
	var steps int64
	start := time.Now()
	for time.Since(start).Seconds() < secs {
		u := s.Advance(100 * time.Millisecond)
		if u.ExamplesPerS > 0 {
			dt := u.MsPerStep * float64(u.Steps-steps) / 1000
			ex += u.ExamplesPerS * dt
			t += dt
		}
		steps = u.Steps
	}
	if t == 0 {
		return 0, errors.New("native run took no step")
	}
	return ex / t, nil
}

func printCurve(c Curve) {
	fmt.Printf("%-62s", c.Name)
	for i := range c.At {
		fmt.Printf("  %2.0f s: %6.2f%% (%d ex)", c.At[i], 100*c.Accuracy[i], c.Examples[i])
	}
	fmt.Printf("  %.0f ex/s\n", c.ExPerS)
}

func report(r Results) {
	fmt.Printf("\n## bench/browser (%s, %d CPUs; load %s before, %s after)\n\n", runtime.GOARCH, runtime.NumCPU(), r.LoadBefore, r.LoadAfter)
	fmt.Printf("first visit: %.2f MB compressed\n\n", float64(r.FirstVisitBytes)/1e6)
	fmt.Println("| run | " + strings.Join(markHeads(), " | ") + " |")
	fmt.Println("|---|" + strings.Repeat("---|", len(marks)))
	for _, c := range r.Curves {
		row := "| " + c.Name + " |"
		for i := range c.At {
			row += fmt.Sprintf(" %.2f%% |", 100*c.Accuracy[i])
		}
		fmt.Println(row)
	}
	if st := r.Stalls; st.Seconds > 0 {
		fmt.Printf("\ntraining worker, default model, %d s: longest stall %.0f ms; examples per second %.0f to %.0f\n",
			st.Seconds, st.LongestMs, st.MinPerS, st.MaxPerS)
	}
	fmt.Println("\nthroughput, training only (examples/s):")
	keys := []string{"browser: this engine (wasm)", "browser: TF.js wasm", "browser: TF.js cpu",
		"native: this engine, 1 thread(s)", "native: this engine, 2 thread(s)", "native: this engine, pure-Go gemm, 1 thread",
		"browser: default predicted model", "native: default predicted model, 1 thread"}
	for _, k := range keys {
		if v, ok := r.Throughput[k]; ok {
			fmt.Printf("  %-45s %8.0f\n", k, v)
		}
	}
	tp := r.Throughput
	ratio := func(a, b string) string {
		if tp[b] == 0 || tp[a] == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", tp[a]/tp[b])
	}
	fmt.Printf("\nMLP 784-256-10, batch 64: this engine / TF.js cpu = %s, / TF.js wasm = %s\n",
		ratio("browser: this engine (wasm)", "browser: TF.js cpu"), ratio("browser: this engine (wasm)", "browser: TF.js wasm"))
	fmt.Printf("wasm / native: MLP %s (1 thread), %s (2 threads), %s (native pure-Go gemm); default predicted model %s (1 thread)\n",
		ratio("browser: this engine (wasm)", "native: this engine, 1 thread(s)"),
		ratio("browser: this engine (wasm)", "native: this engine, 2 thread(s)"),
		ratio("browser: this engine (wasm)", "native: this engine, pure-Go gemm, 1 thread"),
		ratio("browser: default predicted model", "native: default predicted model, 1 thread"))
	fmt.Printf("TF.js wasm: SIMD %v, threads %v\n", r.TFJSSIMD, r.TFJSThreads)
	fmt.Printf("main thread over the first 10 s of training: longest long task %.0f ms (%d long tasks), longest gap between frames %.0f ms\n",
		r.LongestTaskMs, r.LongTasks, r.LongestFrameGapMs)
	fmt.Printf("compare with dense (a second worker at half duty): main run %.0f ex/s (alone %.0f), dense run %.0f ex/s\n",
		r.CompareMainExPerS, r.AloneMainExPerS, r.CompareDenseExPerS)
}

func markHeads() []string {
	var h []string
	for _, m := range marks {
		h = append(h, fmt.Sprintf("%.0f s", m))
	}
	return h
}
