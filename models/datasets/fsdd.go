package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/fsdd"
)

// FSDDFrames is the number of frames every FSDD clip is stretched to, and
// FSDDMFCCs the number of cepstral coefficients of "fsdd-mfcc".
const (
	FSDDFrames = 32
	FSDDMFCCs  = 13
)

// LoadFSDD reads the Free Spoken Digit Dataset in dir with its official
// split (takes 0–4 test) and turns each clip into a fixed-size input
// (FSDDFeatures): 32 frames × 32 log-mel bands, or 32 frames × 13 MFCCs
// when mfcc is true. Every feature is then standardised with the mean and
// standard deviation of its band (or coefficient) over all frames of the
// training clips. The examples are FSDDFrames × width × 1 (time down,
// frequency across), labelled with the spoken digit.
func LoadFSDD(dir string, mfcc bool) (train, test *data.Dataset, err error) {
	trc, tec, err := fsdd.LoadClips(dir)
	if err != nil {
		return nil, nil, err
	}
	name := "fsdd"
	if mfcc {
		name = "fsdd-mfcc"
	}
	train, err = fsddSet(name+"-train", trc, mfcc)
	if err != nil {
		return nil, nil, err
	}
	test, err = fsddSet(name+"-test", tec, mfcc)
	if err != nil {
		return nil, nil, err
	}
	standardiseColumns(train, test)
	return train, test, nil
}

// FSDDMixSeed seeds the fixed pseudo-random order of the training clips
// of "fsdd-mixed" (MixedOrder). It is part of that data set's definition:
// stored results depend on it, so it never changes.
const FSDDMixSeed = 20130605

// LoadFSDDMixed is LoadFSDD with log-mel features and the training clips
// in the fixed pseudo-random order MixedOrder(2700, FSDDMixSeed) instead
// of ordered by digit, speaker and take, so that the last N training
// clips (a config's train.validation) are a random sample of speakers
// and digits. The examples and their standardisation are those of
// "fsdd" (computed before the clips are reordered), and the test set is
// the same, in the same order.
func LoadFSDDMixed(dir string) (train, test *data.Dataset, err error) {
	train, test, err = LoadFSDD(dir, false)
	if err != nil {
		return nil, nil, err
	}
	train = Reorder(train, MixedOrder(train.N, FSDDMixSeed))
	train.Name, test.Name = "fsdd-mixed-train", "fsdd-mixed-test"
	return train, test, nil
}

// MixedOrder returns a pseudo-random permutation of 0, …, n−1 fixed by
// seed: a Fisher–Yates shuffle driven by math/rand/v2's PCG (seed, stream
// 0), which draws the position to swap with i as Uint64 mod (i+1). It is
// written out rather than taken from rand.Shuffle so that the order
// depends only on the PCG algorithm, which Go fixes, and not on how a Go
// release implements Shuffle. (The modulo's bias is below 2⁻⁵² for any
// data set size.)
func MixedOrder(n int, seed uint64) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	r := rand.NewPCG(seed, 0)
	for i := n - 1; i > 0; i-- {
		j := int(r.Uint64() % uint64(i+1))
		order[i], order[j] = order[j], order[i]
	}
	return order
}

// Reorder returns a copy of ds whose example i is ds's example order[i].
// It panics unless order is a permutation of ds's examples (a programmer
// error).
func Reorder(ds *data.Dataset, order []int) *data.Dataset {
	if len(order) != ds.N {
		panic(fmt.Sprintf("datasets: Reorder: %d indices for %d examples", len(order), ds.N))
	}
	seen := make([]bool, ds.N)
	k := ds.Dim()
	out := *ds
	out.X, out.Y = make([]float32, len(ds.X)), make([]int32, ds.N)
	for i, j := range order {
		if j < 0 || j >= ds.N || seen[j] {
			panic(fmt.Sprintf("datasets: Reorder: index %d repeated or out of range", j))
		}
		seen[j] = true
		copy(out.X[i*k:(i+1)*k], ds.X[j*k:(j+1)*k])
		out.Y[i] = ds.Y[j]
	}
	return &out
}

// FSDDFeatures returns one clip's features: the log-mel spectrogram of
// fsdd.DefaultMelSpec (25 ms frames every 10 ms, 32 bands up to 4 kHz),
// optionally reduced to FSDDMFCCs cepstral coefficients per frame, then
// stretched in time to FSDDFrames frames by linear interpolation, so that
// every clip, 0.1 to 2.3 s long, gives the same number of values. It
// returns the values (frames × width, row-major) and the width.
func FSDDFeatures(c fsdd.Clip, mfcc bool) ([]float32, int, error) {
	spec := fsdd.DefaultMelSpec()
	if c.Rate != spec.Rate {
		return nil, 0, fmt.Errorf("FSDD clip %d_%s_%d: %d Hz, want %d", c.Digit, c.Speaker, c.Take, c.Rate, spec.Rate)
	}
	lm, frames, err := spec.LogMel(c.Samples)
	if err != nil {
		return nil, 0, err
	}
	width := spec.Bands
	if mfcc {
		if lm, err = fsdd.MFCC(lm, frames, spec.Bands, FSDDMFCCs); err != nil {
			return nil, 0, err
		}
		width = FSDDMFCCs
	}
	x, err := fsdd.StretchFrames(lm, frames, width, FSDDFrames)
	return x, width, err
}

func fsddSet(name string, clips []fsdd.Clip, mfcc bool) (*data.Dataset, error) {
	ds := &data.Dataset{Name: name, N: len(clips), H: FSDDFrames, C: 1, Classes: 10, Y: make([]int32, len(clips))}
	for i, c := range clips {
		x, width, err := FSDDFeatures(c, mfcc)
		if err != nil {
			return nil, err
		}
		ds.W = width
		ds.X = append(ds.X, x...)
		ds.Y[i] = int32(c.Digit)
	}
	if ds.N == 0 {
		return nil, fmt.Errorf("%s: no clips", name)
	}
	return ds, nil
}

// standardiseColumns subtracts from every value the mean of its column
// (the last axis, W·C values) over all rows of train's examples and
// divides by the column's standard deviation, in train and test alike.
func standardiseColumns(train, test *data.Dataset) {
	width := train.W * train.C
	rows := len(train.X) / width
	mean := make([]float64, width)
	sq := make([]float64, width)
	for r := 0; r < rows; r++ {
		for j, v := range train.X[r*width : (r+1)*width] {
			mean[j] += float64(v)
			sq[j] += float64(v) * float64(v)
		}
	}
	inv := make([]float64, width)
	for j := range mean {
		mean[j] /= float64(rows)
		sd := math.Sqrt(max(sq[j]/float64(rows)-mean[j]*mean[j], 0))
		inv[j] = 1 / max(sd, 1e-6)
	}
	for _, ds := range []*data.Dataset{train, test} {
		for i, v := range ds.X {
			j := i % width
			ds.X[i] = float32((float64(v) - mean[j]) * inv[j])
		}
	}
}
