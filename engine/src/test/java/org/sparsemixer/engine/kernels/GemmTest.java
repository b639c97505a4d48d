package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The vectorized SGEMM against its scalar twin: bit-identical on awkward shapes, all epilogues. */
class GemmTest {
    private static final ComputePool POOL2 = new ComputePool(2);
    private static final ComputePool POOL3 = new ComputePool(3);

    @AfterAll
    static void close() {
        POOL2.close();
        POOL3.close();
    }

    static float[] random(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    static List<Epilogue> epilogues(int m, int n, int resOffset, int resStride) {
        float[] bias = random(7, n);
        float[] res = random(8, resOffset + m * resStride);
        List<Epilogue> list = new ArrayList<>();
        list.add(Epilogue.none());
        list.add(Epilogue.bias(bias));
        list.add(Epilogue.biasGelu(bias));
        list.add(Epilogue.biasResidual(bias, res, resOffset, resStride));
        list.add(new Epilogue(null, true, res, resOffset, resStride));
        return list;
    }

    /** Packed product with padding around A and C, checked bit for bit against the scalar twin. */
    static void checkPacked(ComputePool pool, int m, int k, int n) {
        int lda = k + 3;
        int ldc = n + 5;
        float[] a = random(1_000L * m + k, 2 + m * lda);
        float[] b = random(2_000L * k + n, 1 + k * n);
        PackedMatrix packed = PackedMatrix.pack(b, 1, k, n);
        for (Epilogue e : epilogues(m, n, 4, n + 1)) {
            float[] expected = random(3, 3 + m * ldc);
            float[] actual = expected.clone();
            GemmScalar.multiply(a, 2, lda, m, k, b, 1, n, n, expected, 3, ldc, e);
            Gemm.multiply(pool, a, 2, lda, m, packed, actual, 3, ldc, e);
            assertArrayEquals(expected, actual, () -> "m=" + m + " k=" + k + " n=" + n + " " + describe(e)
                    + " " + VectorShapes.describe());
        }
    }

    static String describe(Epilogue e) {
        return "bias=" + (e.bias() != null) + " gelu=" + e.gelu() + " residual=" + (e.residual() != null);
    }

    @Test
    void packedMatchesScalarTwinOnAwkwardSizes() {
        int[] ms = {1, 2, 5, 6, 7, 13, 16, 17, 31, 32, 33, 97};
        int[] ks = {1, 7, 16, 17, 33};
        int[] ns = {1, 7, 15, 16, 17, 31, 33, 48, 63, 64, 65, 127, 129};
        for (int m : ms) {
            for (int k : ks) {
                for (int n : ns) {
                    checkPacked(ComputePool.singleThreaded(), m, k, n);
                }
            }
        }
    }

    @Test
    void packedMatchesScalarTwinAcrossKAndMBlocks() {
        checkPacked(ComputePool.singleThreaded(), 127, 511, 33);
        checkPacked(ComputePool.singleThreaded(), 200, 513, 65);
        checkPacked(ComputePool.singleThreaded(), 33, 1025, 17);
        checkPacked(ComputePool.singleThreaded(), 1, 2049, 129);
        checkPacked(POOL2, 127, 513, 511);
        checkPacked(POOL3, 201, 257, 513);
    }

    @Test
    void smallProductsMatchScalarTwinForEveryM() {
        // below PADDED_ROWS rows, padded with zero rows to whole tiles; K over two blocks, a partial panel,
        // one-vector panels (12-row tiles) and the epilogue's residual read only for the real rows
        for (int m = 1; m <= Gemm.PADDED_ROWS + 1; m++) {
            checkPacked(ComputePool.singleThreaded(), m, 600, 130);
            checkPacked(ComputePool.singleThreaded(), m, 33, 16);
        }
        checkPacked(POOL2, 8, 512, 512);
        checkPacked(POOL2, 32, 2051, 200);
        checkPacked(POOL3, 47, 512, 2048);
    }

    @Test
    void onePanelProductsMatchScalarTwinWithPaddedLastTiles() {
        // One-vector panels take 12-row tiles, a block's remainder on padded rows: remainders of every size
        // (m mod 12), K over two or three blocks (the padded tile accumulates), partial panels (n < LANES),
        // blocks of MC rows with their own remainder (m > MC), parallel units of rows, and the view path.
        for (int m : new int[] {49, 50, 59, 60, 61, 97, 107, 108, 119, 1100}) {
            for (int n : new int[] {1, 5, VectorShapes.LANES}) {
                for (int k : new int[] {7, 600, 1100}) {
                    checkPacked(ComputePool.singleThreaded(), m, k, n);
                }
                checkPacked(POOL2, m, 600, n);
                checkPacked(POOL3, m, 1100, n);
                checkViews(POOL2, MatrixView.rowMajor(random(51, m * 40), 0, m, 40),
                        MatrixView.rowMajor(random(52, 40 * n), 0, 40, n));
            }
        }
    }

    @Test
    void scratchPackedActivationsGiveTheSameProductAsViews() {
        int[][] shapes = {{96, 64, 512}, {32, 64, 130}, {7, 33, 17}, {512, 512, 64}};
        for (int[] sh : shapes) {
            int m = sh[0];
            int k = sh[1];
            int n = sh[2];
            float[] a = random(21, m * k);
            float[] source = random(22, 3 + n * (k + 2));
            // B as the transpose of a strided [n, k] activation, the way attention reads K
            MatrixView b = new MatrixView(source, 3, n, k, k + 2, 1).transpose();
            float[] buffer = new float[PackedMatrix.scratchSize(k, n) + 5];
            PackedMatrix packed = PackedMatrix.packScratch(b, buffer);
            float[] expected = new float[m * n];
            float[] actual = new float[m * n];
            Gemm.multiply(MatrixView.rowMajor(a, 0, m, k), b, MatrixView.rowMajor(expected, 0, m, n));
            Gemm.multiply(a, 0, k, m, packed, actual, 0, n, Epilogue.none());
            assertArrayEquals(expected, actual, "m=" + m + " k=" + k + " n=" + n);
            assertEquals(b.get(k - 1, n - 1), packed.get(k - 1, n - 1));
        }
        assertThrows(IllegalArgumentException.class,
                () -> PackedMatrix.packScratch(MatrixView.rowMajor(new float[64 * 65], 0, 64, 65), new float[64 * 65]));
    }

    @Test
    void transposedViewsPackElementForElement() {
        // Transposed views with unit row stride are packed by 8 x 8 register transposes; other strides by the
        // element loop. Both against MatrixView.get, padding included, on awkward sizes.
        for (int k : new int[] {1, 7, 8, 15, 16, 17, 33, 64}) {
            for (int n : new int[] {1, 7, 16, 17, 33, 64, 65, 130}) {
                float[] source = random(41, 5 + n * (k + 3) * 2);
                MatrixView[] views = {
                    new MatrixView(source, 5, n, k, k + 3, 1).transpose(),
                    new MatrixView(source, 5, n, k, 2 * (k + 3), 2).transpose()};
                for (MatrixView b : views) {
                    float[] buffer = new float[PackedMatrix.scratchSize(k, n)];
                    java.util.Arrays.fill(buffer, Float.NaN);
                    PackedMatrix packed = PackedMatrix.packScratch(b, buffer);
                    int nr = packed.panelWidth;
                    int width = (n + nr - 1) / nr * nr;
                    for (int r = 0; r < k; r++) {
                        for (int c = 0; c < width; c++) {
                            float want = c < n ? b.get(r, c) : 0f;
                            float got = buffer[PackedMatrix.BASE + (c / nr) * k * nr + r * nr + c % nr];
                            assertEquals(want, got, "k=" + k + " n=" + n + " " + b + " at " + r + "," + c);
                        }
                    }
                }
            }
        }
    }

    @Test
    void packedIsBitIdenticalForOneTwoAndThreeThreads() {
        // The last shape's A (1100 x 300 floats) is over Gemm.A_ALL_ROWS_BYTES, so its parallel units are row
        // blocks of MC x panel groups; the others' units take every row and a group of panels, but for the
        // first, whose one panel is split into row blocks.
        int[][] shapes = {{512, 64, 16}, {190, 300, 200}, {64, 128, 1024}, {7, 513, 640}, {300, 40, 64}, {1100, 300, 40}};
        assertTrue(1100L * 300 * Float.BYTES > Gemm.A_ALL_ROWS_BYTES);
        try (ComputePool one = new ComputePool(1)) {
            for (int[] s : shapes) {
                int m = s[0];
                int k = s[1];
                int n = s[2];
                float[] a = random(11, m * k);
                PackedMatrix b = PackedMatrix.pack(random(12, k * n), k, n);
                float[] bias = random(13, n);
                float[] res = random(14, m * n);
                Epilogue e = Epilogue.biasResidual(bias, res, 0, n);
                float[] c1 = new float[m * n];
                float[] c2 = new float[m * n];
                float[] c3 = new float[m * n];
                Gemm.multiply(one, a, 0, k, m, b, c1, 0, n, e);
                Gemm.multiply(POOL2, a, 0, k, m, b, c2, 0, n, e);
                Gemm.multiply(POOL3, a, 0, k, m, b, c3, 0, n, e);
                assertArrayEquals(c1, c2);
                assertArrayEquals(c1, c3);
                Gemm.multiply(one, a, 0, k, m, b, c1, 0, n, Epilogue.biasGelu(bias));
                Gemm.multiply(POOL3, a, 0, k, m, b, c3, 0, n, Epilogue.biasGelu(bias));
                assertArrayEquals(c1, c3);
            }
        }
    }

    @Test
    void productIntoPanelsIsTheProductPackedForTheNextOne() {
        // m x k x n, with n a multiple of the panel width or not (the last panel's padding must read as zero)
        int[][] shapes = {{512, 64, 128}, {33, 70, 17}, {130, 513, 200}, {7, 15, 1}, {600, 520, 70}};
        ComputePool[] pools = {ComputePool.singleThreaded(), POOL2, POOL3};
        for (int[] s : shapes) {
            int m = s[0];
            int k = s[1];
            int n = s[2];
            float[] a = random(21, m * k);
            float[] w = random(22, k * n);
            for (org.sparsemixer.engine.WeightPrecision precision : org.sparsemixer.engine.WeightPrecision.values()) {
                PackedMatrix b = PackedMatrix.pack(w, 0, k, n, precision);
                float[] c = new float[m * n];
                Gemm.multiply(ComputePool.singleThreaded(), a, 0, k, m, b, c, 0, n, Epilogue.none());
                PackedMatrix expected = PackedMatrix.packScratch(MatrixView.rowMajor(c, 0, m, n),
                        new float[PackedMatrix.scratchSize(m, n)]);
                for (ComputePool pool : pools) {
                    float[] buffer = random(23, PackedMatrix.scratchSize(m, n) + 5);   // stale contents
                    PackedMatrix panels = Gemm.multiplyIntoPanels(pool, a, 0, k, m, b, buffer);
                    assertEquals(m, panels.rows());
                    assertEquals(n, panels.cols());
                    assertEquals(PackedMatrix.BASE, panels.base);
                    assertArrayEquals(java.util.Arrays.copyOfRange(expected.data, expected.base, expected.data.length),
                            java.util.Arrays.copyOfRange(panels.data, panels.base, expected.data.length),
                            m + "x" + k + "x" + n + " " + precision + " on " + pool.threads() + " threads");
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Gemm.multiplyIntoPanels(POOL2, new float[64 * 8], 0, 8,
                64, PackedMatrix.pack(new float[8 * 100], 8, 100), new float[PackedMatrix.scratchSize(64, 100) - 1]));
    }

    @Test
    void packedMatrixGetReadsTheSource() {
        int k = 19;
        int n = 70;
        float[] b = random(5, 3 + k * n);
        PackedMatrix p = PackedMatrix.pack(b, 3, k, n);
        assertEquals(k, p.rows());
        assertEquals(n, p.cols());
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(b[3 + i * n + j], p.get(i, j));
            }
        }
    }

    static void checkViews(ComputePool pool, MatrixView a, MatrixView b) {
        int m = a.rows();
        int n = b.cols();
        float[] expected = new float[m * (n + 2) + 1];
        float[] actual = expected.clone();
        GemmScalar.multiply(a, b, new MatrixView(expected, 1, m, n, n + 2, 1));
        Gemm.multiply(pool, a, b, new MatrixView(actual, 1, m, n, n + 2, 1));
        assertArrayEquals(expected, actual, () -> a + " x " + b);
    }

    @Test
    void activationProductsMatchScalarTwin() {
        for (ComputePool pool : new ComputePool[] {ComputePool.singleThreaded(), POOL2, POOL3}) {
            for (int s : new int[] {1, 7, 17, 33, 130}) {
                int h = 48;
                int d = 16;
                float[] x = random(21, s * h);
                float[] kernel = random(22, s * s);
                // seq_kernel [S, S] x X [S, H]
                checkViews(pool, MatrixView.rowMajor(kernel, 0, s, s), MatrixView.rowMajor(x, 0, s, h));
                // Q head [S, D] x K head^T, both with row stride H
                float[] q = random(23, s * h);
                float[] kk = random(24, s * h);
                MatrixView qHead = new MatrixView(q, d, s, d, h, 1);
                MatrixView kHead = new MatrixView(kk, 2 * d, s, d, h, 1);
                checkViews(pool, qHead, kHead.transpose());
                // P [S, S] x V head [S, D] with row stride H
                float[] v = random(25, s * h);
                checkViews(pool, MatrixView.rowMajor(kernel, 0, s, s), new MatrixView(v, d, s, d, h, 1));
                // A transposed (column stride != 1)
                checkViews(pool, MatrixView.rowMajor(x, 0, s, h).transpose(), MatrixView.rowMajor(x, 0, s, h));
            }
            checkViews(pool, MatrixView.rowMajor(random(31, 300 * 520), 0, 300, 520),
                    MatrixView.rowMajor(random(32, 520 * 70), 0, 520, 70));
        }
    }

    @Test
    void activationProductWithEmptyK() {
        float[] c = {5f, 5f, 5f, 5f};
        Gemm.multiply(ComputePool.singleThreaded(), MatrixView.rowMajor(new float[1], 0, 2, 0),
                MatrixView.rowMajor(new float[1], 0, 0, 2), MatrixView.rowMajor(c, 0, 2, 2));
        assertArrayEquals(new float[4], c);
    }

    @Test
    void activationProductWithEpilogueMatchesTwin() {
        int m = 37;
        int k = 29;
        int n = 45;
        float[] a = random(41, m * k);
        float[] b = random(42, k * n);
        for (Epilogue e : epilogues(m, n, 0, n)) {
            float[] expected = new float[m * n];
            float[] actual = new float[m * n];
            GemmScalar.multiply(a, 0, k, m, k, b, 0, n, n, expected, 0, n, e);
            Gemm.multiply(POOL2, MatrixView.rowMajor(a, 0, m, k), MatrixView.rowMajor(b, 0, k, n),
                    MatrixView.rowMajor(actual, 0, m, n), e);
            assertArrayEquals(expected, actual, () -> describe(e));
        }
    }

    @Test
    void rejectsBadShapes() {
        PackedMatrix b = PackedMatrix.pack(new float[6], 2, 3);
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.multiply(ComputePool.singleThreaded(), new float[3], 0, 2, 2, b, new float[6], 0, 3,
                        Epilogue.none()));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.multiply(ComputePool.singleThreaded(), new float[4], 0, 2, 2, b, new float[6], 0, 3,
                        Epilogue.bias(new float[2])));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.multiply(MatrixView.rowMajor(new float[4], 0, 2, 2), MatrixView.rowMajor(new float[6], 0, 3, 2),
                        MatrixView.rowMajor(new float[4], 0, 2, 2)));
    }
}
