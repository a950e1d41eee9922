//go:build !(goexperiment.simd && wasm)

package engine

// The optimizer updates in plain Go; on js/wasm built with
// GOEXPERIMENT=simd, simd_wasm.go replaces them.

func sgdUpdate(w, g, v []float32, lr, mu, wd float32) { sgdUpdateGo(w, g, v, lr, mu, wd) }

func adamUpdate(w, g, m, v []float32, step, b1, b2, eps, wd float32) {
	adamUpdateGo(w, g, m, v, step, b1, b2, eps, wd)
}
