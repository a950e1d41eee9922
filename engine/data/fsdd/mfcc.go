package fsdd

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
)

// MelSpec configures a log-mel spectrogram: the signal is cut into frames
// of FrameLen samples every Hop samples, each frame is pre-emphasised,
// Hamming-windowed, zero-padded to NFFT and transformed; its power
// spectrum |X|²/NFFT is weighted by Bands triangular filters equally
// spaced on the mel scale between FMin and FMax, and the log is taken.
type MelSpec struct {
	// Rate is the sample rate in Hz.
	Rate int
	// FrameLen and Hop are the frame length and step in samples.
	FrameLen, Hop int
	// NFFT is the FFT size, a power of two ≥ FrameLen.
	NFFT int
	// Bands is the number of mel filters.
	Bands int
	// FMin and FMax bound the filters in Hz; FMax 0 means Rate/2.
	FMin, FMax float64
	// PreEmphasis p filters each frame as y[t] = x[t] − p·x[t−1]
	// (0 turns it off).
	PreEmphasis float64
}

// DefaultMelSpec returns the settings used for the Free Spoken Digit Dataset:
// 8 kHz audio, 25 ms frames every 10 ms, a 256-point FFT, 32 mel bands
// from 0 Hz to 4 kHz and pre-emphasis 0.97.
func DefaultMelSpec() MelSpec {
	return MelSpec{Rate: 8000, FrameLen: 200, Hop: 80, NFFT: 256, Bands: 32, PreEmphasis: 0.97}
}

// logFloor is added to the mel energies before the log, so silence gives a
// finite value (ln 1e-10 ≈ −23).
const logFloor = 1e-10

// Validate reports the first setting out of range.
func (s MelSpec) Validate() error {
	fmax := s.fmax()
	switch {
	case s.Rate <= 0:
		return fmt.Errorf("data: mel: rate %d, want > 0", s.Rate)
	case s.FrameLen <= 0 || s.Hop <= 0:
		return fmt.Errorf("data: mel: frame length %d and hop %d, want > 0", s.FrameLen, s.Hop)
	case s.NFFT < s.FrameLen || s.NFFT&(s.NFFT-1) != 0:
		return fmt.Errorf("data: mel: NFFT %d, want a power of two ≥ the frame length %d", s.NFFT, s.FrameLen)
	case s.Bands <= 0:
		return fmt.Errorf("data: mel: %d bands, want > 0", s.Bands)
	case s.FMin < 0 || fmax <= s.FMin || fmax > float64(s.Rate)/2:
		return fmt.Errorf("data: mel: band edges %v–%v Hz, want 0 ≤ fmin < fmax ≤ rate/2", s.FMin, fmax)
	case s.PreEmphasis < 0 || s.PreEmphasis >= 1:
		return fmt.Errorf("data: mel: pre-emphasis %v, want 0 ≤ p < 1", s.PreEmphasis)
	}
	return nil
}

func (s MelSpec) fmax() float64 {
	if s.FMax == 0 {
		return float64(s.Rate) / 2
	}
	return s.FMax
}

// Frames returns the number of frames of a signal of n samples:
// 1 + ⌊(n − FrameLen)/Hop⌋, and 1 when n < FrameLen (the signal is
// zero-padded to one frame).
func (s MelSpec) Frames(n int) int {
	if n < s.FrameLen {
		return 1
	}
	return 1 + (n-s.FrameLen)/s.Hop
}

// HzToMel converts a frequency in Hz to mels with the HTK formula
// 2595·log10(1 + f/700).
func HzToMel(f float64) float64 { return 2595 * math.Log10(1+f/700) }

// MelToHz is the inverse of HzToMel.
func MelToHz(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }

// Filterbank returns the Bands triangular mel filters as a Bands × (NFFT/2+1)
// row-major matrix. Filter b rises linearly from edge b to edge b+1 and
// falls to edge b+2, where the Bands+2 edges are equally spaced in mels
// between FMin and FMax; the weights are evaluated at the exact frequency
// of each FFT bin (k·Rate/NFFT), so no filter is empty at low resolution.
func (s MelSpec) Filterbank() ([]float64, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	bins := s.NFFT/2 + 1
	lo, hi := HzToMel(s.FMin), HzToMel(s.fmax())
	edges := make([]float64, s.Bands+2)
	for i := range edges {
		edges[i] = MelToHz(lo + (hi-lo)*float64(i)/float64(s.Bands+1))
	}
	fb := make([]float64, s.Bands*bins)
	for b := 0; b < s.Bands; b++ {
		left, centre, right := edges[b], edges[b+1], edges[b+2]
		for k := 0; k < bins; k++ {
			f := float64(k) * float64(s.Rate) / float64(s.NFFT)
			var w float64
			switch {
			case f > left && f <= centre:
				w = (f - left) / (centre - left)
			case f > centre && f < right:
				w = (right - f) / (right - centre)
			}
			fb[b*bins+k] = w
		}
	}
	return fb, nil
}

