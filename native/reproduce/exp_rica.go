package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/photo"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/kernels"
	"github.com/predparams/predparams/kernels/rica"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/models/datasets"
)

// The RICA experiment (issue 17, the paper's Fig. 6 on Fashion-MNIST
// patches): reconstruction ICA features, with filters learned directly
// or predicted through an SE dictionary over the patch grid, pooled over
// an image's quadrants and fed to a softmax classifier. A run is a
// ricabench job, not a headless training run. The filters come from
// patches of Fashion-MNIST's training images, or (self-taught learning)
// from patches of photographs, when plasma-workspace-wallpapers is
// installed.

// A ricaJob is one run of the RICA experiment.
type ricaJob struct {
	// Data is the image set ("fashion").
	Data string `json:"data"`
	// Patch is the side of the square patches; Patches how many are
	// drawn from the training images to train RICA.
	Patch   int `json:"patch"`
	Patches int `json:"patches"`
	// PatchData is where the patches (and so RICA's whitening and
	// filters) come from: "" the training images of Data, as in the
	// earlier runs; patchWallpapers the photographs of Debian's
	// plasma-workspace-wallpapers (photo.Wallpapers), each averaged over
	// PatchDownsample×PatchDownsample blocks first (self-taught learning:
	// features from photographs, the classifier on Data).
	PatchData       string `json:"patch_data,omitempty"`
	PatchDownsample int    `json:"patch_downsample,omitempty"`
	// Features is the number k of RICA features.
	Features int `json:"features"`
	// Fraction, if > 0, predicts the filters through an SE dictionary
	// over the patch grid from n_α = round(Fraction·Patch²) positions
	// (length scale Length, ridge kernels.PaperSERidge): a·k parameters
	// instead of k·Patch².
	Fraction float64 `json:"fraction,omitempty"`
	Length   float64 `json:"length,omitempty"`
	// Lambda is RICA's sparsity weight; Iterations its L-BFGS budget.
	Lambda     float64 `json:"lambda"`
	Iterations int     `json:"iterations"`
	// Stride is the step between patches when features are extracted.
	Stride int `json:"stride"`
	// TrainN, if > 0, uses the first TrainN training images (patches
	// and classifier); Epochs trains the classifier.
	TrainN int `json:"train_n,omitempty"`
	Epochs int `json:"epochs"`
	// Seed fixes the patches, α, RICA's start and the classifier.
	Seed int `json:"seed"`
}

// ricaSummary is summary.json of a RICA run.
type ricaSummary struct {
	TestError float64 `json:"test_error"`
	// Params is what RICA learned: k·Patch² or n_α·k.
	Params    int     `json:"params"`
	Features  int     `json:"features"`
	Objective float64 `json:"objective"`
	TrainN    int     `json:"train_n"`
	TestN     int     `json:"test_n"`
	// PatchImages is how many images the patches were drawn from.
	PatchImages int     `json:"patch_images,omitempty"`
	Seconds     float64 `json:"seconds"`
}

// checkRICASummary decodes a RICA run's summary.json: complete when it
// has a test error measured on test images.
func checkRICASummary(r *Run, b []byte) (any, error) {
	var s ricaSummary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	job, _ := r.Job.(ricaJob)
	switch {
	case s.TestN < 1 || s.TestError < 0 || s.TestError > 1:
		return nil, fmt.Errorf("test error %g on %d images", s.TestError, s.TestN)
	case s.Features != job.Features:
		return nil, fmt.Errorf("%d features, want %d", s.Features, job.Features)
	case job.PatchData != "" && s.PatchImages < 1:
		return nil, fmt.Errorf("patches from %d images of %s", s.PatchImages, job.PatchData)
	}
	return &s, nil
}

// Settings of the RICA experiment: 8×8 patches (as the paper's), k = 64
// learned features (complete for 64 pixels) against 64 and 128 predicted
// from half the positions (the same parameters as 64 learned: twice the
// features at half the parameters each).
const (
	ricaPatch      = 8
	ricaK          = 64
	ricaFraction   = 0.5
	ricaLambda     = 0.1
	ricaStride     = 4
	ricaIterations = 100
	ricaPatches    = 10000
	ricaEpochs     = 10
	// patchWallpapers is the PatchData of the photographs, which are
	// averaged over ricaDownsample×ricaDownsample blocks (2560×1600 to
	// 640×400) so that an 8×8 patch spans more than a few JPEG blocks'
	// worth of smooth gradient.
	patchWallpapers = "wallpapers"
	ricaDownsample  = 4
)

