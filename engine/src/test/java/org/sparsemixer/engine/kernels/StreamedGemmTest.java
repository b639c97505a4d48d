package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link StreamedGemm} against the scalar twin {@link GemmScalar}, bit for bit, on awkward sizes. */
class StreamedGemmTest {
    private static final int[] ROWS = {1, 5, 15, 16, 17, 31, 32, 33, 64, 100};
    private static final int[] DEPTHS = {1, 7, 17, 64, 513};
    private static final int[] COLS = {1, 2, 3, 11, 12, 13, 25, 47, 100, 130};

    private static float[] gaussian(SplittableRandom random, int size, double scale) {
        float[] v = new float[size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }

    /** C = gelu?(A x B + bias) through the transposed blocks, back in rows. */
    private static float[] streamed(ComputePool pool, float[] a, int m, int k, StreamedMatrix b, float[] bias,
                                    boolean gelu) {
        float[] at = new float[StreamedGemm.transposedSize(m, k)];
        float[] ct = new float[StreamedGemm.transposedSize(m, b.cols())];
        StreamedGemm.transposeIn(a, 0, m, k, at);
        StreamedGemm.multiply(pool, at, m, b, bias, gelu, ct);
        float[] c = new float[m * b.cols()];
        StreamedGemm.transposeOut(ct, m, b.cols(), c, 0);
        return c;
    }

    @Test
    void matchesTheScalarTwinWithEveryEpilogue() {
        SplittableRandom random = new SplittableRandom(7);
        try (ComputePool two = new ComputePool(2)) {
            for (int m : ROWS) {
                for (int k : DEPTHS) {
                    for (int n : COLS) {
                        float[] a = gaussian(random, m * k, 1);
                        float[] w = gaussian(random, k * n, 0.1);
                        float[] bias = gaussian(random, n, 1);
                        StreamedMatrix b = StreamedMatrix.pack(w, 0, k, n);
                        for (int form = 0; form < 3; form++) {
                            Epilogue e = form == 0 ? Epilogue.none()
                                    : form == 1 ? Epilogue.bias(bias) : Epilogue.biasGelu(bias);
                            float[] expected = new float[m * n];
                            GemmScalar.multiply(a, 0, k, m, k, w, 0, n, n, expected, 0, n, e);
                            float[] one = streamed(ComputePool.singleThreaded(), a, m, k, b, form == 0 ? null : bias,
                                    form == 2);
                            float[] both = streamed(two, a, m, k, b, form == 0 ? null : bias, form == 2);
                            String where = m + "x" + k + "x" + n + " epilogue " + form;
                            assertArrayEquals(expected, one, where);
                            assertArrayEquals(expected, both, where + ", 2 threads");
                        }
                    }
                }
            }
        }
    }

    @Test
    void largeProductsSplitOverThreadsGiveTheSameBits() {
        // Big enough (2 M K N >= Gemm.PARALLEL_MIN_FLOPS) for the pool to split the tiles.
        SplittableRandom random = new SplittableRandom(11);
        int m = 40;
        int k = 300;
        int n = 517;
        float[] a = gaussian(random, m * k, 1);
        float[] w = gaussian(random, k * n, 0.05);
        float[] bias = gaussian(random, n, 1);
        StreamedMatrix b = StreamedMatrix.pack(w, 0, k, n);
        float[] expected = new float[m * n];
        GemmScalar.multiply(a, 0, k, m, k, w, 0, n, n, expected, 0, n, Epilogue.biasGelu(bias));
        try (ComputePool three = new ComputePool(3)) {
            assertArrayEquals(expected, streamed(three, a, m, k, b, bias, true));
        }
    }

    @Test
    void packingFollowsTheDocumentedLayoutOnAwkwardShapes() {
        int offset = 5;
        for (int rows : new int[] {1, 7, 63, 64, 65, 130}) {
            for (int cols : new int[] {1, 2, 3, 13, 20, 21}) {
                float[] w = new float[offset + rows * cols];
                for (int i = 0; i < w.length; i++) {
                    w[i] = i + 1;
                }
                StreamedMatrix b = StreamedMatrix.pack(w, offset, rows, cols);
                int groups = (cols + 1) / 2;
                int tiles = (groups + 4) / 5;
                // data[(g K + k) 2 + o] = B[k, 2 g + o], zero past N and in the groups that pad to 5 T
                float[] expected = new float[tiles * 5 * rows * 2];
                for (int k = 0; k < rows; k++) {
                    for (int j = 0; j < cols; j++) {
                        expected[((j / 2) * rows + k) * 2 + j % 2] = w[offset + k * cols + j];
                    }
                }
                assertArrayEquals(expected, b.data, rows + " x " + cols);
                assertEquals(tiles, b.tiles());
            }
        }
    }

    @Test
    void packingKeepsEveryElementAndRefusesBadShapes() {
        float[] w = new float[7 * 13];
        for (int i = 0; i < w.length; i++) {
            w[i] = i;
        }
        StreamedMatrix b = StreamedMatrix.pack(w, 0, 7, 13);
        for (int k = 0; k < 7; k++) {
            for (int j = 0; j < 13; j++) {
                assertEquals(w[k * 13 + j], b.get(k, j), "(" + k + ", " + j + ")");
            }
        }
        assertEquals(2, b.tiles());
        assertThrows(IllegalArgumentException.class, () -> StreamedMatrix.pack(w, 1, 7, 13));
        assertThrows(IllegalArgumentException.class, () -> StreamedMatrix.pack(w, 0, 0, 13));
        assertThrows(IndexOutOfBoundsException.class, () -> b.get(7, 0));
        float[] small = new float[StreamedGemm.ORIGIN + StreamedGemm.BLOCK * 7];
        assertThrows(IllegalArgumentException.class, () -> StreamedGemm.multiply(ComputePool.singleThreaded(), small, 2 * StreamedGemm.BLOCK,
                b, null, false, new float[StreamedGemm.ORIGIN + 2 * 13 * StreamedGemm.BLOCK]));
    }
}
