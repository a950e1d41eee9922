//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package checkpoint

import (
	"os"
	"syscall"
)

// tryLock takes an exclusive advisory lock on f without waiting, and
// reports whether it got it. The lock goes with the process: a writer
// killed while writing leaves its temporary file unlocked.
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

const canLock = true
