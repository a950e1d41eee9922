package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// AlphaStream is the PCG stream SampleColumns draws from: rand.NewPCG(seed, AlphaStream).
// Together with the seed it fixes every column's α, so a checkpoint may store the seed alone.
const AlphaStream = 0x616c706861 // "alpha"

// SampleAlpha returns m distinct positions drawn uniformly without replacement from [0, n),
// sorted in increasing order (method.md §4). It needs 1 ≤ m ≤ n. The draw is a partial
// Fisher–Yates shuffle, so it is fixed by r's state.
func SampleAlpha(r *rand.Rand, n, m int) ([]int, error) {
	if r == nil {
		return nil, fmt.Errorf("kernels: SampleAlpha: nil random source")
	}
	if m < 1 || m > n {
		return nil, fmt.Errorf("kernels: cannot draw %d distinct positions out of %d", m, n)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < m; i++ {
		j := i + r.IntN(n-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	alpha := perm[:m:m]
	slices.Sort(alpha)
	return alpha, nil
}

// SampleColumns returns J index sets α_1…α_J, one per column, each m distinct sorted
// positions of [0, n) drawn by SampleAlpha from rand.NewPCG(seed, AlphaStream) in column
// order. The seed fixes every α. It needs J ≥ 1 and 1 ≤ m ≤ n.
func SampleColumns(seed uint64, n, m, J int) ([][]int, error) {
	if J < 1 {
		return nil, fmt.Errorf("kernels: SampleColumns: %d columns, need at least 1", J)
	}
	r := rand.New(rand.NewPCG(seed, AlphaStream))
	cols := make([][]int, J)
	for j := range cols {
		a, err := SampleAlpha(r, n, m)
		if err != nil {
			return nil, err
		}
		cols[j] = a
	}
	return cols, nil
}

// SampleTied draws m distinct spatial positions of an h×w grid, shared by all c channels
// (method.md §7: one spatial subset tied across channels, an option of the predicted conv
// layer), and returns their m·c NHWC position indices (y·w + x)·c + ch, sorted. It needs
// 1 ≤ m ≤ h·w and c ≥ 1.
func SampleTied(r *rand.Rand, h, w, c, m int) ([]int, error) {
	if h < 1 || w < 1 || c < 1 {
		return nil, fmt.Errorf("kernels: SampleTied: grid %d×%d×%d: sizes must be positive", h, w, c)
	}
	sp, err := SampleAlpha(r, h*w, m)
	if err != nil {
		return nil, err
	}
	alpha := make([]int, 0, m*c)
	for _, s := range sp {
		for ch := 0; ch < c; ch++ {
			alpha = append(alpha, s*c+ch)
		}
	}
	return alpha, nil
}
