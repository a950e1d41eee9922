//go:build goexperiment.simd && wasm

package engine

import "simd/archsimd"

// This file is the only one of package engine that uses simd/archsimd, an
// experimental API (GOEXPERIMENT=simd, Go 1.27): the optimizer updates in
// 128-bit wasm SIMD, four parameters at a time. Every lane does the
// operations of sgdUpdateGo and adamUpdateGo in the same order (wasm has no
// fused multiply-add; square root and division are correctly rounded in
// both), so the results are bit-identical to theirs. Every other build
// uses simd_other.go.

type f32x4 = archsimd.Float32x4

func load4(s []float32) f32x4     { return archsimd.LoadFloat32x4Array((*[4]float32)(s)) }
func splat4(x float32) f32x4      { return archsimd.BroadcastFloat32x4(x) }
func store4(s []float32, v f32x4) { v.StoreArray((*[4]float32)(s)) }

// sgdUpdate is sgdUpdateGo four parameters at a time.
func sgdUpdate(w, g, v []float32, lr, mu, wd float32) {
	g, v = g[:len(w)], v[:len(w)]
	vlr, vmu, vwd := splat4(lr), splat4(mu), splat4(wd)
	i := 0
	for ; i+4 <= len(w); i += 4 {
		wi := load4(w[i : i+4])
		vi := vmu.Mul(load4(v[i : i+4])).Sub(vlr.Mul(load4(g[i : i+4]).Add(vwd.Mul(wi))))
		store4(v[i:i+4], vi)
		store4(w[i:i+4], wi.Add(vi))
	}
	sgdUpdateGo(w[i:], g[i:], v[i:], lr, mu, wd)
}

// adamUpdate is adamUpdateGo four parameters at a time.
func adamUpdate(w, g, m, v []float32, step, b1, b2, eps, wd float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	vb1, vb2, vc1, vc2 := splat4(b1), splat4(b2), splat4(1-b1), splat4(1-b2)
	vstep, veps, vwd := splat4(step), splat4(eps), splat4(wd)
	i := 0
	for ; i+4 <= len(w); i += 4 {
		wi := load4(w[i : i+4])
		gi := load4(g[i : i+4]).Add(vwd.Mul(wi))
		mi := vb1.Mul(load4(m[i : i+4])).Add(vc1.Mul(gi))
		vi := vb2.Mul(load4(v[i : i+4])).Add(vc2.Mul(gi).Mul(gi))
		store4(m[i:i+4], mi)
		store4(v[i:i+4], vi)
		store4(w[i:i+4], wi.Sub(vstep.Mul(mi).Div(vi.Sqrt().Add(veps))))
	}
	adamUpdateGo(w[i:], g[i:], m[i:], v[i:], step, b1, b2, eps, wd)
}
