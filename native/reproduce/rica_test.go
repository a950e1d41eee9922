package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/photo"
	"github.com/predparams/predparams/native/reproduce/runstore"
)

// ricaJob writes a job file called name into the fixture's folder and
// returns its path.
func (f *fixture) ricaJob(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// smallRICA is a job that runs in a fraction of a second on 12×12
// random images.
func smallRICA(features int, frac float64) ricaJob {
	j := ricaJob{Data: "random", Patch: 4, Patches: 200, Features: features, Lambda: 0.1, Iterations: 5, Stride: 4, Epochs: 2, Seed: 3}
	if frac > 0 {
		j.Fraction, j.Length = frac, 2
	}
	return j
}

func TestRICAJobValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(j *ricaJob)
		want string // "" for valid
	}{
		{"valid", func(*ricaJob) {}, ""},
		{"valid, predicted", func(j *ricaJob) { j.Fraction, j.Length = 0.5, 2 }, ""},
		{"patch too small", func(j *ricaJob) { j.Patch = 1 }, "patch 1"},
		{"no stride", func(j *ricaJob) { j.Stride = 0 }, "stride 0"},
		{"no features", func(j *ricaJob) { j.Features = 0 }, "0 features"},
		{"λ zero", func(j *ricaJob) { j.Lambda = 0 }, "λ 0"},
		{"fraction above 1", func(j *ricaJob) { j.Fraction, j.Length = 1.5, 2 }, "fraction 1.5"},
		{"fraction without length", func(j *ricaJob) { j.Fraction = 0.5 }, "length 0"},
		{"valid, photographs", func(j *ricaJob) { j.PatchData, j.PatchDownsample = patchWallpapers, 4 }, ""},
		{"unknown patch data", func(j *ricaJob) { j.PatchData = "cifar" }, `patch data "cifar"`},
		{"negative downsampling", func(j *ricaJob) { j.PatchData, j.PatchDownsample = patchWallpapers, -1 }, "downsampling -1"},
		{"downsampling the training images", func(j *ricaJob) { j.PatchDownsample = 2 }, "downsampling 2"},
	}
	for _, tt := range tests {
		j := smallRICA(4, 0)
		tt.edit(&j)
		err := j.validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestRunRICA runs small RICA jobs end to end: the learned and predicted
// parameter counts, a test error in range, and the same result twice
// from the same seed.
func TestRunRICA(t *testing.T) {
	train := data.Random(60, 12, 12, 1, 3, 1)
	test := data.Random(30, 12, 12, 1, 3, 2)
	tests := []struct {
		name   string
		job    ricaJob
		params int
	}{
		{"learned", smallRICA(6, 0), 6 * 16},
		{"half predicted", smallRICA(6, 0.5), 8 * 6},
		{"twice the features, half predicted", smallRICA(12, 0.5), 8 * 12},
	}
	for _, tt := range tests {
		a, err := runRICA(tt.job, nil, train, test)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		b, err := runRICA(tt.job, nil, train, test)
		if err != nil {
			t.Fatal(err)
		}
		if a.Params != tt.params || a.Features != tt.job.Features || a.TestN != 30 || a.TrainN != 60 || a.TestError < 0 || a.TestError > 1 {
			t.Errorf("%s: %+v; want %d parameters, 30 test and 60 training images", tt.name, a, tt.params)
		}
		if a.TestError != b.TestError || a.Objective != b.Objective {
			t.Errorf("%s: two runs of one seed: %g, %g and %g, %g", tt.name, a.TestError, b.TestError, a.Objective, b.Objective)
		}
	}
	if _, err := runRICA(smallRICA(4, 0), nil, data.Random(10, 3, 3, 1, 2, 1), test); err == nil {
		t.Error("3×3 images for 4×4 patches: no error")
	}
}

// testPhotos returns n w×h images of smooth gradients with noise: stand-ins
// for photographs.
func testPhotos(n, w, h int) []*photo.Image {
	r := rand.New(rand.NewPCG(5, 6))
	out := make([]*photo.Image, n)
	for i := range out {
		m := &photo.Image{W: w, H: h, Pix: make([]float32, w*h)}
		for y := range h {
			for x := range w {
				m.Pix[y*w+x] = float32(0.5+0.4*math.Sin(float64(x*(i+1))/5+float64(y)/7)) + 0.05*float32(r.Float64())
			}
		}
		out[i] = m
	}
	return out
}

// TestRunRICAPhotos runs the small jobs with patches from photographs:
// the classifier still sees the data set's images, the summary counts
// the photographs, the same seed gives the same result, and the filters
// differ from those learned on the data set's own patches.
func TestRunRICAPhotos(t *testing.T) {
	train := data.Random(60, 12, 12, 1, 3, 1)
	test := data.Random(30, 12, 12, 1, 3, 2)
	photos := testPhotos(3, 40, 30)
	for _, frac := range []float64{0, 0.5} {
		job := smallRICA(6, frac)
		job.PatchData, job.PatchDownsample = patchWallpapers, 4
		a, err := runRICA(job, photos, train, test)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := runRICA(job, photos, train, test)
		own, _ := runRICA(smallRICA(6, frac), nil, train, test)
		if a.PatchImages != 3 || a.TrainN != 60 || a.TestN != 30 || own.PatchImages != 60 {
			t.Errorf("fraction %g: %+v; want patches from 3 photographs, 60 training and 30 test images", frac, a)
		}
		if a.Objective != b.Objective || a.TestError != b.TestError {
			t.Errorf("fraction %g: two runs of one seed: %g, %g and %g, %g", frac, a.Objective, b.Objective, a.TestError, b.TestError)
		}
		if a.Objective == own.Objective {
			t.Errorf("fraction %g: the photographs' patches give the training images' objective %g", frac, a.Objective)
		}
	}
	if _, err := runRICA(smallRICA(4, 0), testPhotos(1, 3, 30), train, test); err == nil {
		t.Error("a 3×30 photograph for 4×4 patches: no error")
	}
}

// TestDrawPatches checks the patch draw against known pixels, read from a
// PNG and from a JPEG through photo.Decode: each patch is the image's p×p
// block at the drawn position minus its mean, the draw is image, row,
// column from the generator in that order (so the Fashion-MNIST runs keep
// their patches), and one seed gives one draw.
func TestDrawPatches(t *testing.T) {
	const w, h, p = 20, 13, 4
	// Constant 4×4 blocks in 8×8 JPEG blocks keep JPEG's rounding small
	// but not zero: the JPEG's known patch holds within 1.5/255.
	val := func(x, y int) uint8 { return uint8(8*(x/4) + 40*(y/4) + 2*(x%4)*(y%4)) }
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			gray.SetGray(x, y, color.Gray{val(x, y)})
		}
	}
	var pngBuf, jpgBuf bytes.Buffer
	if err := png.Encode(&pngBuf, gray); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpgBuf, gray, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		b    []byte
		tol  float64
	}{{"PNG", pngBuf.Bytes(), 1e-6}, {"JPEG", jpgBuf.Bytes(), 1.5 / 255}} {
		img, err := photo.DecodeBytes(tt.b, 1)
		if err != nil {
			t.Fatal(err)
		}
		// Two images (the decoded one twice) so that the image draw counts.
		src, err := patchImages(nil, []*photo.Image{img, img}, p)
		if err != nil {
			t.Fatal(err)
		}
		const m = 50
		x := drawPatches(rand.New(rand.NewPCG(7, 8)), src, m, p)
		again := drawPatches(rand.New(rand.NewPCG(7, 8)), src, m, p)
		if !mat.Equal(x, again) {
			t.Errorf("%s: one seed, two draws", tt.name)
		}
		r := rand.New(rand.NewPCG(7, 8))
		for j := range m {
			r.IntN(2)
			y0 := r.IntN(h - p + 1)
			x0 := r.IntN(w - p + 1)
			mean := 0.0
			for a := range p {
				for b := range p {
					mean += float64(val(x0+b, y0+a)) / 255 / (p * p)
				}
			}
			for a := range p {
				for b := range p {
					if got, want := x.At(a*p+b, j), float64(val(x0+b, y0+a))/255-mean; math.Abs(got-want) > tt.tol {
						t.Fatalf("%s: patch %d at (%d, %d), pixel (%d, %d): %g, want %g", tt.name, j, x0, y0, b, a, got, want)
					}
				}
			}
		}
	}
	// The data set's images are patch sources too, each a view of X.
	ds := data.Random(5, 12, 10, 1, 2, 3)
	src, _ := patchImages(ds, nil, p)
	if len(src) != 5 || src[3].w != 10 || src[3].h != 12 || &src[3].pix[0] != &ds.X[3*120] {
		t.Errorf("data set as patch images: %d images, image 3 %d×%d", len(src), src[3].w, src[3].h)
	}
}

