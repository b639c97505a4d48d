package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class FftTranspose8Test {
    @Test
    void blockMatchesScalarIncludingNegativeStrides() {
        float[] src = new float[400];
        for (int i = 0; i < src.length; i++) {
            src[i] = i;
        }
        int[][] cases = {{0, 8, 0, 8}, {3, 11, 5, 13}, {7 * 11 + 2, -11, 1, 9}, {2, 12, 8 * 13, -13}};
        for (int[] c : cases) {
            float[] a = new float[400], b = new float[400];
            Transpose8.block(src, c[0], c[1], a, c[2], c[3]);
            Transpose8.scalar(src, c[0], c[1], b, c[2], c[3], 8, 8);
            assertArrayEquals(b, a);
        }
    }
}
