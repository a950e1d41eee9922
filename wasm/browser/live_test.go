//go:build !js

package browser

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/predparams/predparams/wasm/session"
)

// liveState is what the page keeps of a run's live settings: the
// training worker's report of them as in effect (session.Live).
type liveState struct {
	RunID        int64 `json:"runId"`
	ExamplesSeen int64 `json:"examplesSeen"`
	Running      bool  `json:"running"`
	Backwards    bool  `json:"backwards"`
	Live         *struct {
		Optim        string  `json:"optim"`
		LR           float64 `json:"lr"`
		Batch        int     `json:"batch"`
		PendingBatch int     `json:"pendingBatch"`
	} `json:"live"`
}

func readLive(t *testing.T, ctx context.Context) liveState {
	t.Helper()
	return eval[liveState](t, ctx, "window.trainingState")
}

// waitLive polls the live state until ok accepts it.
func waitLive(t *testing.T, ctx context.Context, what string, timeout time.Duration, ok func(liveState) bool) liveState {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := readLive(t, ctx)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v (live %+v)", what, s, s.Live)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestLiveSettings changes the batch size and the optimizer while a run
// trains, with one training worker and with two: the run goes on with
// the same model (same run, examples still rising, the Train button not
// asking for a rebuild), and the worker reports the new values in effect.
// A change that needs a new model still says so on the button.
func TestLiveSettings(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	for _, workers := range []string{"1", "2"} {
		open(t, ctx, base, "#hidden=64&workers="+workers)
		run(t, ctx, chromedp.Click(chromedp.ID("train")))
		s := waitLive(t, ctx, "training", 60*time.Second, func(s liveState) bool {
			return s.ExamplesSeen > 3000 && s.Live != nil
		})
		if s.Live.Batch != 64 || s.Live.Optim != "adam" {
			t.Fatalf("workers=%s: the run starts with %+v, want batch 64 and Adam", workers, *s.Live)
		}
		id, before := s.RunID, s.ExamplesSeen
		setField(t, ctx, "batch", "128")
		setField(t, ctx, "opt", "sgd")
		s = waitLive(t, ctx, "batch 128 and SGD in effect", 30*time.Second, func(s liveState) bool {
			return s.Live != nil && s.Live.Batch == 128 && s.Live.PendingBatch == 0 && s.Live.Optim == "sgd"
		})
		if s.RunID != id || s.ExamplesSeen <= before {
			t.Errorf("workers=%s: after the change, run %d (was %d) at %d examples (was %d)", workers, s.RunID, id, s.ExamplesSeen, before)
		}
		if got := text(t, ctx, "train"); got != "Restart" {
			t.Errorf("workers=%s: after live changes the Train button reads %q", workers, got)
		}
		if got := text(t, ctx, "s-opt"); !strings.Contains(got, "SGD") || !strings.Contains(got, "batch 128") {
			t.Errorf("workers=%s: the Run panel's optimizer reads %q", workers, got)
		}
		mid := s.ExamplesSeen
		s = waitLive(t, ctx, "training to go on", 60*time.Second, func(s liveState) bool { return s.ExamplesSeen > mid+5000 })
		if !s.Running || s.RunID != id || s.Backwards {
			t.Errorf("workers=%s: after the change: %+v", workers, s)
		}
		// A learning rate still applies at once; the rate in effect is
		// the schedule's, at most the new starting rate.
		setField(t, ctx, "lr", "0.01")
		waitLive(t, ctx, "the new learning rate", 20*time.Second, func(s liveState) bool {
			return s.Live != nil && s.Live.LR > 0.003 && s.Live.LR <= 0.01
		})
		// The hidden width needs a new model.
		setField(t, ctx, "hidden", "32")
		if got := text(t, ctx, "train"); got != "Rebuild and train" {
			t.Errorf("workers=%s: a new width: the Train button reads %q", workers, got)
		}
		if s := readLive(t, ctx); s.RunID != id || !s.Running {
			t.Errorf("workers=%s: a width change touched the running model: %+v", workers, s)
		}
		run(t, ctx, chromedp.Click(chromedp.ID("reset")))
	}
	noConsoleErrors(t, con)
}

// TestPauseOnUnit checks "pause on a clicked unit": a live setting, kept
// in the link; checked, opening a unit while training pauses every run
// and shows the unit; unchecked, training goes on.
func TestPauseOnUnit(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	open(t, ctx, base, "#hidden=64&unitpause=1")
	if !eval[bool](t, ctx, `document.getElementById("pause-unit").checked`) {
		t.Fatal("unitpause=1 in the link does not check the box")
	}
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitState(t, ctx, "an evaluation", 60*time.Second, func(s State) bool { return s.TestAccuracy != nil })
	id := readLive(t, ctx).RunID
	run(t, ctx, chromedp.ScrollIntoView(chromedp.ID("units")))
	waitFor(t, ctx, "unit images", `document.getElementById("units").height > 100`)
	clickAt(t, ctx, "units", 0.05, 0.05)
	waitFor(t, ctx, "the unit's detail", `document.querySelectorAll("#detail canvas").length >= 1`)
	waitFor(t, ctx, "the pause", `!trainingState.running && trainingState.status === "paused"`)
	time.Sleep(500 * time.Millisecond) // the last slice's update
	at := readLive(t, ctx).ExamplesSeen
	time.Sleep(2 * time.Second)
	if s := readLive(t, ctx); s.ExamplesSeen != at || s.Running || s.RunID != id {
		t.Errorf("paused on a unit, the run goes on: %d examples, then %+v", at, s)
	}
	if got := text(t, ctx, "pause"); got != "Resume" {
		t.Errorf("paused on a unit, the Pause button reads %q", got)
	}
	if got := text(t, ctx, "note"); !strings.Contains(got, "Paused to show unit 1") {
		t.Errorf("paused on a unit, the note reads %q", got)
	}
	// Unchecked (live: no rebuild, the link follows), a click leaves
	// training alone.
	run(t, ctx, chromedp.Click(chromedp.ID("pause-unit")))
	if h := eval[string](t, ctx, "location.hash"); !strings.Contains(h, "unitpause=0") {
		t.Errorf("unchecked, the link reads %q", h)
	}
	run(t, ctx, chromedp.Click(chromedp.ID("pause")))
	waitFor(t, ctx, "training again", `trainingState.running`)
	clickAt(t, ctx, "units", 0.15, 0.05)
	time.Sleep(time.Second)
	if s := readLive(t, ctx); !s.Running || s.ExamplesSeen <= at || s.RunID != id {
		t.Errorf("unchecked, a click on a unit paused or rebuilt the run: %+v", s)
	}
	noConsoleErrors(t, con)
}

// TestFairComparisonConv trains the small convnet beside its down-sized
// dense version: fewer filters and hidden units, as Go solves them
// (session.Small) for as many learned weights.
func TestFairComparisonConv(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	open(t, ctx, base, "#model=conv&hidden=64&compare=small")
	waitFor(t, ctx, "the description", `trainingState.fractionLearned !== null`)
	run(t, ctx, chromedp.Click(chromedp.ID("train")))
	waitFor(t, ctx, "both runs", `!!(trainingState.examplesSeen > 0 && trainingState.small && trainingState.small.examplesSeen > 0)`)
	p := session.DefaultParams()
	p.Model, p.Hidden, p.Dicts = "conv", 64, []string{"se", "se", "dense"}
	d, err := session.Describe(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := d.Small
	if w := eval[int](t, ctx, `trainingState.smallWidth`); w != want.Hidden {
		t.Errorf("the down-sized convnet has %d hidden units, want %d", w, want.Hidden)
	}
	if f := eval[[]int](t, ctx, `trainingState.smallFilters || []`); !slices.Equal(f, want.Filters) || len(f) != 2 {
		t.Errorf("the down-sized convnet has filters %v, want %v", f, want.Filters)
	}
	if n := eval[int](t, ctx, `trainingState.smallLearned`); n != d.SmallLearned || n > d.Accounting.LearnedWeights*101/100 || n < d.Accounting.LearnedWeights*99/100 {
		t.Errorf("the down-sized convnet learns %d weights, the predicted one %d", n, d.Accounting.LearnedWeights)
	}
	if got := text(t, ctx, "s-dense"); !strings.Contains(got, "filters") {
		t.Errorf("the comparison reads %q", got)
	}
	if got := text(t, ctx, "note"); strings.Contains(got, "MLP only") {
		t.Errorf("the note still says %q", got)
	}
	noConsoleErrors(t, con)
}
