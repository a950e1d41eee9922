#!/usr/bin/env bash
# build.sh builds the project's faces and runs its tests.
#
#   ./build.sh          build static/ (the browser page) and the native binaries into bin/
#   ./build.sh serve    build, then serve static/ on localhost
#   ./build.sh test     every test: vet, native, js/wasm (Node), browser (Chromium), desktop (Xvfb), Slurm
#
# The wasm parts use Go $WASM_TOOLCHAIN (below), fetched by the go command.
set -euo pipefail
cd "$(dirname "$0")"

# The worker's wasm is built with a newer Go than the machine's: Go 1.27's
# simd/archsimd (GOEXPERIMENT=simd) gives it WebAssembly SIMD kernels
# (engine/gemm). The go command fetches that toolchain through the module
# proxy on first use; every native build keeps the machine's Go. Keep
# WASM_TOOLCHAIN equal to wasm/site.WasmToolchain (a test checks).
WASM_TOOLCHAIN=go1.27.3

# wasm_go runs the go command for js/wasm with WASM_TOOLCHAIN and SIMD,
# with that toolchain's go_js_wasm_exec on PATH, so tests run under Node.
wasm_go() {
	local goroot
	goroot="$(GOTOOLCHAIN=$WASM_TOOLCHAIN go env GOROOT)"
	PATH="$goroot/lib/wasm:$PATH" GOTOOLCHAIN=$WASM_TOOLCHAIN GOEXPERIMENT=simd \
		GOOS=js GOARCH=wasm go "$@"
}

build_native() {
	mkdir -p bin
	CGO_ENABLED=0 go build -o bin/headless ./native/headless
}

# build_static builds the browser page into static/: main.wasm, wasm_exec.js,
# the MNIST subset under static/data/ and gzip twins (all git-ignored).
build_static() {
	go run ./wasm/cmd/mksite -out static
}

# serve builds static/ and serves it on localhost (ADDR overrides the address).
serve() {
	build_static
	go run ./native/serve -dir static -addr "${ADDR:-localhost:8080}"
}

run_tests() {
	echo "== go vet (native; js/wasm with $WASM_TOOLCHAIN and SIMD)"
	go vet ./...
	wasm_go vet ./engine/... ./kernels/... ./models/... ./wasm/...
	echo "== build (native with CGO_ENABLED=0; js/wasm with the machine's Go, without SIMD)"
	CGO_ENABLED=0 go build ./...
	GOOS=js GOARCH=wasm go build ./engine/... ./kernels/... ./models/... ./wasm/...
	echo "== native tests"
	go test ./...
	echo "== js/wasm tests under Node ($WASM_TOOLCHAIN, SIMD kernels and the pure-Go ones)"
	wasm_go test ./engine/... ./kernels/... ./models/...
	echo "== the quick variant of every experiment, end to end, and its report"
	local q
	q=$(mktemp -d /tmp/predparams-quick.XXXXXX)
	go run ./native/reproduce run -quick -jobs 2 -results "$q/results" all 2> "$q/log" || { tail -20 "$q/log"; rm -rf "$q"; return 1; }
	tail -1 "$q/log"
	go run ./native/reproduce report -quick -results "$q/results" -out "$q/report"
	rm -rf "$q"
	echo "== the quick grid as a Slurm array job (native/reproduce/slurm/test.sh)"
	bash native/reproduce/slurm/test.sh
}

case "${1:-build}" in
build)
	build_static
	build_native
	;;
serve) serve ;;
test) run_tests ;;
*)
	echo "usage: ./build.sh [build|serve|test]" >&2
	exit 2
	;;
esac
