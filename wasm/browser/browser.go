//go:build !js

// Package browser drives headless Chromium against the built site, for
// the browser test (go test ./wasm/browser) and bench/browser: it finds
// the browser, starts it with the flags a closed network and a root user
// need, and reads the page's window.trainingState.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/chromedp"
)

// Find returns the path of a Chromium or Chrome binary on PATH, or an
// error naming the Debian package to install.
func Find() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium on PATH: apt-get install chromium fonts-liberation")
}

// Start launches headless Chromium (exe) with a fresh profile in
// userDataDir and a width×height window, and returns a context for its
// first tab. Cancelling the returned function closes the browser.
func Start(ctx context.Context, exe, userDataDir string, width, height int) (context.Context, context.CancelFunc) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.NoSandbox, // Chromium refuses to run as root without it
		chromedp.DisableGPU,
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,AutofillServerCommunication"),
		// A hidden tab must not be throttled: training runs in workers,
		// but the page's frame loop draws the state a test reads.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	return bctx, func() {
		cancelBrowser()
		cancelAlloc()
	}
}

// State is window.trainingState, as the page keeps it.
type State struct {
	Running      bool     `json:"running"`
	ExamplesSeen int64    `json:"examplesSeen"`
	TestAccuracy *float64 `json:"testAccuracy"`
	EvaluatedAt  *int64   `json:"evaluatedAt"`
	Error        *string  `json:"error"`
	Ready        bool     `json:"ready"`
	Seconds      float64  `json:"seconds"`
	ExamplesPerS float64  `json:"examplesPerS"`
	MsPerStep    float64  `json:"msPerStep"`
	Dense        *struct {
		ExamplesSeen int64    `json:"examplesSeen"`
		TestAccuracy *float64 `json:"testAccuracy"`
		ExamplesPerS float64  `json:"examplesPerS"`
		Seconds      float64  `json:"seconds"`
	} `json:"dense"`
	Prediction *struct {
		Digit int       `json:"digit"`
		Probs []float64 `json:"probs"`
	} `json:"prediction"`
}

// ReadState returns the page's window.trainingState.
func ReadState(ctx context.Context) (State, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[State]("window.trainingState || {}"))
}

// WaitState polls window.trainingState until ok accepts it, the page
// reports an error, or timeout passes.
func WaitState(ctx context.Context, timeout time.Duration, ok func(State) bool) (State, error) {
	return pollState(ctx, timeout, true, ok)
}

// PollState is WaitState without the stop on an error the page shows.
func PollState(ctx context.Context, timeout time.Duration, ok func(State) bool) (State, error) {
	return pollState(ctx, timeout, false, ok)
}

func pollState(ctx context.Context, timeout time.Duration, stopOnError bool, ok func(State) bool) (State, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := ReadState(ctx)
		if err != nil {
			return s, err
		}
		if ok(s) {
			return s, nil
		}
		if stopOnError && s.Error != nil {
			return s, fmt.Errorf("the page shows an error: %s", *s.Error)
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("timed out after %v", timeout)
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// UserDataDir makes a fresh temporary profile folder; the caller removes
// it.
func UserDataDir() (string, error) {
	return os.MkdirTemp("", "predparams-chromium-")
}
