//go:build !js

package browser

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// dpState is what the page keeps of a data-parallel run.
type dpState struct {
	ExamplesSeen int64   `json:"examplesSeen"`
	ExamplesPerS float64 `json:"examplesPerS"`
	Running      bool    `json:"running"`
	DP           *struct {
		N             int     `json:"n"`
		ExchangeBytes float64 `json:"exchangeBytes"`
		DenseBytes    float64 `json:"denseBytes"`
		GradMs        float64 `json:"gradMs"`
		ApplyMs       float64 `json:"applyMs"`
		CycleMs       float64 `json:"cycleMs"`
	} `json:"dp"`
	DPCheck *struct {
		Same     bool     `json:"same"`
		Sums     []string `json:"sums"`
		Examples []int64  `json:"examples"`
	} `json:"dpCheck"`
	TestAccuracy *float64 `json:"testAccuracy"`
}

// TestDataParallel is issue 13's data-parallel training: with two
// workers the run trains, the page states the bytes a step exchanges
// (predicted against dense) and what a step costs, and at a pause both
// workers hold bit-identical weights. It logs the throughput of one and
// two workers, measured one after the other.
func TestDataParallel(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	speed := map[int]float64{}
	for _, n := range []int{1, 2, 1, 2} {
		hash := "#workers=" + string(rune('0'+n))
		open(t, ctx, base, hash)
		run(t, ctx, chromedp.Click(chromedp.ID("train")))
		waitState(t, ctx, "training", 60*time.Second, func(s State) bool { return s.ExamplesSeen > 0 })
		time.Sleep(12 * time.Second)
		s := eval[dpState](t, ctx, "window.trainingState")
		speed[n] += s.ExamplesPerS / 2
		t.Logf("%d worker(s): %d examples, %.0f examples/s (load %s)", n, s.ExamplesSeen, s.ExamplesPerS, loadavg())
		if n == 1 {
			if s.DP != nil {
				t.Errorf("one worker reports a data-parallel exchange: %+v", s.DP)
			}
			run(t, ctx, chromedp.Click(chromedp.ID("reset")))
			continue
		}
		if s.DP == nil || s.DP.N != 2 {
			t.Fatalf("two workers: no data-parallel report: %+v", s.DP)
		}
		t.Logf("  a step: %.1f ms (gradient %.1f, optimizer %.1f, exchange and waiting %.1f); %.0f bytes exchanged, dense %.0f",
			s.DP.CycleMs, s.DP.GradMs, s.DP.ApplyMs, s.DP.CycleMs-s.DP.GradMs-s.DP.ApplyMs, s.DP.ExchangeBytes, s.DP.DenseBytes)
		if s.DP.ExchangeBytes <= 0 || s.DP.DenseBytes <= s.DP.ExchangeBytes*3 {
			t.Errorf("exchanged %.0f bytes a step, a dense net %.0f: the default model learns 20%% of its first layer", s.DP.ExchangeBytes, s.DP.DenseBytes)
		}
		note := text(t, ctx, "dp-note")
		if !strings.Contains(note, "2 training workers") || !strings.Contains(note, "MB of gradients") {
			t.Errorf("the exchange note reads %q", note)
		}
		run(t, ctx, chromedp.Click(chromedp.ID("pause")))
		waitFor(t, ctx, "the workers' checksums", `!!window.trainingState.dpCheck`)
		s = eval[dpState](t, ctx, "window.trainingState")
		if !s.DPCheck.Same || s.DPCheck.Examples[0] != s.ExamplesSeen {
			t.Errorf("at the pause the workers hold %v after %v examples (the page shows %d)", s.DPCheck.Sums, s.DPCheck.Examples, s.ExamplesSeen)
		}
		waitFor(t, ctx, "the note on the check", `document.getElementById("dp-note").textContent.includes("bit-identical")`)
		// Resume: the workers go on in step.
		run(t, ctx, chromedp.Click(chromedp.ID("pause")))
		waitState(t, ctx, "training to resume", 20*time.Second, func(st State) bool { return st.ExamplesSeen > s.ExamplesSeen+5000 })
		run(t, ctx, chromedp.ScrollIntoView(chromedp.ID("curves")))
		shot(t, ctx, "data-parallel")
		run(t, ctx, chromedp.Click(chromedp.ID("reset")))
	}
	t.Logf("speed-up of 2 workers over 1: %.2f (%.0f and %.0f examples/s, means of 2 runs each, alternated)", speed[2]/speed[1], speed[2], speed[1])
	noConsoleErrors(t, con)
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
