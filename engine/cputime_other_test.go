//go:build !linux

package engine

import "time"

// threadCPU returns 0: thread CPU time is measured on Linux only.
func threadCPU() time.Duration { return 0 }
