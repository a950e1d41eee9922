package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/kernels"
)

// Random streams of the dictionaries, drawn from the layer's seed (see
// layerSeed); α itself comes from kernels.SampleColumns.
const (
	streamRandFix  = 0x7266 // "rf": RandFixU entries
	streamPick     = 0x706b // "pk": random PCA and DCT atoms
	streamTied     = 0x7464 // "td": tied spatial α of conv layers
	streamPretrain = 0x7074 // "pt": pretraining init and order
)

// layerSeed derives layer i's seed from the run seed, so that every
// layer draws its own α and random atoms and a seed fixes them all.
func layerSeed(seed uint64, i int) uint64 {
	return seed + uint64(i+1)*0x9e3779b97f4a7c15
}

// dictSpec is a PredictConfig resolved for one layer: the defaults filled
// in and the sizes known.
type dictSpec struct {
	Kind      string
	Form      string // "krr" or "raw" for kernel dictionaries, "" otherwise
	Length    float64
	Ridge     float64
	F         Factors
	Grid      engine.Shape // the layer's input positions as an H×W×C grid
	Tied      bool
	Pick      kernels.Pick
	Normalize bool
	Source    string // "init" or "pretrained" for data-driven dictionaries
	Examples  int
	AEHidden  int
	AEEpochs  int
	LowH      int // upsample: the learned grid
	LowW      int
	// Start is the config's n_α per column (F.NAlpha unless the layer
	// has grown); Nested draws α nested (see drawAlpha), for a layer
	// that grows, up to GrowMax.
	Start   int
	Nested  bool
	GrowMax int
}

// resolveSpec fills p's defaults for a layer whose weight matrix has
// rows input positions laid out as grid, and units units. size, if > 0,
// is the n_α of a layer that has grown (p.Grow), instead of the
// config's.
func resolveSpec(p *PredictConfig, conv bool, rows, units int, grid engine.Shape, size int) (dictSpec, error) {
	s := dictSpec{Kind: p.Dict, Grid: grid, Tied: p.Tied, Normalize: p.Normalize, Source: p.Source, Examples: p.Examples}
	J := max(p.Columns, 1)
	nAlpha := p.NAlpha
	if p.Fraction > 0 {
		nAlpha = max(1, int(math.Round(p.Fraction*float64(rows))))
		if p.Tied {
			// m spatial positions, each with all its channels.
			nAlpha = max(1, int(math.Round(p.Fraction*float64(grid.H*grid.W)))) * grid.C
		}
	}
	if p.Tied && nAlpha%grid.C != 0 {
		return s, fmt.Errorf("predict.n_alpha %d with tied α: want a multiple of the %d input channels", nAlpha, grid.C)
	}
	if nAlpha > rows {
		return s, fmt.Errorf("predict: n_α = %d exceeds the layer's %d input positions", nAlpha, rows)
	}
	s.Start = nAlpha
	if g := p.Grow; g != nil {
		s.Nested = true
		if s.GrowMax = g.max(rows); s.GrowMax <= nAlpha || s.GrowMax > rows {
			return s, fmt.Errorf("predict.grow: the cap n_α = %d must exceed the starting n_α = %d and not exceed the layer's %d input positions", s.GrowMax, nAlpha, rows)
		}
	}
	if size > 0 && size != nAlpha {
		if p.Grow == nil || size < nAlpha || size > s.GrowMax {
			return s, fmt.Errorf("predict: n_α = %d is not a size this layer can grow to (from %d, up to %d)", size, nAlpha, s.GrowMax)
		}
		nAlpha = size
	}
	s.F = Factors{Rows: rows, Units: units, Columns: J, NAlpha: nAlpha}
	k := lookupDict(p.Dict)
	layerType := "dense"
	if conv {
		layerType = "conv"
	}
	if err := k.Accepts(layerType, grid); err != nil {
		return s, err
	}
	if k.resolve != nil {
		if err := k.resolve(&s, p, conv); err != nil {
			return s, err
		}
	}
	if p.Pick == "random" {
		s.Pick = kernels.Random
	}
	if k.DataDriven && s.Source == "" {
		s.Source = "init"
	}
	return s, nil
}

