#!/usr/bin/env bash
# build.sh builds the project's faces and runs its tests.
#
#   ./build.sh          build static/ (the browser page) and the native binaries into bin/
#   ./build.sh serve    build, then serve static/ on localhost
#   ./build.sh test     every test: vet, native, js/wasm (Node), browser (Chromium), desktop (Xvfb), Slurm
set -euo pipefail
cd "$(dirname "$0")"

GOROOT_WASM="$(go env GOROOT)/lib/wasm"

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
	echo "== go vet (native, js/wasm)"
	go vet ./...
	GOOS=js GOARCH=wasm go vet ./engine/... ./kernels/... ./models/... ./wasm/...
	echo "== build (native with CGO_ENABLED=0, js/wasm)"
	CGO_ENABLED=0 go build ./...
	GOOS=js GOARCH=wasm go build ./engine/... ./kernels/... ./models/... ./wasm/...
	echo "== native tests"
	go test ./...
	echo "== js/wasm tests under Node"
	PATH="$GOROOT_WASM:$PATH" GOOS=js GOARCH=wasm go test ./engine/... ./kernels/... ./models/...
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
