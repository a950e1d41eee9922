//go:build !js

package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fig4State is window.fig4State.
type fig4State struct {
	Running bool `json:"running"`
	Done    bool `json:"done"`
	Error   *string
	Ref     []struct {
		Arm   string  `json:"arm"`
		Error float64 `json:"error"`
	} `json:"ref"`
	RefLoaded bool                   `json:"refLoaded"`
	Runs      []struct{ Arm string } `json:"runs"`
	Points    []struct {
		Arm      string  `json:"arm"`
		Fraction float64 `json:"fraction"`
		Learned  float64 `json:"learned"`
		Error    float64 `json:"error"`
		Examples int64   `json:"examples"`
	} `json:"points"`
}

func waitFig4(t *testing.T, ctx context.Context, what string, timeout time.Duration, ok func(fig4State) bool) fig4State {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := eval[fig4State](t, ctx, "window.fig4State")
		if s.Error != nil {
			t.Fatalf("waiting for %s: the Figure 4 runs stopped: %s", what, *s.Error)
		}
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (%d points)", timeout, what, len(s.Points))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestFigure4 is issue 12: "Run Figure 4" trains the short runs of SE–Emp
// and RandFixU at each fraction and the dense net, shows its progress,
// draws them over the reproduction's results, and is cancellable.
func TestFigure4(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	open(t, ctx, base, "")
	if s := eval[fig4State](t, ctx, "window.fig4State"); s.Ref != nil {
		t.Error("the reproduction's results loaded before their panel came into view")
	}
	run(t, ctx, chromedp.ScrollIntoView(chromedp.ID("fig4")))
	s := waitFig4(t, ctx, "the reproduction's results", 10*time.Second, func(s fig4State) bool { return s.RefLoaded })
	arms := map[string]int{}
	for _, p := range s.Ref {
		arms[p.Arm]++
	}
	if arms["se-emp"] < 4 || arms["randfixu"] < 4 || arms["dense"] != 1 {
		t.Errorf("the reproduction's points per arm: %v", arms)
	}

	// Cancel: the runs stop at once and the button says Run again.
	run(t, ctx, chromedp.ScrollIntoView(chromedp.ID("fig4")), chromedp.Click(chromedp.ID("fig4-run")))
	waitFig4(t, ctx, "the first run's progress", 60*time.Second, func(s fig4State) bool { return s.Runs != nil })
	waitFor(t, ctx, "progress", `document.getElementById("fig4-progress").value > 0`)
	if got := text(t, ctx, "fig4-text"); !strings.Contains(got, "Run 1 of 9: SE–Emp at 5% learned") {
		t.Errorf("progress text %q", got)
	}
	if got := text(t, ctx, "fig4-run"); got != "Cancel" {
		t.Errorf("the button reads %q while running, want Cancel", got)
	}
	run(t, ctx, chromedp.Click(chromedp.ID("fig4-run")))
	s = waitFig4(t, ctx, "the cancel", time.Second, func(s fig4State) bool { return !s.Running })
	if got := text(t, ctx, "fig4-text"); !strings.Contains(got, "Cancelled after") {
		t.Errorf("after Cancel the text reads %q", got)
	}
	time.Sleep(time.Second)
	if got := eval[fig4State](t, ctx, "window.fig4State"); len(got.Points) != len(s.Points) {
		t.Errorf("%d points after Cancel, %d a second later", len(s.Points), len(got.Points))
	}

	// The whole figure, with short runs.
	eval[bool](t, ctx, `(document.getElementById("fig4-examples").value = "10000", true)`)
	start := time.Now()
	run(t, ctx, chromedp.Click(chromedp.ID("fig4-run")))
	s = waitFig4(t, ctx, "the nine runs", 5*time.Minute, func(s fig4State) bool { return s.Done })
	t.Logf("Figure 4 (784-128-128-10, 10,000 examples a run) in %.0f s", time.Since(start).Seconds())
	if len(s.Points) != 9 {
		t.Fatalf("%d points, want 9", len(s.Points))
	}
	for _, p := range s.Points {
		t.Logf("  %-9s fraction %.2f (learned %.3f): test error %.2f%% after %d examples", p.Arm, p.Fraction, p.Learned, 100*p.Error, p.Examples)
		if p.Examples < 10000 || p.Examples >= 10000+64 {
			t.Errorf("%s at %g: %d examples, want 10,000 rounded up to a batch", p.Arm, p.Fraction, p.Examples)
		}
		if p.Error <= 0 || p.Error > 0.25 {
			t.Errorf("%s at %g: test error %.3f", p.Arm, p.Fraction, p.Error)
		}
	}
	if got := text(t, ctx, "fig4-text"); !strings.Contains(got, "Done: 9 runs") {
		t.Errorf("at the end the text reads %q", got)
	}
	shot(t, ctx, "fig4")
	noConsoleErrors(t, con)
}
