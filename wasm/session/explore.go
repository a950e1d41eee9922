package session

import (
	"errors"
	"fmt"
	"math"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/kernels"
)

// Explorer computes the page's dictionary explorer: for a kernel over the
// 28×28 pixel grid, a fraction learned and a ridge, the positions α, one
// pixel's kernel row, the atoms (columns of U) and the paper's Figure 1:
// a trained filter kept at α and predicted from there by U. It runs the
// project's kernels (kernels.SE, kernels.NewEmp, kernels.SampleColumns,
// and kernels.NewKRRSolver, the factorised form of kernels.KRR), never a
// copy of them.
type Explorer struct {
	filters [][]float32 // sample filters, 784 weights each
	digits  []float32   // training digits for the Emp kernel, n×784
	n       int
	inside  []bool       // pixels inside the digit area
	emp     *kernels.Emp // built on first use
}

// Side is the explorer's grid: MNIST's 28×28 pixels.
const Side = 28

// ExploreDigits is how many training digits the explorer's Emp kernel
// is estimated from: the covariance of a thousand digits already has
// the structure of that of sixty thousand, and takes a fraction of a
// second instead of many in wasm.
const ExploreDigits = 1000

// NewExplorer returns an explorer of the sample filters (784 weights
// each) over the digits of train (the first ExploreDigits are used for
// the Emp kernel; nil train leaves Emp unavailable).
func NewExplorer(filters [][]float32, train *data.Dataset) (*Explorer, error) {
	const n = Side * Side
	for i, f := range filters {
		if len(f) != n {
			return nil, fmt.Errorf("sample filter %d has %d weights, want %d", i, len(f), n)
		}
	}
	e := &Explorer{filters: filters, inside: make([]bool, n)}
	// The digit area: pixels that carry ink in at least 2% of digits.
	// Outside it a weight never meets a non-zero input.
	if train != nil && train.H*train.W*train.C == n {
		e.n = min(train.N, ExploreDigits)
		e.digits = train.X[:e.n*n]
		count := make([]int, n)
		for i := 0; i < e.n; i++ {
			for p, v := range e.digits[i*n : (i+1)*n] {
				if v > 0.1 {
					count[p]++
				}
			}
		}
		for p, c := range count {
			e.inside[p] = c*50 >= e.n
		}
	} else {
		for p := range e.inside {
			y, x := p/Side, p%Side
			e.inside[p] = y >= 4 && y < Side-4 && x >= 4 && x < Side-4
		}
	}
	return e, nil
}

// ExploreSettings is what the reader picks in the explorer.
type ExploreSettings struct {
	// Kernel is "se" or "emp".
	Kernel string `json:"kernel"`
	// Length is SE's ℓ in pixels (unused by Emp), Ridge λ of KRR.
	Length float64 `json:"length"`
	Ridge  float64 `json:"ridge"`
	// Fraction is |α|/784.
	Fraction float64 `json:"fraction"`
	// Seed draws α.
	Seed uint64 `json:"seed"`
	// Pixel is the position whose kernel row is shown.
	Pixel int `json:"pixel"`
	// Filter picks the sample filter.
	Filter int `json:"filter"`
}

// Validate reports the first setting out of range.
func (s ExploreSettings) Validate() error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	switch {
	case s.Kernel != "se" && s.Kernel != "emp":
		return fmt.Errorf("explorer kernel %q: want se or emp", s.Kernel)
	case bad(s.Length) || s.Length <= 0 || s.Length > MaxLength:
		return fmt.Errorf("explorer length scale %v: want more than 0 and at most %d pixels", s.Length, MaxLength)
	case bad(s.Ridge) || s.Ridge < 0 || s.Ridge > MaxRidge:
		return fmt.Errorf("explorer ridge %v: want 0 to %d", s.Ridge, MaxRidge)
	case bad(s.Fraction) || s.Fraction <= 0 || s.Fraction > 1:
		return fmt.Errorf("explorer fraction %v: want more than 0 and at most 1", s.Fraction)
	case s.Pixel < 0 || s.Pixel >= Side*Side:
		return fmt.Errorf("explorer pixel %d: want 0 to %d", s.Pixel, Side*Side-1)
	}
	return nil
}

// MaxExploreAtoms bounds the atoms an Exploration carries.
const MaxExploreAtoms = 12

