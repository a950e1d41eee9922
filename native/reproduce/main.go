// Command reproduce runs the experiments that reproduce "Predicting
// Parameters in Deep Learning" and answer its reviewers, and writes
// docs/RESULTS.md from their results.
//
//	go run ./native/reproduce list                      the experiments and their runs
//	go run ./native/reproduce run [-quick] [-jobs N] EXPERIMENT|all
//	go run ./native/reproduce expand [-quick] EXPERIMENT|all   one command per pending run
//	go run ./native/reproduce report [-quick] [-force] [-results DIR]…
//	go run ./native/reproduce computebench|communicationbench -job FILE -out DIR   one measurement run
//
// Every run is one child process on one thread, -jobs at a time. A run's
// results live in RESULTS/<experiment>/<hash of its config>/, so a
// finished run is never recomputed; Ctrl-C makes the running trainers
// write checkpoints, and the same command resumes them. Each run is
// locked while it runs, so two sessions on one folder share the work.
// Bad input is one line on stderr and exit status 2; an interrupted run
// exits with 130.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/predparams/predparams/engine/data/photo"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	env := &environment{
		stdout: os.Stdout, stderr: os.Stderr, interrupt: sig,
		terminal: term.IsTerminal(int(os.Stderr.Fd())),
		getenv:   os.Getenv,
		// The default of -wallpapers: where Debian installs them.
		wallpapers: photo.DebianDir,
	}
	os.Exit(env.main(os.Args[1:]))
}
