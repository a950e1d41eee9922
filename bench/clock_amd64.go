//go:build amd64

package main

import (
	"time"

	"golang.org/x/sys/cpu"
)

//go:noescape
func addChain(n int)

//go:noescape
func fmaLoop(n int)

// clockGHz times a chain of dependent integer additions, one per cycle
// (about 0.1 ms), and returns the clock it ran at in GHz.
func clockGHz() float64 {
	const n = 1 << 15
	t := time.Now()
	addChain(n)
	return 8 * n / time.Since(t).Seconds() / 1e9
}

// fmaGFLOPS times independent AVX-512 FMAs (about 0.1 ms) and returns
// their throughput in GFLOP/s, or 0 without AVX-512F.
func fmaGFLOPS() float64 {
	if !cpu.X86.HasAVX512F {
		return 0
	}
	const n = 1 << 14
	t := time.Now()
	fmaLoop(n)
	return 16 * 16 * 2 * n / time.Since(t).Seconds() / 1e9
}

// hasAVX512 reports whether the FMA peak formula with 16 lanes applies.
func hasAVX512() bool { return cpu.X86.HasAVX512F }
