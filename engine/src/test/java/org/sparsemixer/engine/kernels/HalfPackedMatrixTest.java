package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.WeightPrecision;

/**
 * 16-bit weight matrices: the GEMM on a BF16 / F16 {@link PackedMatrix} is bit-identical to the GEMM on the
 * F32 matrix of the rounded values (and so to the scalar twin), on awkward shapes, one to three threads;
 * widening is exact for every 16-bit pattern; the storage is half the bytes. Runs with 256- and 512-bit
 * vectors (see the engine pom).
 */
class HalfPackedMatrixTest {
    private static final ComputePool POOL2 = new ComputePool(2);
    private static final ComputePool POOL3 = new ComputePool(3);
    private static final WeightPrecision[] HALF = {WeightPrecision.BF16, WeightPrecision.F16};

    @AfterAll
    static void close() {
        POOL2.close();
        POOL3.close();
    }

    /** Random weights in [-1, 1] with some tiny ones (F16 subnormals) and exact zeros mixed in. */
    static float[] weights(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            double u = r.nextDouble() * 2 - 1;
            int kind = r.nextInt(16);
            x[i] = (float) (kind == 0 ? u * 1e-6 : kind == 1 ? 0 : u);
        }
        return x;
    }

    static float[] rounded(float[] x, WeightPrecision p) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = p.round(x[i]);
        }
        return y;
    }

    static void check(ComputePool pool, WeightPrecision p, int m, int k, int n, boolean allEpilogues) {
        int lda = k + 3;
        int ldc = n + 5;
        float[] a = GemmTest.random(1_000L * m + k, 2 + m * lda);
        float[] b = weights(2_000L * k + n, 1 + k * n);
        PackedMatrix half = PackedMatrix.pack(b, 1, k, n, p);
        float[] r = rounded(b, p);
        PackedMatrix full = PackedMatrix.pack(r, 1, k, n);
        for (Epilogue e : GemmTest.epilogues(m, n, 4, n + 1)) {
            if (!allEpilogues && e.bias() == null) {
                continue;
            }
            float[] expected = GemmTest.random(3, 3 + m * ldc);
            float[] actual = expected.clone();
            Gemm.multiply(pool, a, 2, lda, m, full, expected, 3, ldc, e);
            Gemm.multiply(pool, a, 2, lda, m, half, actual, 3, ldc, e);
            String what = p + " m=" + m + " k=" + k + " n=" + n + " threads=" + pool.threads() + " "
                    + GemmTest.describe(e) + " " + VectorShapes.describe();
            assertArrayEquals(expected, actual, () -> what);
            if (allEpilogues && (long) m * k * n < 200_000) {
                float[] scalar = GemmTest.random(3, 3 + m * ldc);
                GemmScalar.multiply(a, 2, lda, m, k, r, 1, n, n, scalar, 3, ldc, e);
                assertArrayEquals(scalar, actual, () -> "scalar twin, " + what);
            }
        }
    }

    @Test
    void productIsBitIdenticalToF32OfTheRoundedValuesOnAwkwardSizes() {
        int[] sizes = {1, 7, 15, 16, 17, 33, 511, 513};
        for (WeightPrecision p : HALF) {
            for (int m : new int[] {1, 7, 16, 17, 33}) {
                for (int k : sizes) {
                    for (int n : sizes) {
                        check(ComputePool.singleThreaded(), p, m, k, n, k < 500 || n < 500);
                    }
                }
            }
        }
    }

    @Test
    void productIsBitIdenticalAcrossRowBlocksAndThreads() {
        for (WeightPrecision p : HALF) {
            check(ComputePool.singleThreaded(), p, 200, 513, 65, true);
            check(ComputePool.singleThreaded(), p, 97, 1025, 17, false);
            check(POOL2, p, 32, 512, 1024, false);  // one MoE expert's intermediate product at Base
            check(POOL2, p, 127, 513, 511, false);
            check(POOL3, p, 201, 257, 513, false);
            check(POOL3, p, 1, 2049, 129, false);
        }
    }

    @Test
    void scaledMatrixEqualsTheF32MatrixOfScaledRoundedValues() {
        int k = 48;
        int n = 40;
        float[] b = weights(7, k * n);
        float[] a = GemmTest.random(8, 21 * k);
        for (WeightPrecision p : HALF) {
            for (float scale : new float[] {0.125f, (float) (1 / Math.sqrt(48)), 1e-3f}) {
                float[] scaled = rounded(b, p);
                for (int i = 0; i < scaled.length; i++) {
                    scaled[i] *= scale;
                }
                PackedMatrix half = PackedMatrix.packScaled(b, k, n, p, scale);
                PackedMatrix full = PackedMatrix.packScaled(rounded(b, p), k, n, WeightPrecision.F32, scale);
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < n; j++) {
                        assertEquals(scaled[i * n + j], half.get(i, j));
                        assertEquals(scaled[i * n + j], full.get(i, j));
                    }
                }
                float[] expected = new float[21 * n];
                float[] actual = new float[21 * n];
                Gemm.multiply(a, 0, k, 21, full, expected, 0, n, Epilogue.none());
                Gemm.multiply(a, 0, k, 21, half, actual, 0, n, Epilogue.none());
                assertArrayEquals(expected, actual, p + " scale " + scale);
            }
        }
    }

    @Test
    void wideningIsExactForEvery16BitPattern() { // NaN payloads included, but see the signalling NaN note
        short[] all = new short[0x10000 + 5]; // a tail that is not a whole vector
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        float[] out = new float[all.length + 3];
        HalfWidening.bf16(all, 0, out, 3, all.length, 1f);
        for (int i = 0; i < all.length; i++) {
            int want = Float.floatToRawIntBits(HalfFloats.bf16ToFloat(all[i]));
            assertEquals(want, Float.floatToRawIntBits(out[3 + i]), "bf16 " + Integer.toHexString(i & 0xFFFF));
        }
        float[] integer = new float[all.length];
        HalfWidening.f16Integer(all, 0, integer, 0, all.length, 1f);
        HalfWidening.f16(all, 0, out, 3, all.length, 1f);
        for (int i = 0; i < all.length; i++) {
            int want = Float.floatToRawIntBits(HalfFloats.f16ToFloat(all[i]));
            assertEquals(want, Float.floatToRawIntBits(integer[i]), "f16 integer " + Integer.toHexString(i & 0xFFFF));
            boolean signallingNaN = (i & 0x7C00) == 0x7C00 && (i & 0x3FF) != 0 && (i & 0x200) == 0;
            if (signallingNaN) { // compiled code quiets it (vcvtph2ps), interpreted code does not; never stored
                assertTrue(Float.isNaN(out[3 + i]));
                continue;
            }
            assertEquals(want, Float.floatToRawIntBits(out[3 + i]), "f16 " + Integer.toHexString(i & 0xFFFF));
            float jdk = Float.float16ToFloat(all[i]);
            if (!Float.isNaN(jdk)) {
                assertEquals(jdk, out[3 + i], "f16 vs the JDK " + Integer.toHexString(i & 0xFFFF));
            }
        }
        // named cases: subnormals, infinities, NaN
        assertEquals(0x1p-24f, out[3 + 0x0001]);
        assertEquals(0x3FFp-24f, out[3 + 0x03FF]);
        assertEquals(-0x1p-24f, out[3 + 0x8001]);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(out[3 + 0x8000]));
        assertEquals(0x1p-14f, out[3 + 0x0400]);
        assertEquals(65504f, out[3 + 0x7BFF]);
        assertEquals(Float.POSITIVE_INFINITY, out[3 + 0x7C00]);
        assertEquals(Float.NEGATIVE_INFINITY, out[3 + 0xFC00]);
        assertEquals(0x7FFF_E000, Float.floatToRawIntBits(out[3 + 0x7FFF]), "NaN payload kept");
        for (int off = 0; off < 3; off++) { // unaligned starts, short lengths
            for (int len = 0; len < 40; len++) {
                float[] o = new float[len];
                HalfWidening.f16(all, 0x3FF0 + off, o, 0, len, 0.5f);
                for (int i = 0; i < len; i++) {
                    assertEquals(HalfFloats.f16ToFloat(all[0x3FF0 + off + i]) * 0.5f, o[i]);
                }
                HalfWidening.f16Integer(all, 0x3FF0 + off, o, 0, len, 0.5f);
                for (int i = 0; i < len; i++) {
                    assertEquals(HalfFloats.f16ToFloat(all[0x3FF0 + off + i]) * 0.5f, o[i]);
                }
                HalfWidening.bf16(all, 0x3FF0 + off, o, 0, len, 0.5f);
                for (int i = 0; i < len; i++) {
                    assertEquals(HalfFloats.bf16ToFloat(all[0x3FF0 + off + i]) * 0.5f, o[i]);
                }
            }
        }
    }

    @Test
    void specialWeightsGoThroughTheProduct() {
        // infinities (F16 overflow), NaN and subnormals in B, widened exactly inside the GEMM
        int k = 20;
        int n = 37;
        float[] b = weights(9, k * n);
        b[0] = 70000f;        // F16: +Inf
        b[5] = -1e30f;        // F16: -Inf, BF16 finite
        b[n + 3] = Float.NaN;
        b[2 * n + 1] = 3e-7f; // F16 subnormal
        b[3 * n + 36] = 6e-8f;
        float[] a = GemmTest.random(10, 9 * k);
        for (WeightPrecision p : HALF) {
            PackedMatrix half = PackedMatrix.pack(b, 0, k, n, p);
            PackedMatrix full = PackedMatrix.pack(rounded(b, p), k, n);
            float[] expected = new float[9 * n];
            float[] actual = new float[9 * n];
            Gemm.multiply(a, 0, k, 9, full, expected, 0, n, Epilogue.none());
            Gemm.multiply(a, 0, k, 9, half, actual, 0, n, Epilogue.none());
            assertArrayEquals(expected, actual, p.toString());
            assertEquals(p == WeightPrecision.F16 ? Float.POSITIVE_INFINITY : p.round(70000f), half.get(0, 0));
            assertEquals(p.round(3e-7f), half.get(2, 1));
        }
    }

    @Test
    void sixteenBitStorageHoldsHalfTheBytes() {
        for (int[] s : new int[][] {{512, 2048}, {2048, 512}, {512, 16}, {7, 33}}) {
            float[] b = weights(11, s[0] * s[1]);
            PackedMatrix full = PackedMatrix.pack(b, s[0], s[1]);
            long padded = PackedMatrix.packedSize(s[0], s[1], PackedMatrix.panelVectors(s[1]));
            assertEquals(4 * padded, full.storageBytes());
            assertEquals(WeightPrecision.F32, full.precision());
            for (WeightPrecision p : HALF) {
                PackedMatrix half = PackedMatrix.pack(b, 0, s[0], s[1], p);
                assertEquals(full.storageBytes() / 2, half.storageBytes(), p + " " + s[0] + "x" + s[1]);
                assertEquals(p, half.precision());
            }
        }
        assertEquals(2L * 512 * 2048, PackedMatrix.pack(new float[512 * 2048], 0, 512, 2048, WeightPrecision.BF16)
                .storageBytes());
        assertNotEquals(0, PackedMatrix.pack(new float[1], 1, 1).storageBytes());
    }
}
