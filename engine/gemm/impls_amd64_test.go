//go:build amd64

package gemm

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