// Arms of the RICA experiment.
const (
	armRLearned = "learned, k = 64"
	armRPredK   = "half predicted, k = 64"
	armRPred2K  = "half predicted, k = 128"
	// The same on patches of photographs.
	armRPhotoLearned = "photographs: learned, k = 64"
	armRPhotoPredK   = "photographs: half predicted, k = 64"
	armRPhotoPred2K  = "photographs: half predicted, k = 128"
)

// ricaRuns returns the RICA runs: the three arms on Fashion-MNIST
// patches, then, when v has the wallpapers, the same on patches of the
// photographs.
func ricaRuns(v variant) []*Run {
	type arm struct {
		arm       string
		k         int
		frac      float64
		patchData string
	}
	arms := []arm{{armRLearned, ricaK, 0, ""}, {armRPredK, ricaK, ricaFraction, ""}, {armRPred2K, 2 * ricaK, ricaFraction, ""}}
	if v.wallpapers != "" {
		arms = append(arms, arm{armRPhotoLearned, ricaK, 0, patchWallpapers}, arm{armRPhotoPredK, ricaK, ricaFraction, patchWallpapers},
			arm{armRPhotoPred2K, 2 * ricaK, ricaFraction, patchWallpapers})
	}
	var runs []*Run
	for _, a := range arms {
		for _, seed := range v.tunedSeeds() {
			job := ricaJob{Data: fashionData, Patch: ricaPatch, Patches: pick(v, ricaPatches, 2000), Features: a.k,
				Lambda: ricaLambda, Iterations: pick(v, ricaIterations, 20), Stride: ricaStride, Epochs: pick(v, ricaEpochs, 2), Seed: seed}
			if v.quick {
				job.TrainN = quickExamples
			}
			if a.frac > 0 {
				job.Fraction, job.Length = a.frac, kernels.PaperSELength
			}
			if a.patchData != "" {
				job.PatchData, job.PatchDownsample = a.patchData, ricaDownsample
			}
			runs = append(runs, &Run{Exp: nameQRICA, Kind: kindRICA, Job: job, Arm: a.arm, Seed: seed, Cost: 2e11})
		}
	}
	return runs
}

func expQRICA() *experiment {
	return &experiment{name: nameQRICA, title: "Open question: RICA features, learned and predicted, on Fashion-MNIST patches (Fig. 6)",
		runs: ricaRuns, report: reportQRICA, wallpaperArms: true}
}

// validate reports what is wrong with a job.
func (j ricaJob) validate() error {
	switch {
	case j.Patch < 2 || j.Patch > 28 || j.Stride < 1 || j.Patches < 2:
		return fmt.Errorf("ricabench: patch %d, stride %d, %d patches: want 2 ≤ patch ≤ 28, stride ≥ 1, ≥ 2 patches", j.Patch, j.Stride, j.Patches)
	case j.Features < 1 || j.Iterations < 1 || j.Epochs < 1 || !(j.Lambda > 0):
		return fmt.Errorf("ricabench: %d features, %d iterations, %d epochs, λ %g: want ≥ 1, ≥ 1, ≥ 1, > 0", j.Features, j.Iterations, j.Epochs, j.Lambda)
	case j.Fraction < 0 || j.Fraction > 1 || (j.Fraction > 0 && !(j.Length > 0)):
		return fmt.Errorf("ricabench: fraction %g, length %g: want 0 ≤ fraction ≤ 1 and a length > 0 with a fraction", j.Fraction, j.Length)
	case j.PatchData != "" && j.PatchData != patchWallpapers:
		return fmt.Errorf("ricabench: patch data %q: want none (the training images) or %q", j.PatchData, patchWallpapers)
	case j.PatchDownsample < 0 || (j.PatchDownsample > 0 && j.PatchData == ""):
		return fmt.Errorf("ricabench: patch downsampling %d: want ≥ 0, and 0 for patches of the training images", j.PatchDownsample)
	}
	return nil
}

