package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * 8 x 8 float block transpose in registers (three rounds of two-source lane selects), and whole strided
 * matrices made of such blocks ({@link #matrix}): {@link Fft2d} moves between its row-major and
 * batch-innermost layouts with it, {@link StreamedGemm} between rows and its transposed blocks. Strides may be
 * negative (reversed rows).
 */
final class Transpose8 {
    static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    private static final FloatVector LO4 = idx(0, 1, 2, 3, 8, 9, 10, 11), HI4 = idx(4, 5, 6, 7, 12, 13, 14, 15);
    private static final FloatVector LO2 = idx(0, 1, 8, 9, 4, 5, 12, 13), HI2 = idx(2, 3, 10, 11, 6, 7, 14, 15);
    private static final FloatVector LO1 = idx(0, 8, 2, 10, 4, 12, 6, 14), HI1 = idx(1, 9, 3, 11, 5, 13, 7, 15);

    private Transpose8() {
    }

    private static FloatVector idx(float... v) {
        return FloatVector.fromArray(S8, v, 0);
    }

    /** {@code d[dOff + c * ds + r] = s[sOff + r * ss + c]} for r, c < 8. */
    static void block(float[] s, int sOff, int ss, float[] d, int dOff, int ds) {
        var r0 = FloatVector.fromArray(S8, s, sOff);
        var r1 = FloatVector.fromArray(S8, s, sOff + ss);
        var r2 = FloatVector.fromArray(S8, s, sOff + 2 * ss);
        var r3 = FloatVector.fromArray(S8, s, sOff + 3 * ss);
        var r4 = FloatVector.fromArray(S8, s, sOff + 4 * ss);
        var r5 = FloatVector.fromArray(S8, s, sOff + 5 * ss);
        var r6 = FloatVector.fromArray(S8, s, sOff + 6 * ss);
        var r7 = FloatVector.fromArray(S8, s, sOff + 7 * ss);
        // swap 4x4 blocks
        var a0 = LO4.selectFrom(r0, r4);
        var a4 = HI4.selectFrom(r0, r4);
        var a1 = LO4.selectFrom(r1, r5);
        var a5 = HI4.selectFrom(r1, r5);
        var a2 = LO4.selectFrom(r2, r6);
        var a6 = HI4.selectFrom(r2, r6);
        var a3 = LO4.selectFrom(r3, r7);
        var a7 = HI4.selectFrom(r3, r7);
        // swap 2x2 blocks
        var b0 = LO2.selectFrom(a0, a2);
        var b2 = HI2.selectFrom(a0, a2);
        var b1 = LO2.selectFrom(a1, a3);
        var b3 = HI2.selectFrom(a1, a3);
        var b4 = LO2.selectFrom(a4, a6);
        var b6 = HI2.selectFrom(a4, a6);
        var b5 = LO2.selectFrom(a5, a7);
        var b7 = HI2.selectFrom(a5, a7);
        // swap single elements
        LO1.selectFrom(b0, b1).intoArray(d, dOff);
        HI1.selectFrom(b0, b1).intoArray(d, dOff + ds);
        LO1.selectFrom(b2, b3).intoArray(d, dOff + 2 * ds);
        HI1.selectFrom(b2, b3).intoArray(d, dOff + 3 * ds);
        LO1.selectFrom(b4, b5).intoArray(d, dOff + 4 * ds);
        HI1.selectFrom(b4, b5).intoArray(d, dOff + 5 * ds);
        LO1.selectFrom(b6, b7).intoArray(d, dOff + 6 * ds);
        HI1.selectFrom(b6, b7).intoArray(d, dOff + 7 * ds);
    }

    /**
     * {@code d[dOff + c * ds + r] = s[sOff + r * ss + c]} for {@code r < rows, c < cols} (strides may be negative),
     * in 8 x 8 register blocks, sweeping 16 source columns (one cache line) at a time.
     */
    static void matrix(float[] s, int sOff, int ss, float[] d, int dOff, int ds, int rows, int cols) {
        final int r8 = rows & ~7, c8 = cols & ~7;
        for (int c0 = 0; c0 < c8; c0 += 16) {
            int cw = Math.min(16, c8 - c0);
            for (int r0 = 0; r0 < r8; r0 += 8) {
                int so = sOff + r0 * ss + c0, dO = dOff + c0 * ds + r0;
                block(s, so, ss, d, dO, ds);
                if (cw == 16) {
                    block(s, so + 8, ss, d, dO + 8 * ds, ds);
                }
            }
            if (r8 < rows) {
                scalar(s, sOff + r8 * ss + c0, ss, d, dOff + c0 * ds + r8, ds, rows - r8, cw);
            }
        }
        if (c8 < cols) {
            scalar(s, sOff + c8, ss, d, dOff + c8 * ds, ds, rows, cols - c8);
        }
    }

    /** Scalar reference / edge version for an {@code rows x cols} block (rows, cols may be less than 8). */
    static void scalar(float[] s, int sOff, int ss, float[] d, int dOff, int ds, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                d[dOff + c * ds + r] = s[sOff + r * ss + c];
            }
        }
    }
}
