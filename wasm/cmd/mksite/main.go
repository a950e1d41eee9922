// Command mksite builds the browser demonstrator into a folder (static/ by
// default): the worker's wasm binary, wasm_exec.js, the MNIST subset and
// gzip twins for the server, and prints what a first visit transfers.
//
//	go run ./wasm/cmd/mksite [-out static]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/predparams/predparams/wasm/site"
)

func main() {
	out := flag.String("out", "static", "`DIR` to build into (the page's files are read from the module's static/)")
	levels := flag.Int("levels", site.DefaultLevels, "grey `LEVELS` kept in the data subset (2 to 256)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "mksite: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	err := site.Build(context.Background(), site.Options{Out: *out, Levels: *levels, Log: os.Stderr})
	if err != nil {
		fmt.Fprintf(os.Stderr, "mksite: %v\n", err)
		os.Exit(1)
	}
	files, total, err := site.FirstVisit(*out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mksite: %v\n", err)
		os.Exit(1)
	}
	for _, f := range files {
		fmt.Printf("%10d  %s\n", f.Wire, f.Name)
	}
	fmt.Printf("%10d  bytes for a first visit (%.2f MB, compressed as served)\n", total, float64(total)/1e6)
}
