package main

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/predparams/predparams/native/reproduce/runstore"
)

// execRun runs one command that expand printed, from the module root,
// and records it in its run folder as run does (the code's commit, the
// wall time, one more session), so that runs made by Slurm, GNU
// parallel or a Job count in the tuned grid like local ones. A tree with
// uncommitted code is recorded as "-dirty" (expand refused it for full
// runs; the code may have changed while the lines waited in a queue),
// and the report refuses such runs in the tuned grid. Its exit status is
// the command's (130 when a signal ended it); an interrupt is passed on
// to the command, which writes its checkpoint.
func (e *environment) execRun(o *options) (int, error) {
	if o.outDir == "" || len(o.command) == 0 {
		return exitBadInput, errors.New("exec: want -out RUN-DIR -- COMMAND [ARGS...] (a line of expand)")
	}
	if ok, _ := runstore.Exists(filepath.Join(o.outDir, runstore.ConfigFile)); !ok {
		return exitBadInput, fmt.Errorf("exec: %s is not a run folder (no %s): run the commands that expand prints", o.outDir, runstore.ConfigFile)
	}
	root, err := e.moduleRoot()
	if err != nil {
		return exitBadInput, err
	}
	commit, _ := codeState(root)
	c := exec.Command(o.command[0], o.command[1:]...)
	c.Dir, c.Stdout, c.Stderr = root, e.stdout, e.stderr
	start := time.Now()
	if err := c.Start(); err != nil {
		return exitFailure, fmt.Errorf("exec: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	var werr error
	for waiting := true; waiting; {
		select {
		case sig := <-e.interrupt:
			c.Process.Signal(sig)
		case werr = <-done:
			waiting = false
		}
	}
	if err := runstore.AddSession(o.outDir, commit, sourceDigest(root), time.Since(start).Seconds()); err != nil {
		return exitFailure, fmt.Errorf("exec: %v", err)
	}
	var exit *exec.ExitError
	switch {
	case errors.As(werr, &exit) && exit.ExitCode() < 0:
		return exitInterrupted, fmt.Errorf("exec: %v", werr) // ended by a signal
	case errors.As(werr, &exit):
		return exit.ExitCode(), nil
	case werr != nil:
		return exitFailure, fmt.Errorf("exec: %v", werr)
	}
	return exitOK, nil
}

// execPrefix returns the command that records a run made from an
// expanded line: the prefix of every line expand prints.
func execPrefix(dir string) string {
	return fmt.Sprintf("go run ./native/reproduce exec -out %s -- ", dir)
}