// LogMel returns the log-mel spectrogram of samples as frames × Bands
// values, row-major (one frame after another), and the number of frames
// (see Frames).
func (s MelSpec) LogMel(samples []float32) (out []float32, frames int, err error) {
	fb, err := s.Filterbank()
	if err != nil {
		return nil, 0, err
	}
	bins := s.NFFT/2 + 1
	frames = s.Frames(len(samples))
	out = make([]float32, frames*s.Bands)
	window := make([]float64, s.FrameLen)
	for i := range window {
		window[i] = 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(s.FrameLen-1))
	}
	if s.FrameLen == 1 {
		window[0] = 1
	}
	buf := make([]complex128, s.NFFT)
	power := make([]float64, bins)
	for t := 0; t < frames; t++ {
		start := t * s.Hop
		clear(buf)
		for i := 0; i < s.FrameLen; i++ {
			x := sampleAt(samples, start+i)
			if s.PreEmphasis > 0 {
				x -= s.PreEmphasis * sampleAt(samples, start+i-1)
			}
			buf[i] = complex(x*window[i], 0)
		}
		FFT(buf)
		for k := range power {
			a := cmplx.Abs(buf[k])
			power[k] = a * a / float64(s.NFFT)
		}
		for b := 0; b < s.Bands; b++ {
			e := 0.0
			for k, w := range fb[b*bins : (b+1)*bins] {
				e += w * power[k]
			}
			out[t*s.Bands+b] = float32(math.Log(e + logFloor))
		}
	}
	return out, frames, nil
}

// sampleAt returns x[i], or 0 outside the signal.
func sampleAt(x []float32, i int) float64 {
	if i < 0 || i >= len(x) {
		return 0
	}
	return float64(x[i])
}

// FFT replaces x by its discrete Fourier transform X[k] = Σ_t x[t]·e^{−2πikt/n},
// in place (iterative radix-2). It panics unless len(x) is a power of
// two, which is a programmer error.
func FFT(x []complex128) {
	n := len(x)
	if n == 0 || n&(n-1) != 0 {
		panic(fmt.Sprintf("data: FFT of length %d, want a power of two", n))
	}
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j |= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := 0; k < size/2; k++ {
				a, b := x[start+k], w*x[start+k+size/2]
				x[start+k], x[start+k+size/2] = a+b, a-b
				w *= step
			}
		}
	}
}

// MFCC returns the first coeffs mel-frequency cepstral coefficients of
// each of the frames rows of a log-mel spectrogram (frames × bands,
// row-major, as LogMel returns): the orthonormal DCT-II of each frame,
//
//	c[k] = a(k)·Σ_b logmel[b]·cos(πk(2b+1)/(2·bands)),  a(0) = √(1/bands), a(k) = √(2/bands).
func MFCC(logmel []float32, frames, bands, coeffs int) ([]float32, error) {
	switch {
	case frames <= 0 || bands <= 0 || len(logmel) != frames*bands:
		return nil, fmt.Errorf("data: MFCC: %d values for %d frames of %d bands", len(logmel), frames, bands)
	case coeffs <= 0 || coeffs > bands:
		return nil, fmt.Errorf("data: MFCC: %d coefficients of %d bands, want 1 to %d", coeffs, bands, bands)
	}
	basis := make([]float64, coeffs*bands)
	for k := 0; k < coeffs; k++ {
		a := math.Sqrt(2 / float64(bands))
		if k == 0 {
			a = math.Sqrt(1 / float64(bands))
		}
		for b := 0; b < bands; b++ {
			basis[k*bands+b] = a * math.Cos(math.Pi*float64(k)*float64(2*b+1)/float64(2*bands))
		}
	}
	out := make([]float32, frames*coeffs)
	for t := 0; t < frames; t++ {
		row := logmel[t*bands : (t+1)*bands]
		for k := 0; k < coeffs; k++ {
			s := 0.0
			for b, v := range row {
				s += basis[k*bands+b] * float64(v)
			}
			out[t*coeffs+k] = float32(s)
		}
	}
	return out, nil
}

// StretchFrames resamples a sequence of frames (frames × width, row-major)
// to exactly t frames by linear interpolation in time, so that clips of
// any length give inputs of one size: output frame i is read at position
// i·(frames−1)/(t−1) of the input (the first and last frames are kept).
// A single input frame is repeated.
func StretchFrames(x []float32, frames, width, t int) ([]float32, error) {
	if frames <= 0 || width <= 0 || t <= 0 || len(x) != frames*width {
		return nil, errors.New("data: StretchFrames: inconsistent sizes")
	}
	out := make([]float32, t*width)
	for i := 0; i < t; i++ {
		pos := 0.0
		if t > 1 {
			pos = float64(i) * float64(frames-1) / float64(t-1)
		}
		i0 := min(int(pos), frames-1)
		i1 := min(i0+1, frames-1)
		f := float32(pos - float64(i0))
		for j := 0; j < width; j++ {
			out[i*width+j] = (1-f)*x[i0*width+j] + f*x[i1*width+j]
		}
	}
	return out, nil
}
