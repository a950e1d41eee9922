package runstore

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// locker returns a Locker for a fake process pid on host, for which the
// processes in alive run.
func locker(pid int, host string, alive ...int) *Locker {
	return &Locker{PID: pid, Host: host, Grace: time.Minute, Alive: func(p int) bool {
		for _, a := range alive {
			if a == p {
				return true
			}
		}
		return false
	}}
}

func TestLock(t *testing.T) {
	tests := []struct {
		name string
		// lock is the lock file's content before Acquire ("" for none);
		// age its age.
		lock string
		age  time.Duration
		// me is the acquiring process (pid 10 on host "h", pids 10 and
		// 20 alive on "h").
		wantHeld bool
		heldMsg  string
	}{
		{"free", "", 0, false, ""},
		{"held by a live process here", `{"pid":20,"host":"h"}`, 0, true, "held by process 20 on h"},
		{"held by this process (another session of it)", `{"pid":10,"host":"h"}`, 0, true, "held by process 10 on h"},
		{"stale: its process is gone", `{"pid":30,"host":"h"}`, 0, false, ""},
		{"another host: never stale here", `{"pid":30,"host":"elsewhere"}`, 0, true, "held by process 30 on elsewhere"},
		{"being written (no name yet)", ``, -1, true, "has not written its name yet"},
		{"no name for longer than the grace period", `garbage`, 2 * time.Minute, false, ""},
		{"a name without a pid", `{"host":"h"}`, 0, true, "has not written its name yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			path := filepath.Join(dir, LockFile)
			if tt.lock != "" || tt.age < 0 {
				write(t, dir, map[string]string{LockFile: tt.lock})
				if tt.age > 0 {
					old := time.Now().Add(-tt.age)
					os.Chtimes(path, old, old)
				}
			}
			before, _ := os.ReadFile(path)
			l, err := locker(10, "h", 10, 20).Acquire(dir)
			var held *LockedError
			if tt.wantHeld {
				if !errors.As(err, &held) || !strings.Contains(err.Error(), tt.heldMsg) {
					t.Fatalf("Acquire = %v, %v; want held, %q", l, err, tt.heldMsg)
				}
				if after, _ := os.ReadFile(path); string(after) != string(before) {
					t.Errorf("a held lock was changed: %q → %q", before, after)
				}
				return
			}
			if err != nil {
				t.Fatalf("Acquire: %v", err)
			}
			if b, _ := os.ReadFile(path); strings.TrimSpace(string(b)) != `{"pid":10,"host":"h"}` {
				t.Errorf("lock file holds %q", b)
			}
			if _, err := locker(20, "h", 10, 20).Acquire(dir); !errors.As(err, &held) || held.PID != 10 {
				t.Errorf("second Acquire: %v, want held by 10", err)
			}
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
			if ok, _ := Exists(path); ok {
				t.Errorf("lock file left after Release")
			}
			if _, err := os.Stat(path + ".takeover"); err == nil {
				t.Errorf("takeover guard left behind")
			}
			l2, err := locker(20, "h", 10, 20).Acquire(dir)
			if err != nil {
				t.Fatalf("Acquire after Release: %v", err)
			}
			l2.Release()
		})
	}
}

func TestReleaseNotOurs(t *testing.T) {
	dir := t.TempDir()
	l, err := locker(10, "h").Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Someone judged us dead and took over: Release must leave theirs.
	write(t, dir, map[string]string{LockFile: `{"pid":20,"host":"h"}`})
	if err := l.Release(); err == nil {
		t.Errorf("Release removed another process's lock")
	}
	if ok, _ := Exists(filepath.Join(dir, LockFile)); !ok {
		t.Errorf("the other lock is gone")
	}
}

// TestLockContention has many lockers, all alive, race for one lock:
// exactly one wins. Then, with the winner dead, they race to take over
// its stale lock: again exactly one wins. (A dead process does not race.)
func TestLockContention(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	pids := make([]int, n)
	for i := range pids {
		pids[i] = 100 + i
	}
	race := func(pids []int, alive func(int) bool) (winners []int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, pid := range pids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lk := &Locker{PID: pid, Host: "h", Grace: time.Minute, Alive: alive}
				_, err := lk.Acquire(dir)
				var held *LockedError
				switch {
				case err == nil:
					mu.Lock()
					winners = append(winners, pid)
					mu.Unlock()
				case !errors.As(err, &held):
					t.Errorf("pid %d: %v", pid, err)
				}
			}()
		}
		wg.Wait()
		return winners
	}
	w := race(pids, func(int) bool { return true })
	if len(w) != 1 {
		t.Fatalf("winners %v, want one", w)
	}
	dead := w[0]
	var living []int
	for _, p := range pids {
		if p != dead {
			living = append(living, p)
		}
	}
	w = race(living, func(p int) bool { return p != dead })
	if len(w) > 1 {
		t.Fatalf("after %d died, winners %v, want at most one", dead, w)
	}
	// Whoever won holds it now; if the takeover race left none (all
	// met the guard), a retry wins.
	if len(w) == 0 {
		w = race(living, func(p int) bool { return p != dead })
		if len(w) != 1 {
			t.Fatalf("retry winners %v, want one", w)
		}
	}
}

// TestProcessAlive checks the real liveness test on this system: this
// process is alive, a finished child is not.
func TestProcessAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Errorf("this process counts as dead")
	}
	c := exec.Command(os.Args[0], "-test.run=^$")
	if err := c.Run(); err != nil {
		t.Skipf("cannot run a child: %v", err)
	}
	if processAlive(c.Process.Pid) && processAliveMeaningful {
		t.Errorf("finished child %d counts as alive", c.Process.Pid)
	}
	lk := NewLocker()
	if lk.PID != os.Getpid() || lk.Host == "" {
		t.Errorf("NewLocker = %+v", lk)
	}
}
