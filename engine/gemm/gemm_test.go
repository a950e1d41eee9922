package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// namedImpl is an implementation under test.
type namedImpl struct {
	name string
	impl Impl
}

// smallBlocks returns a copy of cfg with tiny cache blocks, so that small
// test shapes cross every block boundary of the driver.
func smallBlocks(cfg *config) *config {
	c := *cfg
	c.name += "_tiny"
	c.mc, c.kc, c.nc = 2*c.mr, 7, 2*c.nr
	return &c
}

// testImpls returns every implementation to check against Naive.
func testImpls() []namedImpl {
	impls := []namedImpl{
		{"Simple", Simple{}},
		{"Blas32", Blas32{}},
		{"Portable", NewPortable(1)},
		{"Portable_zero", &Portable{}},
		{"Portable_3threads", NewPortable(3)},
		{"Best", Best(1)},
		{"Best_2threads", Best(2)},
	}
	for _, cfg := range portableConfigs {
		impls = append(impls,
			namedImpl{cfg.name, newPortableConfig(1, cfg)},
			namedImpl{cfg.name + "_tiny", newPortableConfig(2, smallBlocks(cfg))})
	}
	return append(impls, archImpls()...)
}

// matrix returns a rows×cols matrix with stride ld filled with values in
// [-1, 1); the padding holds a sentinel.
func matrix(r *rand.Rand, rows, cols, ld int) []float32 {
	x := make([]float32, need(rows, cols, ld))
	for i := range x {
		if i%ld < cols {
			x[i] = float32(r.Float64()*2 - 1)
		} else {
			x[i] = 12345
		}
	}
	return x
}

// testCase is one call of Sgemm.
type testCase struct {
	transA, transB bool
	m, n, k        int
	pad            int // added to every leading dimension
	alpha, beta    float32
	nanC           bool // fill C with NaN (with beta == 0)
}

func (tc testCase) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s_%dx%dx%d_pad%d_a%g_b%g_nan%v", t(tc.transA), t(tc.transB),
		tc.m, tc.n, tc.k, tc.pad, tc.alpha, tc.beta, tc.nanC)
}

// check runs tc on impl and compares with Naive. It returns a description
// of the first mismatch, or "".
func check(impl Impl, tc testCase, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := max(ac, 1)+tc.pad, max(bc, 1)+tc.pad, max(tc.n, 1)+tc.pad
	a := matrix(r, ar, ac, lda)
	b := matrix(r, br, bc, ldb)
	c := matrix(r, tc.m, tc.n, ldc)
	if tc.nanC {
		for i := range c {
			if i%ldc < tc.n {
				c[i] = float32(math.NaN())
			}
		}
	}
	want := append([]float32(nil), c...)
	Naive{}.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	// bound = |alpha|·|A|·|B| + |beta|·|C|, the scale of rounding errors.
	abs := func(x []float32) []float32 {
		y := make([]float32, len(x))
		for i, v := range x {
			y[i] = float32(math.Abs(float64(v)))
		}
		return y
	}
	bound := abs(c)
	if tc.nanC {
		clear(bound)
	}
	Naive{}.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, float32(math.Abs(float64(tc.alpha))),
		abs(a), lda, abs(b), ldb, float32(math.Abs(float64(tc.beta))), bound, ldc)
	got := append([]float32(nil), c...)
	impl.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	tol := 2e-7 * float64(tc.k+4)
	for i := range got {
		if i%ldc >= tc.n {
			if got[i] != 12345 {
				return fmt.Sprintf("padding of C at %d changed to %g", i, got[i])
			}
			continue
		}
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if !(d <= tol*float64(bound[i])+1e-30) {
			return fmt.Sprintf("C[%d,%d] = %g, want %g (bound %g)", i/ldc, i%ldc, got[i], want[i], bound[i])
		}
	}
	return ""
}

// testShapes are (m, n, k) triples: degenerate, prime, and around the
// tile sizes of every kernel.
var testShapes = [][3]int{
	{0, 0, 0}, {0, 5, 3}, {5, 0, 3}, {5, 3, 0}, {1, 1, 1}, {1, 7, 1}, {7, 1, 5}, {2, 3, 1},
	{7, 13, 17}, {31, 37, 41}, {13, 5, 64}, {4, 4, 4}, {6, 16, 8}, {12, 32, 9}, {14, 33, 10},
	{17, 65, 3}, {25, 49, 15}, {8, 48, 33}, {100, 10, 50}, {3, 100, 29}, {43, 97, 61},
}

func TestSgemm(t *testing.T) {
	for _, im := range testImpls() {
		t.Run(im.name, func(t *testing.T) {
			seed := uint64(0)
			for _, s := range testShapes {
				for tr := 0; tr < 4; tr++ {
					for _, pad := range []int{0, 3} {
						for _, alpha := range []float32{1, -0.75} {
							for _, beta := range []float32{0, 1, 0.5} {
								for _, nanC := range []bool{false, true} {
									if nanC && beta != 0 {
										continue
									}
									seed++
									tc := testCase{tr&1 != 0, tr&2 != 0, s[0], s[1], s[2], pad, alpha, beta, nanC}
									if msg := check(im.impl, tc, seed); msg != "" {
										t.Fatalf("%v: %s", tc, msg)
									}
								}
							}
						}
					}
				}
			}
		})
	}
}

