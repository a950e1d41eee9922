//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package checkpoint

import "os"

// tryLock reports false: without advisory locks a temporary file of a
// writer that died cannot be told from one being written, so stale
// temporaries are left alone.
func tryLock(f *os.File) bool { return false }

const canLock = false
