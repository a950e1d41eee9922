package runstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// The lock convention, for every process that writes into a run's folder
// (the runner, and any trainer started by an external scheduler that
// wants to honour it): create RUN/lock with O_CREATE|O_EXCL, write
// {"pid": PID, "host": HOSTNAME} into it, do the work, remove it. A lock
// whose host is this host and whose process is gone is stale and may be
// taken over; a lock from another host is never judged stale here.

// lockInfo is a lock file's content.
type lockInfo struct {
	PID  int    `json:"pid"`
	Host string `json:"host"`
}

// A LockedError says that another process holds a run's lock.
type LockedError struct {
	Path string
	PID  int
	Host string
}

func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("%s is held by a process that has not written its name yet", e.Path)
	}
	return fmt.Sprintf("%s is held by process %d on %s (delete the file if that process is gone)", e.Path, e.PID, e.Host)
}

// A Lock is a held run lock.
type Lock struct {
	path string
	info lockInfo
}

// Locker takes run locks for one process. Its fields say who the process
// is and how to tell whether another is alive; NewLocker fills them for
// the calling process.
type Locker struct {
	PID  int
	Host string
	// Alive reports whether process pid of this host runs. It may
	// return true when it cannot tell; such locks are then never stale.
	Alive func(pid int) bool
	// Grace is how old a lock file without a readable name must be
	// before it counts as stale (its writer died between creating and
	// writing it).
	Grace time.Duration
}

// NewLocker returns the Locker of the calling process.
func NewLocker() *Locker {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return &Locker{PID: os.Getpid(), Host: host, Alive: processAlive, Grace: time.Minute}
}

// Acquire takes the lock of the run folder dir, creating dir if needed.
// When a live process holds it, the error is a *LockedError; a stale
// lock (see the package doc) is taken over.
func (lk *Locker) Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LockFile)
	me := lockInfo{PID: lk.PID, Host: lk.Host}
	for attempt := 0; ; attempt++ {
		err := create(path, me)
		if err == nil {
			return &Lock{path: path, info: me}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		held, stale, err := lk.inspect(path)
		if err != nil {
			return nil, err
		}
		if !stale || attempt > 0 {
			return nil, held
		}
		if err := lk.takeOver(path, held); err != nil {
			return nil, err
		}
	}
}

// create makes the lock file with O_EXCL and writes info into it.
func create(path string, info lockInfo) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(info)
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// inspect reads the lock at path and says whether it is stale. A lock
// that vanished meanwhile is stale (there is nothing to take over).
func (lk *Locker) inspect(path string) (*LockedError, bool, error) {
	held := &LockedError{Path: path}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return held, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	var info lockInfo
	if json.Unmarshal(b, &info) != nil || info.PID <= 0 {
		st, err := os.Stat(path)
		return held, err == nil && time.Since(st.ModTime()) > lk.Grace, nil
	}
	held.PID, held.Host = info.PID, info.Host
	return held, info.Host == lk.Host && !lk.Alive(info.PID), nil
}

// takeOver removes the stale lock at path. Two processes may find the
// same stale lock: a guard file taken with O_EXCL lets one of them
// re-check and remove it, so that neither removes a lock the other has
// just created.
func (lk *Locker) takeOver(path string, stale *LockedError) error {
	guard := path + ".takeover"
	if err := create(guard, lockInfo{PID: lk.PID, Host: lk.Host}); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process is taking over (or died doing so:
			// the guard is then older than the grace period).
			if st, serr := os.Stat(guard); serr == nil && time.Since(st.ModTime()) > lk.Grace {
				os.Remove(guard)
			}
			return nil
		}
		return err
	}
	defer os.Remove(guard)
	now, isStale, err := lk.inspect(path)
	if err != nil {
		return err
	}
	if isStale && now.PID == stale.PID && now.Host == stale.Host {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Release removes the lock file if it is still this lock's.
func (l *Lock) Release() error {
	b, err := os.ReadFile(l.path)
	if err != nil {
		return err
	}
	var info lockInfo
	if json.Unmarshal(b, &info) != nil || info != l.info {
		return fmt.Errorf("%s: the lock is no longer ours", l.path)
	}
	return os.Remove(l.path)
}
