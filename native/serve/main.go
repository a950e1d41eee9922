// Command serve serves the browser demonstrator built by ./build.sh on
// localhost and prints its address: precompressed gzip twins with
// Content-Encoding gzip, .wasm as application/wasm.
//
//	go run ./native/serve [-dir static] [-addr localhost:8080]
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/predparams/predparams/wasm/site"
)

func main() {
	dir := flag.String("dir", "static", "`DIR` holding the built site")
	addr := flag.String("addr", "localhost:8080", "`HOST:PORT` to listen on (port 0 picks a free one)")
	flag.Parse()
	if err := run(*dir, *addr); err != nil {
		fmt.Fprintf(os.Stderr, "serve: %v\n", err)
		os.Exit(2)
	}
}

func run(dir, addr string) error {
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", flag.Arg(0))
	}
	if _, err := os.Stat(filepath.Join(dir, "main.wasm")); err != nil {
		return errors.New(dir + "/main.wasm is missing: run ./build.sh first")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("serving %s at http://%s/ (Ctrl-C stops)\n", dir, ln.Addr())
	return http.Serve(ln, site.Handler(dir))
}
