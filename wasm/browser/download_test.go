//go:build !js

package browser

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/safetensors"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/models/datasets"
)

// TestDownloadModel is issue 15: "Download model" saves the paused model
// as a safetensors file in the compact form, and the native face
// (headless -import FILE -data static/data does the same calls) gives the
// test accuracy the page shows for the paused weights, to within one
// test digit (0.01 points; amd64's kernels round differently from
// wasm's). Both a fixed dictionary (SE, rebuilt from the config) and a
// data-driven one (Emp, stored in the file) are checked.
func TestDownloadModel(t *testing.T) {
	ctx, base, con := page(t, 1280, 800)
	downloads := t.TempDir()
	run(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
		return err
	}))
	train, test, err := datasets.LoadData("mnist", filepath.Join(siteDir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	for _, hash := range []string{"#hidden=256&seed=2", "#hidden=128&d1=emp&seed=5"} {
		t.Run(hash, func(t *testing.T) {
			open(t, ctx, base, hash)
			if eval[bool](t, ctx, `document.getElementById("download-model").disabled`) != true {
				t.Error("Download model is enabled before there is a model")
			}
			run(t, ctx, chromedp.Click(chromedp.ID("train")))
			waitState(t, ctx, "a first evaluation", 90*time.Second, func(s State) bool {
				return s.TestAccuracy != nil && s.ExamplesSeen > 15000
			})
			run(t, ctx, chromedp.Click(chromedp.ID("pause")))
			// Paused, the page evaluates the paused weights.
			s := waitState(t, ctx, "the paused weights' evaluation", 60*time.Second, func(s State) bool {
				return !s.Running && s.EvaluatedAt != nil && *s.EvaluatedAt == s.ExamplesSeen
			})
			pageAcc := 100 * *s.TestAccuracy
			run(t, ctx, chromedp.Click(chromedp.ID("download-model")))
			file := waitDownload(t, downloads, t.TempDir())
			name := filepath.Base(file)
			if dir := os.Getenv("SCREENS"); dir != "" {
				// Kept beside the screenshots, for headless -import.
				if b, err := os.ReadFile(file); err == nil {
					os.WriteFile(filepath.Join(dir, name), b, 0o644)
				}
			}
			f, err := safetensors.Read(file)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Metadata["format"]; got != models.ExportCompact {
				t.Errorf("format %q, want the compact form %q", got, models.ExportCompact)
			}
			m, err := models.Import(f, nil, train, models.Env{Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			testErr, _ := engine.Evaluate(m.Net, test, nil)
			nativeAcc := 100 * (1 - testErr)
			st, _ := os.Stat(file)
			t.Logf("%s: %s, %d bytes, after %d examples: page %.2f%%, native import %.2f%% on %d test digits",
				hash, name, st.Size(), s.ExamplesSeen, pageAcc, nativeAcc, test.N)
			if math.Abs(nativeAcc-pageAcc) > 0.01+1e-9 {
				t.Errorf("the page shows %.4f%%, the downloaded model evaluates natively to %.4f%%", pageAcc, nativeAcc)
			}
			if note := text(t, ctx, "note"); !strings.Contains(note, name) || !strings.Contains(note, "headless -import") {
				t.Errorf("note after the download: %q", note)
			}
			shot(t, ctx, "download-"+strings.NewReplacer("#", "", "&", "_", "=", "-").Replace(hash))
			run(t, ctx, chromedp.Click(chromedp.ID("reset")))
			noConsoleErrors(t, con)
		})
	}
}

// waitDownload waits for a finished .safetensors file in dir, moves it
// to the folder to and returns its new path.
func waitDownload(t *testing.T, dir, to string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if strings.HasSuffix(e.Name(), ".safetensors") {
				path := filepath.Join(to, e.Name())
				if err := os.Rename(filepath.Join(dir, e.Name()), path); err != nil {
					t.Fatal(err)
				}
				return path
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no .safetensors file in %s after 30 s", dir)
	return ""
}

// shot saves a screenshot of the viewport in SCREENS, when it names a
// folder.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SCREENS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
