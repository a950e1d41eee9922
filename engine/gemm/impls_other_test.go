//go:build !amd64 && !(goexperiment.simd && wasm)

package gemm

// archImpls returns the target-specific implementations under test.
func archImpls() []namedImpl { return nil }

// archBenchImpls returns the target-specific implementations to benchmark.
func archBenchImpls() []namedImpl {
	return []namedImpl{{"Best1", Best(1)}}
}

// archConfigs returns the configurations of this target besides the
// portable ones.
func archConfigs() []*config { return nil }

// peakGFLOPS returns 0: the FMA peak is known on amd64 only.
func peakGFLOPS() float64 { return 0 }

// measuredPeak returns 0: the FMA loop exists on amd64 only.
func measuredPeak() float64 { return 0 }

// archDefault returns the default configuration family of this target.
func archDefault() []*config { return portableDefault }