func TestSgemmAlphaZero(t *testing.T) {
	for _, im := range testImpls() {
		for _, beta := range []float32{0, 1, 0.5} {
			tc := testCase{m: 9, n: 35, k: 13, pad: 2, alpha: 0, beta: beta}
			if msg := check(im.impl, tc, 1); msg != "" {
				t.Errorf("%s %v: %s", im.name, tc, msg)
			}
		}
	}
}

// TestSgemmLarge checks shapes that cross the default cache blocks.
func TestSgemmLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	shapes := [][3]int{{200, 530, 400}, {401, 70, 800}, {100, 4200, 20}}
	for _, im := range testImpls() {
		if im.name == "Simple" || im.name == "Blas32" || strings.HasSuffix(im.name, "_tiny") {
			continue
		}
		for i, s := range shapes {
			tc := testCase{i&1 != 0, i&2 == 0, s[0], s[1], s[2], 1, 1.5, 0.5, false}
			if msg := check(im.impl, tc, uint64(i)); msg != "" {
				t.Errorf("%s %v: %s", im.name, tc, msg)
			}
		}
	}
}

// TestPanics checks that inconsistent shapes panic.
func TestPanics(t *testing.T) {
	bad := []struct {
		name         string
		m, n, k      int
		lda, ldb     int
		ldc          int
		la, lb, lc   int
		transA, trnB bool
	}{
		{"negative", -1, 2, 2, 2, 2, 2, 4, 4, 4, false, false},
		{"lda", 2, 2, 3, 2, 2, 2, 6, 6, 4, false, false},
		{"ldaT", 3, 2, 2, 2, 2, 2, 6, 6, 6, true, false},
		{"shortC", 2, 2, 2, 2, 2, 2, 4, 4, 3, false, false},
		{"shortB", 2, 2, 2, 2, 2, 2, 4, 3, 4, false, true},
	}
	for _, im := range testImpls() {
		for _, tc := range bad {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s %s: no panic", im.name, tc.name)
					}
				}()
				im.impl.Sgemm(tc.transA, tc.trnB, tc.m, tc.n, tc.k, 1, make([]float32, tc.la), tc.lda,
					make([]float32, tc.lb), tc.ldb, 0, make([]float32, tc.lc), tc.ldc)
			}()
		}
	}
}

// TestDeterminism checks that results are bit-identical whatever the
// thread count.
func TestDeterminism(t *testing.T) {
	shapes := [][3]int{{100, 500, 784}, {784, 500, 100}, {300, 77, 900}, {1000, 40, 30}}
	for _, s := range shapes {
		for tr := 0; tr < 4; tr++ {
			m, n, k := s[0], s[1], s[2]
			ta, tb := tr&1 != 0, tr&2 != 0
			r := rand.New(rand.NewPCG(uint64(tr), 2))
			a := matrix(r, m, k, k) // same element count either way
			b := matrix(r, k, n, n)
			lda, ldb := k, n
			if ta {
				lda = m
			}
			if tb {
				ldb = k
			}
			c0 := matrix(r, m, n, n)
			var ref []float32
			for _, threads := range []int{1, 2, 3, 4} {
				for _, im := range []namedImpl{{"Best", Best(threads)}, {"Portable", NewPortable(threads)}} {
					c := append([]float32(nil), c0...)
					im.impl.Sgemm(ta, tb, m, n, k, 0.5, a, lda, b, ldb, 0.25, c, n)
					if im.name == "Portable" {
						continue // a different kernel: compare only Best across threads
					}
					if ref == nil {
						ref = c
						continue
					}
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(ref[i]) {
							t.Fatalf("%v tr%d threads %d: C[%d] = %g, 1 thread gave %g", s, tr, threads, i, c[i], ref[i])
						}
					}
				}
			}
		}
	}
}

// TestNoAllocs checks that steady-state calls do not allocate.
func TestNoAllocs(t *testing.T) {
	m, n, k := 100, 500, 784
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for _, im := range []namedImpl{{"Best1", Best(1)}, {"Best2", Best(2)}, {"Portable2", NewPortable(2)}} {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}} {
			lda, ldb := k, n
			if tr[0] {
				lda = m
			}
			if tr[1] {
				ldb = k
			}
			f := func() { im.impl.Sgemm(tr[0], tr[1], m, n, k, 1, a, lda, b, ldb, 0, c, n) }
			f()
			if allocs := testing.AllocsPerRun(5, f); allocs != 0 {
				t.Errorf("%s %v: %g allocations per call", im.name, tr, allocs)
			}
		}
	}
}