// ricabench runs a RICA job and writes its summary.
func ricabench(o *options, stdout io.Writer) (int, error) {
	var job ricaJob
	if o.job == "" || o.outDir == "" {
		return exitBadInput, errors.New("ricabench: -job FILE and -out DIR are required")
	}
	if err := readJob(o.job, &job); err != nil {
		return exitBadInput, err
	}
	if err := job.validate(); err != nil {
		return exitBadInput, err
	}
	// One thread, as every run of the runner (gonum's products would
	// use every CPU).
	runtime.GOMAXPROCS(1)
	var photos []*photo.Image
	var err error
	if job.PatchData == patchWallpapers {
		switch {
		case o.wallpapers == "":
			return exitBadInput, fmt.Errorf("ricabench: the job draws patches from the wallpapers: set -wallpapers DIR or $%s", photo.DirEnv)
		case !photo.Present(o.wallpapers, photo.Wallpapers()):
			return exitBadInput, fmt.Errorf("ricabench: no wallpaper photographs in %s (apt-get install plasma-workspace-wallpapers)", o.wallpapers)
		}
		if photos, err = photo.Load(o.wallpapers, photo.Wallpapers(), max(1, job.PatchDownsample)); err != nil {
			return exitFailure, err
		}
	}
	train, test, err := datasets.LoadData(job.Data, "")
	if err != nil {
		return exitFailure, err
	}
	sum, err := runRICA(job, photos, train, test)
	if err != nil {
		return exitFailure, err
	}
	if err := writeSummary(o.outDir, sum); err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(stdout, "ricabench: %d features, %d parameters: test error %.2f%%\n", sum.Features, sum.Params, 100*sum.TestError)
	return exitOK, nil
}

// runRICA trains RICA on patches of photos, or of train's images when
// photos is empty, extracts pooled features of every image of train and
// test and trains and tests a softmax classifier on them.
func runRICA(job ricaJob, photos []*photo.Image, train, test *data.Dataset) (*ricaSummary, error) {
	t0 := time.Now()
	if train.C != 1 || train.H < job.Patch || train.W < job.Patch {
		return nil, fmt.Errorf("ricabench: %d×%d×%d images for %d×%d patches: want one channel, at least the patch", train.H, train.W, train.C, job.Patch, job.Patch)
	}
	if job.TrainN > 0 && job.TrainN < train.N {
		train = train.Subset(0, job.TrainN)
	}
	src, err := patchImages(train, photos, job.Patch)
	if err != nil {
		return nil, err
	}
	n := job.Patch * job.Patch
	r := rand.New(rand.NewPCG(uint64(job.Seed), 0x7269636162)) // "ricab"
	x := drawPatches(r, src, job.Patches, job.Patch)
	zca, err := whitening(x)
	if err != nil {
		return nil, err
	}
	var xw mat.Dense
	xw.Mul(zca, x)
	var u *mat.Dense
	if job.Fraction > 0 {
		alpha, err := kernels.SampleAlpha(r, n, nAlpha(job.Fraction, n))
		if err != nil {
			return nil, err
		}
		uf, err := kernels.KRR(kernels.SE{H: job.Patch, W: job.Patch, C: 1, Length: job.Length}, alpha, kernels.PaperSERidge)
		if err != nil {
			return nil, err
		}
		u = mat.NewDense(n, len(alpha), toFloat64(uf))
	}
	w, obj, err := rica.TrainRICA(&xw, u, rica.RICAConfig{Features: job.Features, Lambda: job.Lambda, Iterations: job.Iterations, Seed: uint64(job.Seed)})
	if err != nil {
		return nil, err
	}
	params := job.Features * n
	if u != nil {
		_, a := u.Dims()
		params = a * job.Features
	}
	// The filters on raw (centred) patches: W·ZCA.
	var f mat.Dense
	f.Mul(w, zca)
	ftr, fte := poolFeatures(train, &f, job), poolFeatures(test, &f, job)
	standardize(ftr, fte)
	c := &models.Config{Name: "ricabench", Data: job.Data, Layers: []models.LayerConfig{{Type: "dense", Units: train.Classes}},
		Train: models.TrainConfig{Epochs: job.Epochs, Batch: defaultBatchSize, Seed: uint64(job.Seed), Optimizer: adam()}}
	run, err := models.NewRun(c, ftr, fte, models.Env{Gemm: gemm.Best(1), Threads: 1})
	if err != nil {
		return nil, err
	}
	for !run.Done() {
		if run.Step().EpochEnd {
			run.EndEpoch()
		}
	}
	if err := run.Err(); err != nil {
		return nil, err
	}
	m := run.FinishEpoch()
	return &ricaSummary{TestError: m.TestError, Params: params, Features: job.Features, Objective: obj,
		TrainN: ftr.N, TestN: fte.N, PatchImages: len(src), Seconds: time.Since(t0).Seconds()}, nil
}

// A patchImage is an image that patches are drawn from: h rows of w
// values, row-major in pix.
type patchImage struct {
	pix  []float32
	w, h int
}