func orString(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// describe returns the dictionary in a few words for logs and summaries.
func (s dictSpec) describe() string {
	d := s.Kind + lookupDict(s.Kind).describe(s)
	if s.Normalize {
		d += " normalized"
	}
	return fmt.Sprintf("%s; J=%d, n_α=%d", d, s.F.Columns, s.F.NAlpha)
}

// gained reports whether U is rescaled to unit mean squared row norm (see
// PredictConfig.Normalize): every dictionary but the KRR forms, whose V
// holds actual weights.
func (s dictSpec) gained() bool {
	return s.Normalize || s.Form != "krr"
}

// inputsFunc returns the activations feeding a layer for the first n
// training examples (n×rows), computed with products on g, and a
// description of where they come from.
type inputsFunc func(n int, g gemm.Impl) (x []float32, rows int, source string, err error)

// buildDict computes a predicted layer's dictionary from its resolved
// spec: α for each column, U_1…U_J, their scale. inputs is called only by
// data-driven dictionaries. For "lowrank" it returns no U: the layer
// learns it.
func buildDict(s dictSpec, seed uint64, env Env, inputs inputsFunc) (*Dictionary, error) {
	k := lookupDict(s.Kind)
	f := s.F
	d := &Dictionary{Kind: s.Kind, Rows: f.Rows, Units: f.Units, Columns: f.Columns, NAlpha: f.NAlpha, Spec: s.describe(),
		form: s.Form, growMax: s.GrowMax}
	if k.LearnsU {
		return d, nil
	}
	start := time.Now()
	b := &dictBuild{spec: s, seed: seed, env: env, d: d, input: inputs}
	var err error
	if k.Positions {
		if d.Alpha, err = drawAlpha(s, seed); err != nil {
			return nil, err
		}
	}
	if k.DataDriven {
		var rows int
		if b.x, rows, d.Source, err = inputs(s.Examples, env.Gemm); err != nil {
			return nil, err
		}
		b.n = len(b.x) / f.Rows
		if rows != f.Rows {
			return nil, fmt.Errorf("the layer's input has %d values, the dictionary %d rows", rows, f.Rows)
		}
		d.Examples = b.n
	}
	u, err := k.build(b)
	if err != nil {
		return nil, err
	}
	d.Gain = make([]float64, f.Columns)
	for j := range d.Gain {
		uj := f.uj(u, j)
		if s.Normalize {
			kernels.NormalizeColumns(uj, f.Rows, f.NAlpha)
		}
		d.Gain[j] = 1
		if s.gained() {
			d.Gain[j] = rescaleRows(uj, f.Rows)
		}
	}
	if !finite(u) {
		return nil, fmt.Errorf("the %s dictionary has non-finite entries", s.Kind)
	}
	flushTiny(u)
	d.u = u
	d.Seconds = time.Since(start).Seconds()
	return d, nil
}

// union returns the positions of every column's α, sorted, each once.
func union(alpha [][]int) []int {
	var all []int
	for _, a := range alpha {
		all = append(all, a...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// lazyCov is the kernel a Dictionary of the emp and emp2 dictionaries
// shows: the covariance columns U was built from, and for the pairs
// outside them (a view of the whole kernel) the full covariance,
// computed by full when it is first needed. At returns NaN for those
// pairs if full fails.
type lazyCov struct {
	cols *kernels.EmpColumns
	full func() (kernels.Kernel, error)

	once sync.Once
	all  kernels.Kernel // the full covariance, once computed
}

// Len implements kernels.Kernel.
func (k *lazyCov) Len() int { return k.cols.Len() }

// At implements kernels.Kernel.
func (k *lazyCov) At(i, j int) float64 {
	if k.cols.Has(i) || k.cols.Has(j) {
		return k.cols.At(i, j)
	}
	k.once.Do(func() {
		if all, err := k.full(); err == nil {
			k.all = all
		}
	})
	if k.all == nil {
		return math.NaN()
	}
	return k.all.At(i, j)
}

// drawAlpha draws every column's α, positions of the layer's input, from
// the layer's seed.
//
// With s.Nested (a layer whose α grows), column j's α is the first n_α
// of a random order of the positions drawn from its own stream,
// rand.NewPCG(seed, kernels.AlphaStream+j), so that a larger n_α keeps
// every position of a smaller one. Column 0's stream is the one
// kernels.SampleColumns draws from, so for J = 1 the nested α is the
// α of the same layer without growth.
func drawAlpha(s dictSpec, seed uint64) ([][]int, error) {
	f := s.F
	if s.Nested {
		alpha := make([][]int, f.Columns)
		for j := range alpha {
			r := rand.New(rand.NewPCG(seed, kernels.AlphaStream+uint64(j)))
			a, err := kernels.SampleAlpha(r, f.Rows, f.NAlpha)
			if err != nil {
				return nil, err
			}
			alpha[j] = a
		}
		return alpha, nil
	}
	if s.Tied {
		r := rand.New(rand.NewPCG(seed, streamTied))
		alpha := make([][]int, f.Columns)
		for j := range alpha {
			a, err := kernels.SampleTied(r, s.Grid.H, s.Grid.W, s.Grid.C, f.NAlpha/s.Grid.C)
			if err != nil {
				return nil, err
			}
			alpha[j] = a
		}
		return alpha, nil
	}
	return kernels.SampleColumns(seed, f.Rows, f.NAlpha, f.Columns)
}

// unitRange returns x (n×d) when all its values lie in [0, 1], as the
// sigmoid decoder of the ae dictionary's autoencoder needs (pixels,
// sigmoid activations). Otherwise (ReLU activations) it returns a copy
// with every column min-max scaled into [0, 1], and the columns' ranges
// (1 for a constant column).
func unitRange(x []float32, n, d int) ([]float32, []float64) {
	inside := true
	for _, v := range x[:n*d] {
		inside = inside && v >= 0 && v <= 1
	}
	if inside {
		return x, nil
	}
	lo, hi := make([]float64, d), make([]float64, d)
	for i := range lo {
		lo[i], hi[i] = math.Inf(1), math.Inf(-1)
	}
	for r := 0; r < n; r++ {
		for i, v := range x[r*d : (r+1)*d] {
			lo[i], hi[i] = math.Min(lo[i], float64(v)), math.Max(hi[i], float64(v))
		}
	}
	scale := make([]float64, d)
	for i := range scale {
		scale[i] = hi[i] - lo[i]
		if !(scale[i] > 0) {
			scale[i] = 1
		}
	}
	xs := make([]float32, n*d)
	for r := 0; r < n; r++ {
		for i, v := range x[r*d : (r+1)*d] {
			xs[r*d+i] = float32((float64(v) - lo[i]) / scale[i])
		}
	}
	return xs, scale
}

// rescaleRows multiplies u (rows×m) by the scalar that makes its mean
// squared row norm 1, ‖U‖²_F = rows, and returns that scalar (1 for a
// zero matrix).
func rescaleRows(u []float32, rows int) float64 {
	var ss float64
	for _, v := range u {
		ss += float64(v) * float64(v)
	}
	if ss == 0 {
		return 1
	}
	gain := math.Sqrt(float64(rows) / ss)
	for i, v := range u {
		u[i] = float32(float64(v) * gain)
	}
	return gain
}

// flushTiny sets the entries of u below 1e-30 in magnitude to zero. A
// kernel's far tails (exp(−d²/2ℓ²) of distant pixels) are otherwise
// subnormal float32 numbers, which are meaningless next to the other
// entries but slow the products down by orders of magnitude.
func flushTiny(u []float32) {
	for i, v := range u {
		if v > -1e-30 && v < 1e-30 {
			u[i] = 0
		}
	}
}

func finite(x []float32) bool {
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}
