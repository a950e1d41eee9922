package gemm

// This file holds the blocked, packed driver shared by the assembly and the
// pure-Go implementations (GotoBLAS/BLIS loop order):
//
//	for jc: columns of C in blocks of nc
//	  for pc: the reduction in blocks of kc      pack op(B)[pc:, jc:] → pb
//	    for ic: rows of C in blocks of mc         pack op(A)[ic:, pc:] → pa
//	      for jr, ir: mr×nr tiles                 micro-kernel
//
// Packing folds the transposes away: a micro-panel of A holds mr rows of
// op(A) column by column (pa[p*mr+i]) and a micro-panel of B holds nr columns
// of op(B) row by row (pb[p*nr+j]), both zero-padded at the edges.

// microKernel computes an mr×nr tile: with acc = Σ_p a[p*mr+i]·b[p*nr+j]
// over p < kc, it stores C[i*ldc+j] = alpha·acc + beta·C[i*ldc+j] for
// i < rows and j < cols only. mode is 0 when beta == 0 (C is not read),
// 1 when beta == 1 and 2 otherwise.
type microKernel func(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols, mode int)

// config is a micro-kernel with its tile and cache blocking.
type config struct {
	name   string
	mr, nr int
	mc     int // rows of op(A) packed at once, a multiple of mr
	kc     int // largest reduction block; blocks are balanced below it
	nc     int // columns of op(B) packed at once, a multiple of nr
	kern   microKernel
	cost   float64 // relative time per padded element of C (1 for the best tiles)
	// aInner runs the A micro-panels in the inner loop (a B micro-panel
	// stays in L1); otherwise an A micro-panel stays in L1 while the B
	// micro-panels stream from L2 (BLIS order for a row-major C).
	aInner bool
	// copy and gather, when set, replace copyPanel and gatherPanel.
	copy, gather func(d, src []float32, ld, width, kb, w int)
}

// scratch holds one goroutine's packing buffers; they grow once and are
// reused on every later call.
type scratch struct {
	pa, pb []float32
}

// grow returns s[:n], reallocating only when the capacity is too small.
// Buffers are 64-byte aligned in practice by the Go allocator for large
// sizes; the kernels use unaligned loads and do not depend on it.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// kcFor returns the reduction block used for a reduction of length k. It
// depends on k only, so results do not depend on how C is split between
// goroutines.
func (cfg *config) kcFor(k int) int {
	blocks := (k + cfg.kc - 1) / cfg.kc
	return (k + blocks - 1) / blocks
}

// mode encodes beta for a microKernel.
func mode(beta float32) int {
	switch beta {
	case 0:
		return 0
	case 1:
		return 1
	}
	return 2
}

// serial computes C = alpha·op(A)·op(B) + beta·C on one goroutine, with
// m, n, k > 0 and alpha != 0. The slices start at the matrices' first
// elements.
func (cfg *config) serial(s *scratch, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	mr, nr := cfg.mr, cfg.nr
	kc := cfg.kcFor(k)
	nc := min(cfg.nc, (n+nr-1)/nr*nr)
	mc := min(cfg.mc, (m+mr-1)/mr*mr)
	s.pa = grow(s.pa, mc*kc)
	s.pb = grow(s.pb, nc*kc)
	pa, pb := s.pa, s.pb
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			cfg.packB(pb, b, ldb, transB, pc, kb, jc, nb)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			md := mode(bet)
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				cfg.packA(pa, a, lda, transA, ic, mb, pc, kb)
				if cfg.aInner {
					for jr := 0; jr < nb; jr += nr {
						bp := pb[jr*kb : (jr+nr)*kb]
						cols := min(nr, nb-jr)
						for ir := 0; ir < mb; ir += mr {
							cfg.kern(kb, pa[ir*kb:(ir+mr)*kb], bp, c[(ic+ir)*ldc+jc+jr:], ldc,
								alpha, bet, min(mr, mb-ir), cols, md)
						}
					}
					continue
				}
				for ir := 0; ir < mb; ir += mr {
					ap := pa[ir*kb : (ir+mr)*kb]
					rows := min(mr, mb-ir)
					for jr := 0; jr < nb; jr += nr {
						cfg.kern(kb, ap, pb[jr*kb:(jr+nr)*kb], c[(ic+ir)*ldc+jc+jr:], ldc,
							alpha, bet, rows, min(nr, nb-jr), md)
					}
				}
			}
		}
	}
}