func TestCheckRICASummary(t *testing.T) {
	r := ricaRuns(variant{quick: true})[0]
	job := r.Job.(ricaJob)
	good, _ := json.Marshal(ricaSummary{TestError: 0.2, Params: 4096, Features: job.Features, TestN: 10000})
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"complete", string(good), true},
		{"truncated", string(good[:len(good)/2]), false},
		{"no test images", `{"test_error":0.2,"features":64,"test_n":0}`, false},
		{"other features", `{"test_error":0.2,"features":3,"test_n":10}`, false},
		{"error above 1", `{"test_error":2,"features":64,"test_n":10}`, false},
	}
	for _, tt := range tests {
		_, err := r.check([]byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v, want ok %v", tt.name, err, tt.ok)
		}
	}
	// A run on photographs says how many it drew patches from.
	pr := ricaRuns(variant{quick: true, wallpapers: "/w"})[6]
	if _, err := pr.check(good); err == nil {
		t.Error("photographs' run without patch_images: complete")
	}
	withImages, _ := json.Marshal(ricaSummary{TestError: 0.2, Features: job.Features, TestN: 10000, PatchImages: 11})
	if _, err := pr.check(withImages); err != nil {
		t.Errorf("photographs' run with patch_images: %v", err)
	}
}

// TestRICAPlan checks the RICA experiment's runs: 3 arms × 6 seeds, one
// folder each, parameters equal between k learned and 2k half predicted,
// pinned folders (the Fashion-MNIST runs' the same with and without the
// photographs), and the commands that run them.
func TestRICAPlan(t *testing.T) {
	runs := ricaRuns(variant{})
	if len(runs) != 18 || len(dedupe(runs)) != 18 {
		t.Fatalf("%d runs, %d distinct; want 18", len(runs), len(dedupe(runs)))
	}
	if got, want := runs[0].key(), "open-rica/4e36e6c08b19076a"; got != want {
		t.Errorf("first run %s, want %s", got, want)
	}
	all := ricaRuns(variant{wallpapers: "/w"})
	if len(all) != 36 || len(dedupe(all)) != 36 {
		t.Fatalf("with the photographs: %d runs, %d distinct; want 36", len(all), len(dedupe(all)))
	}
	for i, r := range all {
		job := r.Job.(ricaJob)
		if i < 18 && (r.key() != runs[i].key() || job.PatchData != "") {
			t.Errorf("run %d: %s on %q, want %s as without the photographs", i, r.key(), job.PatchData, runs[i].key())
		}
		if i >= 18 && (job.PatchData != patchWallpapers || job.PatchDownsample != ricaDownsample || job.Data != fashionData || job.validate() != nil) {
			t.Errorf("run %d (%s): %+v, want patches of the photographs, classified on Fashion-MNIST", i, r.Arm, job)
		}
	}
	photoRun := all[18]
	if got, want := photoRun.key(), "open-rica/66707dabbb539406"; got != want {
		t.Errorf("first run on photographs %s, want %s", got, want)
	}
	if quick := ricaRuns(variant{quick: true, wallpapers: "/w"}); len(quick) != 12 || quick[6].Job.(ricaJob).Patches != 2000 {
		t.Errorf("quick with the photographs: %d runs, want 12 with 2000 patches each", len(quick))
	}
	learned, pred2 := runs[0].Job.(ricaJob), runs[12].Job.(ricaJob)
	n := ricaPatch * ricaPatch
	if learned.Features*n != nAlpha(pred2.Fraction, n)*pred2.Features {
		t.Errorf("k learned: %d parameters; 2k half predicted: %d", learned.Features*n, nAlpha(pred2.Fraction, n)*pred2.Features)
	}
	rn := &runner{root: "/r", self: "/bin/reproduce", wallpapers: "/w"}
	if got := strings.Join(rn.command(runs[0]), " "); !strings.HasPrefix(got, "/bin/reproduce ricabench -job /r/open-rica/") || strings.Contains(got, "-wallpapers") {
		t.Errorf("command %q", got)
	}
	if got := strings.Join(rn.command(photoRun), " "); !strings.HasSuffix(got, " -out /r/open-rica/66707dabbb539406 -wallpapers /w") {
		t.Errorf("command on photographs %q", got)
	}
	if got := expandCommand(runs[0], "d", "", "", "/w", false); got != "go run ./native/reproduce ricabench -job d/config.json -out d" {
		t.Errorf("expand %q", got)
	}
	if got := expandCommand(photoRun, "d", "", "", "/w", false); got != "go run ./native/reproduce ricabench -job d/config.json -out d -wallpapers /w" {
		t.Errorf("expand on photographs %q", got)
	}
}

