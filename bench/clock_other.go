//go:build !amd64

package main

// clockGHz returns 0: the clock is measured on amd64 only.
func clockGHz() float64 { return 0 }

// fmaGFLOPS returns 0: the FMA peak is measured on amd64 only.
func fmaGFLOPS() float64 { return 0 }

// hasAVX512 reports false off amd64.
func hasAVX512() bool { return false }
