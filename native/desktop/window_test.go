package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// windowRunner returns the command prefix that gives the app a display:
// none when DISPLAY works, xvfb-run otherwise. Without either the test
// skips, or fails when the CI environment variable is set.
func windowRunner(t *testing.T) []string {
	t.Helper()
	if checkDisplay(os.Getenv) == nil {
		return nil
	}
	xvfb, err := exec.LookPath("xvfb-run")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no display and no xvfb-run, and CI is set: install xvfb and xauth (apt-get install xvfb xauth) to run the window test")
		}
		t.Skip("no display and no xvfb-run: install xvfb and xauth to run the window test")
	}
	return []string{xvfb, "-a", "-s", "-screen 0 1280x1024x24"}
}

// buildApp builds the app without cgo, as it ships.
func buildApp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "desktop")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A dense and a predicted MLP on 1,000 MNIST images.
const (
	windowDense = `{
  "name": "window-dense",
  "layers": [{"type": "dense", "units": 32, "act": "relu"}, {"type": "dense", "units": 10}],
  "train": {"epochs": 3, "batch": 100, "seed": 1, "train_examples": 1000, "optimizer": {"kind": "adam", "lr": 0.002}}
}`
	windowPredicted = `{
  "name": "window-predicted",
  "layers": [
    {"type": "dense", "units": 40, "act": "relu",
     "predict": {"dict": "se", "fraction": 0.05, "columns": 5, "length": 2, "ridge": 0.1}},
    {"type": "dense", "units": 10}
  ],
  "train": {"epochs": 3, "batch": 100, "seed": 1, "train_examples": 1000, "optimizer": {"kind": "adam", "lr": 0.002}}
}`
)

// runWindow runs args and returns its output. It tries twice when
// xvfb-run fails to start its server: two xvfb-run -a started at once
// can pick the same display number.
func runWindow(ctx context.Context, args []string) (stdout, stderr bytes.Buffer, err error) {
	for try := 0; try < 2; try++ {
		stdout.Reset()
		stderr.Reset()
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		if err == nil || !strings.Contains(stderr.String(), "xvfb-run: error") {
			break
		}
	}
	return stdout, stderr, err
}

// count returns how many pixels of img in r satisfy ok.
func count(img image.Image, r image.Rectangle, ok func(r, g, b int) bool) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if ok(int(cr>>8), int(cg>>8), int(cb>>8)) {
				n++
			}
		}
	}
	return n
}

// near returns a test for pixels within tol (sum of channel distances)
// of c.
func near(c [3]int, tol int) func(r, g, b int) bool {
	return func(r, g, b int) bool {
		return abs(r-c[0])+abs(g-c[1])+abs(b-c[2]) <= tol
	}
}

func abs(x int) int { return max(x, -x) }

func area(r image.Rectangle) int { return r.Dx() * r.Dy() }

// check is a count of pixels and its least acceptable value.
type check struct {
	what string
	got  int
	min  int
}

// TestWindow runs the app in a window for 300 frames of real training,
// then checks its screenshot: not blank, and the curves, weights, table
// and (for a predicted layer) kernel and α marks drawn where the layout
// puts them.
func TestWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a window for several seconds")
	}
	runner := windowRunner(t)
	bin := buildApp(t)
	lay := newLayout()
	cases := []struct {
		name, config string
		predicted    bool
	}{
		{"dense", windowDense, false},
		{"predicted", windowPredicted, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := writeFile(t, dir, "config.json", c.config)
			shot := filepath.Join(dir, "shot.png")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			args := append(append([]string{}, runner...), bin, "-config", cfg, "-frames", "300", "-screenshot", shot,
				"-test-examples", "500", "-out", dir)
			stdout, stderr, err := runWindow(ctx, args)
			if c.predicted && strings.Contains(stderr.String(), "not built yet") {
				t.Skip("models does not build predicted layers yet")
			}
			if err != nil {
				t.Fatalf("%v: %v\nstdout:\n%s\nstderr:\n%s", args, err, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "examples/s") {
				t.Errorf("no throughput report on stdout:\n%s", stdout.String())
			}
			f, err := os.Open(shot)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != screenW || b.Dy() != screenH {
				t.Fatalf("screenshot %v, want %d×%d", b, screenW, screenH)
			}
			colours := map[uint32]bool{}
			for y := 0; y < screenH; y += 2 {
				for x := 0; x < screenW; x += 2 {
					r, g, b, _ := img.At(x, y).RGBA()
					colours[r>>8<<16|g>>8<<8|b>>8] = true
				}
			}
			dark := func(r, g, b int) bool { return r+g+b < 3*90 }
			coloured := func(r, g, b int) bool { return abs(r-b) >= 24 }
			notCard := func(r, g, b int) bool { return r+g+b < 3*240 }
			loss, errc := lossColour(), errorColour()
			checks := []check{
				{"distinct colours", len(colours), 200},
				{"dark header pixels", count(img, lay.header, dark), area(lay.header) / 2},
				{"loss-curve pixels in the plot", count(img, lay.plot, near([3]int{int(loss.R), int(loss.G), int(loss.B)}, 60)), 30},
				{"test-error pixels in the plot", count(img, lay.plot, near([3]int{int(errc.R), int(errc.G), int(errc.B)}, 60)), 20},
				{"text pixels in the table", count(img, lay.table, dark), 300},
				{"coloured pixels in the weight grid", count(img, lay.grid, coloured), area(lay.grid) / 10},
				{"coloured pixels in the unit panel", count(img, lay.detail, coloured), 500},
			}
			if c.predicted {
				checks = append(checks,
					check{"kernel pixels", count(img, lay.kimage, notCard), area(lay.kimage) * 2 / 5},
					check{"α marks in the weight grid", count(img, lay.grid, near([3]int{20, 20, 20}, 30)), 100})
			}
			for _, ch := range checks {
				if ch.got < ch.min {
					t.Errorf("%s: %d, want ≥ %d", ch.what, ch.got, ch.min)
				} else {
					t.Logf("%s: %d (≥ %d)", ch.what, ch.got, ch.min)
				}
			}
			if t.Failed() {
				keep := filepath.Join(os.TempDir(), "desktop-window-"+c.name+".png")
				if b, err := os.ReadFile(shot); err == nil && os.WriteFile(keep, b, 0o644) == nil {
					t.Logf("screenshot kept at %s", keep)
				}
			}
		})
	}
}
