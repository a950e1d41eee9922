//go:build unix

package runstore

import (
	"errors"
	"syscall"
)

// processAlive reports whether process pid exists: signal 0 checks
// without sending anything, and EPERM means it exists under another user.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// processAliveMeaningful says whether processAlive can tell.
const processAliveMeaningful = true