func FuzzSgemm(f *testing.F) {
	f.Add(uint8(7), uint8(13), uint8(17), uint8(0), uint8(0), uint8(0))
	f.Add(uint8(31), uint8(37), uint8(41), uint8(3), uint8(2), uint8(1))
	f.Add(uint8(1), uint8(1), uint8(1), uint8(1), uint8(1), uint8(5))
	f.Add(uint8(100), uint8(10), uint8(50), uint8(2), uint8(0), uint8(7))
	impls := testImpls()
	f.Fuzz(func(t *testing.T, m, n, k, trans, pad, ab uint8) {
		alphas := []float32{1, -0.75, 2, 0}
		betas := []float32{0, 1, 0.5}
		tc := testCase{trans&1 != 0, trans&2 != 0, int(m), int(n), int(k), int(pad % 8),
			alphas[ab%4], betas[(ab/4)%3], (ab/4)%3 == 0 && ab&64 != 0}
		for _, im := range impls {
			if msg := check(im.impl, tc, uint64(ab)); msg != "" {
				t.Fatalf("%s %v: %s", im.name, tc, msg)
			}
		}
	})
}

// benchShape is a product to benchmark.
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// operands returns random A and B for s, a zero C, and A's and B's
// leading dimensions for s's transposes (the same seed every call).
func (s benchShape) operands() (a, b, c []float32, lda, ldb int) {
	r := rand.New(rand.NewPCG(1, 1))
	lda, ldb = s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	return matrix(r, s.m, s.k, s.k), matrix(r, s.k, s.n, s.n), make([]float32, s.m*s.n), lda, ldb
}

// benchShapes are the products that matter for training (see the package
// brief).
var benchShapes = []benchShape{
	{"NN_100x500x784", false, false, 100, 500, 784},
	{"NN_100x500x500", false, false, 100, 500, 500},
	{"NN_100x10x500", false, false, 100, 10, 500},
	{"NT_100x500x500", false, true, 100, 500, 500},
	{"NT_100x784x500", false, true, 100, 784, 500},
	{"NT_100x500x10", false, true, 100, 500, 10},
	{"TN_784x500x100", true, false, 784, 500, 100},
	{"TN_500x500x100", true, false, 500, 500, 100},
	{"TN_500x10x100", true, false, 500, 10, 100},
	{"NN_100x39x784", false, false, 100, 39, 784},
	{"NN_100x500x39", false, false, 100, 500, 39},
	{"NN_57600x32x25", false, false, 57600, 32, 25},
	{"NN_6400x64x800", false, false, 6400, 64, 800},
	{"TN_800x64x6400", true, false, 800, 64, 6400},
	{"NT_6400x800x64", false, true, 6400, 800, 64},
	{"NN_1024x1024x1024", false, false, 1024, 1024, 1024},
}

// benchImpls returns the implementations to benchmark.
func benchImpls() []namedImpl {
	impls := []namedImpl{{"Simple", Simple{}}, {"Blas32", Blas32{}}}
	for _, cfg := range portableConfigs {
		impls = append(impls, namedImpl{"Portable_" + cfg.name, newPortableConfig(1, cfg)})
	}
	return append(impls, archBenchImpls()...)
}

func BenchmarkSgemm(b *testing.B) {
	peak := peakGFLOPS()                    // per core, from the clock; 0 when unknown
	fmaPeak := measuredPeak()               // per core, an FMA-only loop; 0 when unknown
	filter := os.Getenv("GEMM_BENCH_IMPLS") // comma-separated names, empty: all
	for _, s := range benchShapes {
		a, bm, c, lda, ldb := s.operands()
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		for _, im := range benchImpls() {
			if filter != "" && !strings.Contains(","+filter+",", ","+im.name+",") {
				continue
			}
			b.Run(s.name+"/"+im.name, func(b *testing.B) {
				best := time.Duration(math.MaxInt64)
				for b.Loop() {
					t := time.Now()
					im.impl.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
					best = min(best, time.Since(t))
				}
				gf := flops * float64(b.N) / b.Elapsed().Seconds() / 1e9
				b.ReportMetric(gf, "GFLOP/s")
				// The fastest single call: on a machine shared with other
				// jobs, the closest to an idle machine.
				b.ReportMetric(flops/best.Seconds()/1e9, "bestGFLOP/s")
				if peak > 0 && s.m == 1024 {
					b.ReportMetric(100*gf/peak, "%peak1core")
				}
				if fmaPeak > 0 && s.m == 1024 {
					b.ReportMetric(100*gf/fmaPeak, "%fmaloop1core")
				}
			})
		}
	}
}

// TestHelpersExit checks that the helper goroutines of an unreachable
// implementation exit.
func TestHelpersExit(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 10 {
		im := Best(3)
		c := make([]float32, 200*200)
		im.Sgemm(false, false, 200, 200, 200, 1, c, 200, c, 200, 0, make([]float32, 200*200), 200)
	}
	for range 100 {
		runtime.GC()
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d goroutines before, %d after", before, runtime.NumGoroutine())
}

// TestOneProc checks products split over more parts than there are
// processors, where the caller runs most parts itself.
func TestOneProc(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	im := Best(4)
	for i, s := range [][3]int{{300, 77, 900}, {100, 500, 300}} {
		tc := testCase{i == 0, i == 1, s[0], s[1], s[2], 1, 1, 0.5, false}
		if msg := check(im, tc, 5); msg != "" {
			t.Errorf("%v: %s", tc, msg)
		}
	}
}
