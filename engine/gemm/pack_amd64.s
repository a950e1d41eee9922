//go:build amd64

#include "textflag.h"

// iota8 holds 0, 1, …, 7 as int32, to build AVX2 lane masks.
DATA iota8<>+0(SB)/4, $0
DATA iota8<>+4(SB)/4, $1
DATA iota8<>+8(SB)/4, $2
DATA iota8<>+12(SB)/4, $3
DATA iota8<>+16(SB)/4, $4
DATA iota8<>+20(SB)/4, $5
DATA iota8<>+24(SB)/4, $6
DATA iota8<>+28(SB)/4, $7
GLOBL iota8<>(SB), RODATA|NOPTR, $32

// func copyPanel512(d, src *float32, ld, width, kb, w int)
// For p < kb: d[p*w+i] = src[p*ld+i] for i < width, 0 for width ≤ i < w.
// Needs 1 ≤ kb, 1 ≤ width ≤ w ≤ 64, AVX-512F/BW and BMI2. Lanes past width
// are never read (masked loads suppress faults).
TEXT ·copyPanel512(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ width+24(FP), R9
	MOVQ kb+32(FP), CX
	MOVQ w+40(FP), R10
	MOVQ R10, R11
	SHLQ $2, R11
	MOVQ $-1, AX
	BZHIQ R9, AX, AX
	KMOVW AX, K1
	SHRQ $16, AX
	KMOVW AX, K2
	SHRQ $16, AX
	KMOVW AX, K3
	SHRQ $16, AX
	KMOVW AX, K4
	// nv = ceil(w/16) vectors per row; the last one is stored under K5.
	MOVQ R10, DX
	ADDQ $15, DX
	SHRQ $4, DX
	MOVQ DX, BX
	DECQ BX
	SHLQ $4, BX
	MOVQ R10, AX
	SUBQ BX, AX
	MOVQ $-1, BX
	BZHIQ AX, BX, BX
	KMOVW BX, K5
	CMPQ DX, $1
	JEQ cp1
	CMPQ DX, $2
	JEQ cp2
	CMPQ DX, $3
	JEQ cp3
cp4:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS.Z 128(SI), K3, Z2
	VMOVUPS.Z 192(SI), K4, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, K5, 192(DI)
	ADDQ R8, SI
	ADDQ R11, DI
	DECQ CX
	JNZ cp4
	JMP cpdone
cp3:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS.Z 128(SI), K3, Z2
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, K5, 128(DI)
	ADDQ R8, SI
	ADDQ R11, DI
	DECQ CX
	JNZ cp3
	JMP cpdone
cp2:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, K5, 64(DI)
	ADDQ R8, SI
	ADDQ R11, DI
	DECQ CX
	JNZ cp2
	JMP cpdone
cp1:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS Z0, K5, (DI)
	ADDQ R8, SI
	ADDQ R11, DI
	DECQ CX
	JNZ cp1
cpdone:
	VZEROUPPER
	RET

// func transpose8(d *float32, w int, src *float32, ld, rows, lanes, blocks int)
// For p < 8·blocks and i < lanes: d[p*w+i] = src[i*ld+p] for i < rows, 0
// otherwise. Needs 0 ≤ rows ≤ lanes ≤ 8 and AVX. Rows past rows and lanes
// past lanes are never touched.
TEXT ·transpose8(SB), NOSPLIT, $0-56
	MOVQ d+0(FP), DI
	MOVQ w+8(FP), R13
	SHLQ $2, R13
	MOVQ src+16(FP), SI
	MOVQ ld+24(FP), R8
	SHLQ $2, R8
	MOVQ rows+32(FP), BX
	MOVQ blocks+48(FP), CX
	LEAQ (SI)(R8*2), R10
	ADDQ R8, R10 // row 3
	LEAQ (SI)(R8*4), R11 // row 4
	LEAQ (R11)(R8*2), R12
	ADDQ R8, R12 // row 7
	LEAQ (DI)(R13*2), DX
	ADDQ R13, DX // d + 3 rows
	LEAQ (DX)(R13*2), AX
	ADDQ R13, AX // d + 6 rows
	MOVQ R13, R9
	SHLQ $3, R9 // 8 rows of d
tr8loop:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ BX, $8
	JLT tr8partial
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y1
	VMOVUPS (SI)(R8*2), Y2
	VMOVUPS (R10), Y3
	VMOVUPS (R11), Y4
	VMOVUPS (R11)(R8*1), Y5
	VMOVUPS (R11)(R8*2), Y6
	VMOVUPS (R12), Y7
	JMP tr8loaded
tr8partial:
	CMPQ BX, $1
	JLT tr8loaded
	VMOVUPS (SI), Y0
	CMPQ BX, $2
	JLT tr8loaded
	VMOVUPS (SI)(R8*1), Y1
	CMPQ BX, $3
	JLT tr8loaded
	VMOVUPS (SI)(R8*2), Y2
	CMPQ BX, $4
	JLT tr8loaded
	VMOVUPS (R10), Y3
	CMPQ BX, $5
	JLT tr8loaded
	VMOVUPS (R11), Y4
	CMPQ BX, $6
	JLT tr8loaded
	VMOVUPS (R11)(R8*1), Y5
	CMPQ BX, $7
	JLT tr8loaded
	VMOVUPS (R11)(R8*2), Y6
tr8loaded:
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	CMPQ lanes+40(FP), $8
	JLT tr8masked
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R13*1)
	VMOVUPS Y10, (DI)(R13*2)
	VMOVUPS Y11, (DX)
	VMOVUPS Y12, (DX)(R13*1)
	VMOVUPS Y13, (DX)(R13*2)
	VMOVUPS Y14, (AX)
	VMOVUPS Y15, (AX)(R13*1)
	JMP tr8next
tr8masked:
	VPBROADCASTD lanes+40(FP), Y0
	VPCMPGTD iota8<>(SB), Y0, Y0
	VMASKMOVPS Y8, Y0, (DI)
	VMASKMOVPS Y9, Y0, (DI)(R13*1)
	VMASKMOVPS Y10, Y0, (DI)(R13*2)
	VMASKMOVPS Y11, Y0, (DX)
	VMASKMOVPS Y12, Y0, (DX)(R13*1)
	VMASKMOVPS Y13, Y0, (DX)(R13*2)
	VMASKMOVPS Y14, Y0, (AX)
	VMASKMOVPS Y15, Y0, (AX)(R13*1)
tr8next:
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ R9, DI
	ADDQ R9, DX
	ADDQ R9, AX
	DECQ CX
	JNZ tr8loop
	VZEROUPPER
	RET