// TestRICAWallpapersAbsent checks the commands without the photographs:
// list and run say in one line that the arms on photographs are skipped
// (and run does not fail), expand lists none of them; with a folder
// that holds the photographs' files, they are listed and expand passes
// the folder on; ricabench refuses such a job without a folder.
func TestRICAWallpapersAbsent(t *testing.T) {
	f := newFixture(t)
	results := filepath.Join(f.dir, "rica")
	for _, r := range ricaRuns(variant{quick: true}) {
		b, _ := json.Marshal(ricaSummary{TestError: 0.2, Params: 4096, Features: r.Job.(ricaJob).Features, TestN: 100})
		store(t, results, r, map[string]string{runstore.SummaryFile: string(b)})
	}
	e, stdout, stderr := testEnv()
	if code := e.main([]string{"list", "-quick", "-results", results, "open-rica"}); code != exitOK ||
		!strings.Contains(stdout.String(), "6/  6 runs done") || !strings.Contains(stdout.String(), "arms on photographs skipped: no wallpapers folder (apt-get install plasma-workspace-wallpapers") {
		t.Errorf("list: exit %d:\n%s", code, stdout)
	}
	stderr.Reset()
	if code := e.main([]string{"run", "-quick", "-headless", "none", "-wallpapers", f.empty, "-results", results, "open-rica"}); code != exitOK ||
		strings.Count(stderr.String(), "arms on photographs' patches skipped: no wallpaper photographs in "+f.empty) != 1 {
		t.Errorf("run: exit %d:\n%s", code, stderr)
	}
	// A folder with the photographs' files (empty: only their presence
	// is checked before a run).
	wall := filepath.Join(f.dir, "wallpapers")
	for _, w := range photo.Wallpapers() {
		os.MkdirAll(filepath.Dir(w.Path(wall)), 0o755)
		os.WriteFile(w.Path(wall), nil, 0o644)
	}
	stdout.Reset()
	stderr.Reset()
	if code := e.main([]string{"expand", "-quick", "-wallpapers", wall, "-results", results, "open-rica"}); code != exitOK ||
		strings.Count(stdout.String(), "ricabench") != 6 || strings.Count(stdout.String(), " -wallpapers "+wall) != 6 {
		t.Errorf("expand with the photographs: exit %d:\n%s%s", code, stdout, stderr)
	}
	job := f.ricaJob(t, "job.json", `{"data":"fashion","patch":8,"patches":100,"patch_data":"wallpapers","patch_downsample":4,"features":4,"lambda":0.1,"iterations":1,"stride":4,"epochs":1,"seed":1}`)
	stderr.Reset()
	if code := e.main([]string{"ricabench", "-job", job, "-out", f.dir}); code != exitBadInput || !strings.Contains(stderr.String(), "-wallpapers DIR") {
		t.Errorf("ricabench on photographs without a folder: exit %d: %s", code, stderr)
	}
	stderr.Reset()
	if code := e.main([]string{"ricabench", "-job", job, "-out", f.dir, "-wallpapers", f.empty}); code != exitBadInput || !strings.Contains(stderr.String(), "no wallpaper photographs in "+f.empty) {
		t.Errorf("ricabench on photographs with an empty folder: exit %d: %s", code, stderr)
	}
}
