// Package runstore keeps the experiment runner's results on disk: one
// folder per run, RESULTS/<experiment>/<hash>/, named by the SHA-256 of
// the run's canonical JSON config, and the files in it.
//
// A run is done when its summary.json is there, parses and is complete
// (the caller's Check decides what complete means for its kind of run);
// interrupted when it is not done and a checkpoint is there; pending
// otherwise. A process that writes into a run's folder holds its lock
// file (Acquire), and every file is replaced whole (WriteFileAtomic), so a
// reader never sees half a file and two processes never run one run.
//
// It imports only the standard library.
package runstore
