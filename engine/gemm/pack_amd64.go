//go:build amd64

package gemm

// copyPanel512 is copyPanel for AVX-512 CPUs (w ≤ 64), in pack_amd64.s.
//
//go:noescape
func copyPanel512(d, src *float32, ld, width, kb, w int)

// transpose8 transposes a block of up to 8 rows into a panel of width w,
// 8 columns at a time, in pack_amd64.s.
//
//go:noescape
func transpose8(d *float32, w int, src *float32, ld, rows, lanes, blocks int)

// copyPanelAVX512 is copyPanel with AVX-512 masked loads and stores.
func copyPanelAVX512(d, src []float32, ld, width, kb, w int) {
	if kb == 0 {
		return
	}
	_ = d[kb*w-1]
	_ = src[(kb-1)*ld+width-1]
	copyPanel512(&d[0], &src[0], ld, width, kb, w)
}

// gatherPanelAVX is gatherPanel with 8×8 AVX transposes.
func gatherPanelAVX(d, src []float32, ld, width, kb, w int) {
	if kb == 0 {
		return
	}
	d = d[:kb*w]
	_ = src[(width-1)*ld+kb-1]
	blocks := kb / 8
	if blocks > 0 {
		for i0 := 0; i0 < w; i0 += 8 {
			rows := max(0, min(8, width-i0))
			var s *float32
			if rows > 0 {
				s = &src[i0*ld]
			}
			transpose8(&d[i0], w, s, ld, rows, min(8, w-i0), blocks)
		}
	}
	for p := blocks * 8; p < kb; p++ {
		dp := d[p*w : p*w+w]
		for i := range width {
			dp[i] = src[i*ld+p]
		}
		clear(dp[width:])
	}
}
