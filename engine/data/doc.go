// Package data holds datasets in memory (Dataset) and the readers that fill them:
// MNIST idx files (plain or gzip, located in the versioned Go module and md5-checked),
// RIFF/WAVE PCM audio, and the Free Spoken Digit Dataset clips.
// It must not import any other package of this module.
package data
