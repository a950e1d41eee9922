//go:build amd64

package gemm

import (
	"math/rand/v2"
	"testing"
)

// archImpls returns the amd64 implementations under test: every assembly
// configuration the CPU supports, with default and tiny blocks.
func archImpls() []namedImpl {
	impls := []namedImpl{{"Asm_zero", &Asm{}}}
	for _, cfg := range asmConfigs {
		if !supported(cfg) {
			continue
		}
		impls = append(impls,
			namedImpl{cfg.name, newAsmConfig(1, cfg)},
			namedImpl{cfg.name + "_2threads", newAsmConfig(2, cfg)},
			namedImpl{cfg.name + "_tiny", newAsmConfig(2, smallBlocks(cfg))})
	}
	return impls
}

// archBenchImpls returns the amd64 implementations to benchmark.
func archBenchImpls() []namedImpl {
	impls := []namedImpl{{"Best1", Best(1)}, {"Best2", Best(2)}}
	for _, cfg := range asmConfigs {
		if supported(cfg) {
			impls = append(impls, namedImpl{cfg.name, newAsmConfig(1, cfg)})
		}
	}
	return impls
}

// TestPackAsm compares the assembly packing routines with the Go ones.
func TestPackAsm(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, w := range []int{1, 6, 8, 12, 14, 16, 17, 32, 48, 64} {
		for width := 1; width <= w; width++ {
			for _, kb := range []int{1, 7, 8, 9, 16, 35} {
				ld := max(w, kb) + 3
				src := make([]float32, (max(w, kb)-1)*ld+max(w, kb))
				for i := range src {
					src[i] = r.Float32()
				}
				type packer struct {
					name     string
					f, ref   func(d, src []float32, ld, width, kb, w int)
					srcWidth int
				}
				ps := []packer{{"gatherAVX", gatherPanelAVX, gatherPanel, width}}
				if hasAVX512 {
					ps = append(ps, packer{"copyAVX512", copyPanelAVX512, copyPanel, width})
				}
				for _, p := range ps {
					want := make([]float32, kb*w+5)
					got := make([]float32, kb*w+5)
					for i := range want {
						want[i], got[i] = -1, -1
					}
					p.ref(want, src, ld, width, kb, w)
					p.f(got, src, ld, width, kb, w)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("%s w=%d width=%d kb=%d: d[%d] = %g, want %g", p.name, w, width, kb, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// archConfigs returns the configurations of this target besides the
// portable ones.
func archConfigs() []*config { return asmConfigs }

// archDefault returns the default configuration family of this target.
func archDefault() []*config { return asmDefault() }