// packA packs rows [i0, i0+mb) and columns [p0, p0+kb) of op(A) into
// ceil(mb/mr) micro-panels of mr×kb.
func (cfg *config) packA(dst, a []float32, lda int, trans bool, i0, mb, p0, kb int) {
	mr := cfg.mr
	for ir := 0; ir < mb; ir += mr {
		rows := min(mr, mb-ir)
		d := dst[ir*kb : (ir+mr)*kb]
		if trans { // op(A)[i,p] = a[p*lda+i]: each p is a contiguous run
			cfg.copyPanel(d, a[p0*lda+i0+ir:], lda, rows, kb, mr)
		} else {
			cfg.gatherPanel(d, a[(i0+ir)*lda+p0:], lda, rows, kb, mr)
		}
	}
}

// packB packs rows [p0, p0+kb) and columns [j0, j0+nb) of op(B) into
// ceil(nb/nr) micro-panels of kb×nr.
func (cfg *config) packB(dst, b []float32, ldb int, trans bool, p0, kb, j0, nb int) {
	nr := cfg.nr
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		d := dst[jr*kb : (jr+nr)*kb]
		if !trans { // op(B)[p,j] = b[p*ldb+j]
			cfg.copyPanel(d, b[p0*ldb+j0+jr:], ldb, cols, kb, nr)
		} else {
			cfg.gatherPanel(d, b[(j0+jr)*ldb+p0:], ldb, cols, kb, nr)
		}
	}
}

// copyPanel runs cfg.copy, or copyPanel when it is nil.
func (cfg *config) copyPanel(d, src []float32, ld, width, kb, w int) {
	if cfg.copy != nil {
		cfg.copy(d, src, ld, width, kb, w)
		return
	}
	copyPanel(d, src, ld, width, kb, w)
}

// gatherPanel runs cfg.gather, or gatherPanel when it is nil.
func (cfg *config) gatherPanel(d, src []float32, ld, width, kb, w int) {
	if cfg.gather != nil {
		cfg.gather(d, src, ld, width, kb, w)
		return
	}
	gatherPanel(d, src, ld, width, kb, w)
}

// copyPanel sets d[p*w+i] = src[p*ld+i] for p < kb, i < width, and zero for
// width ≤ i < w.
func copyPanel(d, src []float32, ld, width, kb, w int) {
	d = d[:kb*w]
	for p := 0; p < kb; p++ {
		dp := d[p*w : p*w+w]
		copy(dp, src[p*ld:p*ld+width])
		clear(dp[width:])
	}
}

// gatherPanel sets d[p*w+i] = src[i*ld+p] for p < kb, i < width, and zero
// for width ≤ i < w: it transposes width rows of src into the panel.
func gatherPanel(d, src []float32, ld, width, kb, w int) {
	d = d[:kb*w]
	i := 0
	for ; i+4 <= width; i += 4 {
		r0 := src[i*ld : i*ld+kb]
		r1 := src[(i+1)*ld:][:len(r0)]
		r2 := src[(i+2)*ld:][:len(r0)]
		r3 := src[(i+3)*ld:][:len(r0)]
		for p := range r0 {
			dp := d[p*w+i : p*w+i+4 : p*w+i+4]
			dp[0], dp[1], dp[2], dp[3] = r0[p], r1[p], r2[p], r3[p]
		}
	}
	for ; i < width; i++ {
		r := src[i*ld : i*ld+kb]
		for p, v := range r {
			d[p*w+i] = v
		}
	}
	if width < w {
		for p := 0; p < kb; p++ {
			clear(d[p*w+width : p*w+w])
		}
	}
}
