package gemm

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time used so far by the calling OS thread, to
// time benchmarks on a machine shared with other jobs. The caller must be
// locked to its thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
