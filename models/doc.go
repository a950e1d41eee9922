// Package models describes networks as plain config structs (JSON), builds
// them on the engine, including the paper's predicted-parameter layers, and
// drives a training Run that every face (headless CLI, browser worker,
// desktop app) shares.
//
// models imports engine, kernels and the engine's subpackages; it must not
// import a face (wasm, native) or a GUI library.
package models
