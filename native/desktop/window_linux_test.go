//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/predparams/predparams/engine/checkpoint"
)

// appPID returns the pid of the app started by cmd: cmd's own, or, under
// xvfb-run, that of its child named like bin.
func appPID(t *testing.T, cmd *exec.Cmd, bin string, wrapped bool) int {
	t.Helper()
	if !wrapped {
		return cmd.Process.Pid
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		for _, d := range dirs {
			stat, err := os.ReadFile(filepath.Join(d, "stat"))
			if err != nil {
				continue
			}
			// pid (comm) state ppid …
			s := string(stat)
			i := strings.LastIndexByte(s, ')')
			if i < 0 || !strings.Contains(s[:i], "("+filepath.Base(bin)) {
				continue
			}
			var ppid int
			var state string
			if _, err := fmt.Sscan(s[i+1:], &state, &ppid); err == nil && ppid == cmd.Process.Pid {
				var pid int
				fmt.Sscan(filepath.Base(d), &pid)
				return pid
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the app did not start under xvfb-run in 20 s")
	return 0
}

// TestWindowInterrupt sends SIGINT to the running app: like q, it must
// write a checkpoint, then exit with status 130.
func TestWindowInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a window for several seconds")
	}
	runner := windowRunner(t)
	bin := buildApp(t)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "config.json", strings.Replace(windowDense, `"epochs": 3`, `"epochs": 1000`, 1))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append(append([]string{}, runner...), bin, "-config", cfg, "-test-examples", "500", "-out", dir)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := appPID(t, cmd, bin, runner != nil)
	time.Sleep(3 * time.Second) // let it train and draw
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitInterrupted, stdout.String(), stderr.String())
	}
	if _, err := checkpoint.Read(filepath.Join(dir, "checkpoint.ckpt")); err != nil {
		t.Fatalf("no valid checkpoint after SIGINT: %v\nstderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "-resume") {
		t.Errorf("stderr does not say how to continue:\n%s", stderr.String())
	}
}