// Exploration is what the explorer shows for one ExploreSettings.
type Exploration struct {
	// Alpha is the learned positions, sorted.
	Alpha []int `json:"alpha"`
	// Row is k(Pixel, ·) over the 784 pixels.
	Row []float32 `json:"row"`
	// AtomAlpha are up to MaxExploreAtoms positions of α inside the
	// digit area, and Atoms their columns of U (784 values each).
	AtomAlpha []int     `json:"atomAlpha"`
	Atoms     []float32 `json:"atoms"`
	// Filter is the sample filter, Predicted U·Filter[α], and Error the
	// relative reconstruction error ‖Filter − Predicted‖/‖Filter‖.
	Filter    []float32 `json:"filter"`
	Predicted []float32 `json:"predicted"`
	Error     float64   `json:"error"`
	// Filters is how many sample filters there are.
	Filters int `json:"filters"`
}

// Filters returns how many sample filters the explorer holds.
func (e *Explorer) Filters() int { return len(e.filters) }

// kernel returns the kernel s describes.
func (e *Explorer) kernel(s ExploreSettings) (kernels.Kernel, error) {
	if s.Kernel == "se" {
		return kernels.SE{H: Side, W: Side, C: 1, Length: s.Length}, nil
	}
	if e.emp == nil {
		if e.digits == nil {
			return nil, errors.New("the Emp kernel needs the training digits, which are not loaded")
		}
		emp, err := kernels.NewEmp(gemm.Best(1), e.digits, e.n, Side*Side)
		if err != nil {
			return nil, err
		}
		e.emp = emp
	}
	return e.emp, nil
}

// alpha returns the positions s draws.
func alpha(s ExploreSettings) ([]int, error) {
	const n = Side * Side
	m := max(1, int(math.Round(s.Fraction*n)))
	cols, err := kernels.SampleColumns(s.Seed, n, m, 1)
	if err != nil {
		return nil, err
	}
	return cols[0], nil
}

// Explore computes the explorer's views for s.
func (e *Explorer) Explore(s ExploreSettings) (*Exploration, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	const n = Side * Side
	k, err := e.kernel(s)
	if err != nil {
		return nil, err
	}
	a, err := alpha(s)
	if err != nil {
		return nil, err
	}
	solver, err := kernels.NewKRRSolver(k, a, s.Ridge)
	if err != nil {
		return nil, err
	}
	x := &Exploration{Alpha: a, Row: make([]float32, n), Filters: len(e.filters)}
	for q := 0; q < n; q++ {
		x.Row[q] = float32(k.At(s.Pixel, q))
	}
	for j, p := range a {
		if len(x.AtomAlpha) == MaxExploreAtoms {
			break
		}
		if !e.inside[p] {
			continue
		}
		col, err := solver.Column(j)
		if err != nil {
			return nil, err
		}
		x.AtomAlpha = append(x.AtomAlpha, p)
		for _, v := range col {
			x.Atoms = append(x.Atoms, float32(v))
		}
	}
	if len(e.filters) > 0 {
		f := e.filters[min(max(s.Filter, 0), len(e.filters)-1)]
		x.Filter = f
		if x.Predicted, x.Error, err = predict(f, solver, a); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// predict returns U·f[α] and its error relative to f.
func predict(f []float32, solver *kernels.KRRSolver, a []int) ([]float32, float64, error) {
	w := make([]float64, len(a))
	for i, p := range a {
		w[i] = float64(f[p])
	}
	pred, err := solver.Predict(w)
	if err != nil {
		return nil, 0, err
	}
	out := make([]float32, len(f))
	var num, den float64
	for q, v := range pred {
		out[q] = float32(v)
		d := v - float64(f[q])
		num += d * d
		den += float64(f[q]) * float64(f[q])
	}
	if den == 0 {
		return out, 0, nil
	}
	return out, math.Sqrt(num / den), nil
}

// CurveLengths are the length scales of the error curve against ℓ.
var CurveLengths = []float64{0.3, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 10, 15, 25}

// CurvePoint is the SE filter's reconstruction error at one ℓ.
func (e *Explorer) CurvePoint(s ExploreSettings, length float64) (float64, error) {
	s.Kernel, s.Length = "se", length
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if len(e.filters) == 0 {
		return 0, errors.New("no sample filters")
	}
	a, err := alpha(s)
	if err != nil {
		return 0, err
	}
	solver, err := kernels.NewKRRSolver(kernels.SE{H: Side, W: Side, C: 1, Length: length}, a, s.Ridge)
	if err != nil {
		return 0, err
	}
	_, errRel, err := predict(e.filters[min(max(s.Filter, 0), len(e.filters)-1)], solver, a)
	return errRel, err
}
