package fsdd

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

func TestMelScale(t *testing.T) {
	tests := []struct{ hz, mel float64 }{
		{0, 0},
		{700, 2595 * math.Log10(2)}, // 781.17…
		{1000, 999.98553},           // the HTK scale is close to 1000 mel at 1 kHz
		{4000, 2146.06452},
	}
	for _, tt := range tests {
		if got := HzToMel(tt.hz); math.Abs(got-tt.mel) > 1e-4 {
			t.Errorf("HzToMel(%v) = %.5f, want %.5f", tt.hz, got, tt.mel)
		}
		if got := MelToHz(tt.mel); math.Abs(got-tt.hz) > 1e-3 {
			t.Errorf("MelToHz(%v) = %.5f, want %.5f", tt.mel, got, tt.hz)
		}
	}
}

func TestFFT(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 8, 256} {
		x := make([]complex128, n)
		for i := range x {
			x[i] = complex(r.NormFloat64(), r.NormFloat64())
		}
		want := make([]complex128, n)
		for k := range want {
			for j, v := range x {
				want[k] += v * cmplx.Exp(complex(0, -2*math.Pi*float64(k*j)/float64(n)))
			}
		}
		got := append([]complex128(nil), x...)
		FFT(got)
		for k := range got {
			if cmplx.Abs(got[k]-want[k]) > 1e-9*float64(n) {
				t.Fatalf("n=%d: X[%d] = %v, naive DFT %v", n, k, got[k], want[k])
			}
		}
	}
	impulse := make([]complex128, 16)
	impulse[0] = 1
	FFT(impulse)
	for k, v := range impulse {
		if v != 1 {
			t.Fatalf("FFT of an impulse: X[%d] = %v, want 1", k, v)
		}
	}
}

func TestMelSpecValidate(t *testing.T) {
	good := DefaultMelSpec()
	tests := []struct {
		name string
		edit func(*MelSpec)
		ok   bool
	}{
		{"fsdd", func(*MelSpec) {}, true},
		{"zero rate", func(s *MelSpec) { s.Rate = 0 }, false},
		{"nfft not a power of two", func(s *MelSpec) { s.NFFT = 300 }, false},
		{"nfft below frame", func(s *MelSpec) { s.NFFT = 128 }, false},
		{"no bands", func(s *MelSpec) { s.Bands = 0 }, false},
		{"fmax above nyquist", func(s *MelSpec) { s.FMax = 5000 }, false},
		{"pre-emphasis 1", func(s *MelSpec) { s.PreEmphasis = 1 }, false},
	}
	for _, tt := range tests {
		s := good
		tt.edit(&s)
		if err := s.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestFilterbank(t *testing.T) {
	s := DefaultMelSpec()
	fb, err := s.Filterbank()
	if err != nil {
		t.Fatal(err)
	}
	bins := s.NFFT/2 + 1
	for b := 0; b < s.Bands; b++ {
		peak, sum := 0.0, 0.0
		for _, w := range fb[b*bins : (b+1)*bins] {
			peak = max(peak, w)
			sum += w
			if w < 0 || w > 1 {
				t.Fatalf("band %d has weight %v outside [0, 1]", b, w)
			}
		}
		if sum == 0 || peak < 0.3 {
			t.Errorf("band %d: peak %.3f, sum %.3f: the filter barely sees any bin", b, peak, sum)
		}
	}
}

// TestLogMelSine checks that a pure tone puts its energy in the band whose
// centre frequency is nearest to it, and that silence gives ln(1e-10).
func TestLogMelSine(t *testing.T) {
	s := DefaultMelSpec()
	s.PreEmphasis = 0
	lo, hi := HzToMel(0), HzToMel(4000)
	centre := func(b int) float64 { return MelToHz(lo + (hi-lo)*float64(b+1)/float64(s.Bands+1)) }
	for _, hz := range []float64{300, 1000, 2500} {
		x := make([]float32, 800)
		for i := range x {
			x[i] = float32(0.5 * math.Sin(2*math.Pi*hz*float64(i)/8000))
		}
		lm, frames, err := s.LogMel(x)
		if err != nil {
			t.Fatal(err)
		}
		if frames != 1+(800-200)/80 || len(lm) != frames*s.Bands {
			t.Fatalf("%v Hz: %d frames, %d values", hz, frames, len(lm))
		}
		best := 0
		for b := range s.Bands {
			if lm[b] > lm[best] {
				best = b
			}
		}
		nearest := 0
		for b := range s.Bands {
			if math.Abs(centre(b)-hz) < math.Abs(centre(nearest)-hz) {
				nearest = b
			}
		}
		if best != nearest {
			t.Errorf("%v Hz: loudest band %d (centre %.0f Hz), want %d (centre %.0f Hz)", hz, best, centre(best), nearest, centre(nearest))
		}
	}
	lm, frames, err := s.LogMel(make([]float32, 100))
	if err != nil || frames != 1 {
		t.Fatalf("short silence: %d frames, %v", frames, err)
	}
	for _, v := range lm {
		if math.Abs(float64(v)-math.Log(logFloor)) > 1e-5 {
			t.Fatalf("silence gives %v, want ln(1e-10)", v)
		}
	}
}

func TestMFCC(t *testing.T) {
	tests := []struct {
		name          string
		logmel        []float32
		frames, bands int
		coeffs        int
		want          []float32
	}{
		{"constant frame: only c0", []float32{2, 2, 2, 2}, 1, 4, 3, []float32{4, 0, 0}},
		{"two bands", []float32{1, 3, 5, 5}, 2, 2, 2,
			[]float32{4 / math.Sqrt2, -2 / math.Sqrt2, 10 / math.Sqrt2, 0}},
	}
	for _, tt := range tests {
		got, err := MFCC(tt.logmel, tt.frames, tt.bands, tt.coeffs)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for i := range tt.want {
			if math.Abs(float64(got[i]-tt.want[i])) > 1e-5 {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
				break
			}
		}
	}
	if _, err := MFCC([]float32{1, 2}, 1, 2, 3); err == nil {
		t.Error("MFCC with more coefficients than bands: no error")
	}
}

func TestStretchFrames(t *testing.T) {
	tests := []struct {
		name          string
		x             []float32
		frames, width int
		t             int
		want          []float32
	}{
		{"upsample", []float32{0, 10, 1, 11, 2, 12}, 3, 2, 5, []float32{0, 10, 0.5, 10.5, 1, 11, 1.5, 11.5, 2, 12}},
		{"downsample", []float32{0, 1, 2, 3, 4}, 5, 1, 3, []float32{0, 2, 4}},
		{"one frame", []float32{7, 8}, 1, 2, 3, []float32{7, 8, 7, 8, 7, 8}},
	}
	for _, tt := range tests {
		got, err := StretchFrames(tt.x, tt.frames, tt.width, tt.t)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for i := range tt.want {
			if math.Abs(float64(got[i]-tt.want[i])) > 1e-6 {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
				break
			}
		}
	}
	if _, err := StretchFrames([]float32{1}, 2, 1, 3); err == nil {
		t.Error("StretchFrames with inconsistent sizes: no error")
	}
}
