package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// A basis1D is an orthonormal basis of R^n: atom k is phi(k, i) at sample
// i, and level(k) orders the atoms from coarse to fine (frequency for the
// Fourier basis, scale for the Haar wavelets).
type basis1D struct {
	phi   func(k, i int) float64
	level func(k int) int
}

// separable returns m atoms of the orthonormal 2-D basis over an h×w grid
// of c channels whose atoms are products of the 1-D bases of rows and
// columns, one channel each (block-diagonal over channels), as an
// (h·w·c)×m dictionary in NHWC position order. The full basis is ordered
// by increasing level sum, then the row atom's level, then the row atom,
// then the column atom, then channel; Leading takes its first m, Random a
// random m (r is used only by Random).
func separable(name string, h, w, c, m int, pick Pick, r *rand.Rand, basis func(n int) basis1D) ([]float32, error) {
	if h < 1 || w < 1 || c < 1 {
		return nil, fmt.Errorf("kernels: %s grid %d×%d×%d: sizes must be positive", name, h, w, c)
	}
	if pick == Random && r == nil {
		return nil, fmt.Errorf("kernels: %s: Random pick needs a random source", name)
	}
	by, bx := basis(h), basis(w)
	type pair struct{ u, v int }
	pairs := make([]pair, 0, h*w)
	for u := 0; u < h; u++ {
		for v := 0; v < w; v++ {
			pairs = append(pairs, pair{u, v})
		}
	}
	key := func(p pair) [4]int {
		ly, lx := by.level(p.u), bx.level(p.v)
		return [4]int{ly + lx, ly, p.u, p.v}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		ka, kb := key(a), key(b)
		return slices.Compare(ka[:], kb[:])
	})
	n := h * w * c
	idx, err := pick.pick(r, n, m)
	if err != nil {
		return nil, err
	}
	u := make([]float32, n*m)
	for j, k := range idx {
		p, ch := pairs[k/c], k%c
		for y := 0; y < h; y++ {
			fy := by.phi(p.u, y)
			for x := 0; x < w; x++ {
				u[((y*w+x)*c+ch)*m+j] = float32(fy * bx.phi(p.v, x))
			}
		}
	}
	return u, nil
}

// Fourier returns m atoms of the orthonormal 2-D real Fourier basis over
// an h×w grid of c channels, as an (h·w·c)×m dictionary (see separable
// for the layout and order). The 1-D basis of n samples is the constant
// 1/√n, then √(2/n)·cos(2πki/n) and √(2/n)·sin(2πki/n) for k = 1, 2, …
// below n/2, and (−1)^i/√n when n is even; its level is k.
func Fourier(h, w, c, m int, pick Pick, r *rand.Rand) ([]float32, error) {
	return separable("Fourier", h, w, c, m, pick, r, fourier1D)
}

func fourier1D(n int) basis1D {
	freq := func(k int) int { return (k + 1) / 2 } // 0, 1, 1, 2, 2, …
	return basis1D{
		level: freq,
		phi: func(k, i int) float64 {
			f := freq(k)
			switch {
			case k == 0:
				return 1 / math.Sqrt(float64(n))
			case 2*f == n: // Nyquist, n even
				return math.Cos(math.Pi*float64(i)) / math.Sqrt(float64(n))
			case k%2 == 1:
				return math.Sqrt(2/float64(n)) * math.Cos(2*math.Pi*float64(f*i)/float64(n))
			}
			return math.Sqrt(2/float64(n)) * math.Sin(2*math.Pi*float64(f*i)/float64(n))
		},
	}
}

// Haar returns m atoms of the orthonormal 2-D Haar wavelet basis over an
// h×w grid of c channels, as an (h·w·c)×m dictionary (see separable for
// the layout and order). For sizes that are not powers of two the 1-D
// basis is the unbalanced Haar basis: the constant 1/√n, then, for every
// interval of two samples or more (from [0, n), halved recursively, the
// first half the shorter), the wavelet that is +√(n₂/(n₁N)) on its first
// half of n₁ samples and −√(n₁/(n₂N)) on its second of n₂, N = n₁ + n₂;
// its level is the depth of its interval (1 for the whole).
func Haar(h, w, c, m int, pick Pick, r *rand.Rand) ([]float32, error) {
	return separable("Haar", h, w, c, m, pick, r, haar1D)
}

func haar1D(n int) basis1D {
	type wavelet struct{ a, mid, b, level int }
	ws := []wavelet{{}} // atom 0: the constant
	queue := []wavelet{{a: 0, b: n, level: 1}}
	for len(queue) > 0 { // breadth first: coarse to fine
		iv := queue[0]
		queue = queue[1:]
		if iv.b-iv.a < 2 {
			continue
		}
		iv.mid = iv.a + (iv.b-iv.a)/2
		ws = append(ws, iv)
		queue = append(queue, wavelet{a: iv.a, b: iv.mid, level: iv.level + 1}, wavelet{a: iv.mid, b: iv.b, level: iv.level + 1})
	}
	return basis1D{
		level: func(k int) int { return ws[k].level },
		phi: func(k, i int) float64 {
			if k == 0 {
				return 1 / math.Sqrt(float64(n))
			}
			v := ws[k]
			n1, n2 := float64(v.mid-v.a), float64(v.b-v.mid)
			switch {
			case i < v.a || i >= v.b:
				return 0
			case i < v.mid:
				return math.Sqrt(n2 / (n1 * (n1 + n2)))
			}
			return -math.Sqrt(n1 / (n2 * (n1 + n2)))
		},
	}
}

// Upsample returns the bilinear upsampling operator from an lh×lw grid to
// an h×w grid, both of c channels, as an (h·w·c)×(lh·lw·c) dictionary in
// NHWC position order: U·v is the low-resolution image v interpolated to
// the high resolution, channel by channel. The grids' corners coincide
// (high-resolution pixel y sits at y·(lh−1)/(h−1) on the low grid), so
// every row sums to 1 and images that are linear in the coordinates are
// reproduced exactly.
func Upsample(h, w, c, lh, lw int) ([]float32, error) {
	if h < 1 || w < 1 || c < 1 || lh < 1 || lw < 1 || lh > h || lw > w {
		return nil, fmt.Errorf("kernels: upsampling %d×%d to %d×%d (×%d channels): want 1 ≤ low ≤ high sizes", lh, lw, h, w, c)
	}
	if h*w*c > math.MaxInt32/(lh*lw*c) {
		return nil, errors.New("kernels: upsampling operator too large")
	}
	m := lh * lw * c
	u := make([]float32, h*w*c*m)
	for y := 0; y < h; y++ {
		y0, y1, ty := corners(y, h, lh)
		for x := 0; x < w; x++ {
			x0, x1, tx := corners(x, w, lw)
			for ch := 0; ch < c; ch++ {
				row := u[((y*w+x)*c+ch)*m:]
				add := func(ly, lx int, wt float64) { row[(ly*lw+lx)*c+ch] += float32(wt) }
				add(y0, x0, (1-ty)*(1-tx))
				add(y0, x1, (1-ty)*tx)
				add(y1, x0, ty*(1-tx))
				add(y1, x1, ty*tx)
			}
		}
	}
	return u, nil
}

// corners returns the low-grid neighbours of high-grid sample i of n on
// a grid of ln, and the weight of the second.
func corners(i, n, ln int) (i0, i1 int, t float64) {
	if n == 1 || ln == 1 {
		return 0, 0, 0
	}
	s := float64(i) * float64(ln-1) / float64(n-1)
	i0 = min(int(s), ln-1)
	i1 = min(i0+1, ln-1)
	return i0, i1, s - float64(i0)
}
