// Package deps holds no code, only a test: deps_test.go states which packages
// of this module may import which (the "may import" column of docs/DESIGN.md's
// layout table) and fails when the code, or DESIGN.md, departs from it, as
// go/build's deps_test.go does for the standard library.
// It imports nothing.
package deps