// patchImages returns the images RICA's patches come from: photos, or
// every image of ds (views of its X) when there are none. An image
// smaller than a p×p patch is an error.
func patchImages(ds *data.Dataset, photos []*photo.Image, p int) ([]patchImage, error) {
	var src []patchImage
	if len(photos) == 0 {
		src = make([]patchImage, ds.N)
		for i := range src {
			src[i] = patchImage{pix: ds.X[i*ds.Dim() : (i+1)*ds.Dim()], w: ds.W, h: ds.H}
		}
		return src, nil
	}
	for i, m := range photos {
		if m.W < p || m.H < p || len(m.Pix) != m.W*m.H {
			return nil, fmt.Errorf("ricabench: photograph %d is %d×%d with %d values: want at least %d×%d", i, m.W, m.H, len(m.Pix), p, p)
		}
		src = append(src, patchImage{pix: m.Pix, w: m.W, h: m.H})
	}
	return src, nil
}

// drawPatches returns m random p×p patches of src, one per column, each
// centred on its own mean: for each, an image (uniformly), then its row,
// then its column, all from r.
func drawPatches(r *rand.Rand, src []patchImage, m, p int) *mat.Dense {
	x := mat.NewDense(p*p, m, nil)
	buf := make([]float64, p*p)
	for j := range m {
		im := src[r.IntN(len(src))]
		y := r.IntN(im.h - p + 1)
		patch(im.pix, im.w, y, r.IntN(im.w-p+1), p, buf)
		x.SetCol(j, buf)
	}
	return x
}

// patch copies the p×p patch at (y, x) of the image pix, w values a row,
// into out, centred on its mean.
func patch(pix []float32, w, y, x, p int, out []float64) {
	mean := 0.0
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			v := float64(pix[(y+a)*w+x+b])
			out[a*p+b] = v
			mean += v
		}
	}
	mean /= float64(p * p)
	for k := range out[:p*p] {
		out[k] -= mean
	}
}

// whitening returns the ZCA matrix of the columns of x: E·diag(1/√(d+ε))·Eᵀ
// from the eigendecomposition E·diag(d)·Eᵀ of their covariance, with ε a
// tenth of the mean eigenvalue (which damps the noise directions).
func whitening(x *mat.Dense) (*mat.Dense, error) {
	n, m := x.Dims()
	var cov mat.SymDense
	cov.SymOuterK(1/float64(m), x)
	var eig mat.EigenSym
	if !eig.Factorize(&cov, true) {
		return nil, errors.New("ricabench: the patches' covariance has no eigendecomposition")
	}
	d := eig.Values(nil)
	var e mat.Dense
	eig.VectorsTo(&e)
	mean := 0.0
	for _, v := range d {
		mean += v / float64(n)
	}
	scaled := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			scaled.Set(i, j, e.At(i, j)/math.Sqrt(math.Max(d[j], 0)+0.1*mean))
		}
	}
	var z mat.Dense
	z.Mul(scaled, e.T())
	return &z, nil
}

// poolFeatures returns a data set of ds's images as RICA features: for
// each patch at stride job.Stride, |f·patch| per filter, summed over the
// image's four quadrants (by the patch's top-left corner): 4k values.
func poolFeatures(ds *data.Dataset, f *mat.Dense, job ricaJob) *data.Dataset {
	k, n := f.Dims()
	p := job.Patch
	fr := f.RawMatrix()
	out := &data.Dataset{Name: ds.Name + "-rica", N: ds.N, H: 1, W: 1, C: 4 * k, X: make([]float32, ds.N*4*k), Y: ds.Y, Classes: ds.Classes}
	buf := make([]float64, n)
	ny, nx := (ds.H-p)/job.Stride+1, (ds.W-p)/job.Stride+1
	for i := range ds.N {
		row := out.X[i*4*k : (i+1)*4*k]
		for a := range ny {
			for b := range nx {
				patch(ds.X[i*ds.Dim():], ds.W, a*job.Stride, b*job.Stride, p, buf)
				q := 2*min(1, 2*a/ny) + min(1, 2*b/nx)
				for j := range k {
					s := 0.0
					for t, v := range fr.Data[j*fr.Stride : j*fr.Stride+n] {
						s += v * buf[t]
					}
					row[q*k+j] += float32(math.Abs(s))
				}
			}
		}
	}
	return out
}

// standardize scales every feature of train and test to zero mean and
// unit variance over train.
func standardize(train, test *data.Dataset) {
	d := train.Dim()
	for j := range d {
		mean, sq := 0.0, 0.0
		for i := range train.N {
			v := float64(train.X[i*d+j])
			mean += v
			sq += v * v
		}
		mean /= float64(train.N)
		sd := math.Sqrt(math.Max(sq/float64(train.N)-mean*mean, 0)) + 1e-6
		for _, ds := range []*data.Dataset{train, test} {
			for i := range ds.N {
				ds.X[i*d+j] = float32((float64(ds.X[i*d+j]) - mean) / sd)
			}
		}
	}
}

func toFloat64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
