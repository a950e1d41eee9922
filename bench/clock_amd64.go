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

// clockGHz measures the core clock: the best of several runs of a chain
// of dependent integer additions, one per cycle.
func clockGHz() float64 {
	const n = 1 << 22
	best := 0.0
	for range 7 {
		t := time.Now()
		addChain(n)
		best = max(best, 8*n/time.Since(t).Seconds()/1e9)
	}
	return best
}

// fmaGFLOPS measures the AVX-512 FMA throughput of one core in GFLOP/s
// (best of several runs), or returns 0 without AVX-512F.
func fmaGFLOPS() float64 {
	if !cpu.X86.HasAVX512F {
		return 0
	}
	const n = 1 << 20
	best := 0.0
	for range 7 {
		t := time.Now()
		fmaLoop(n)
		best = max(best, 16*16*2*n/time.Since(t).Seconds()/1e9)
	}
	return best
}

// hasAVX512 reports whether the FMA peak formula with 16 lanes applies.
func hasAVX512() bool { return cpu.X86.HasAVX512F }
