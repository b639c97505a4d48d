package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LayerNormTest {
    @Test
    void vectorMatchesScalarTwinOnAwkwardWidths() {
        for (int n : ActivationsTest.SIZES) {
            for (boolean withResidual : new boolean[] {false, true}) {
                for (float shift : new float[] {0f, 1000f}) {
                    float[] x = GemmTest.random(n, 2 * n);
                    for (int i = 0; i < x.length; i++) {
                        x[i] = x[i] * 3 + shift;
                    }
                    float[] res = withResidual ? GemmTest.random(n + 1, 2 * n) : null;
                    float[] gamma = GemmTest.random(n + 2, n);
                    float[] beta = GemmTest.random(n + 3, n);
                    float[] expected = new float[2 * n];
                    float[] actual = new float[2 * n];
                    for (int r = 0; r < 2; r++) {
                        LayerNorm.rowScalar(x, res, r * n, gamma, beta, expected, n);
                        LayerNorm.row(x, res, r * n, gamma, beta, actual, n);
                    }
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], actual[i], 2e-5 + 2e-5 * Math.abs(expected[i]),
                                "n=" + n + " shift=" + shift + " i=" + i);
                    }
                }
            }
        }
    }

    @Test
    void applyIsInPlaceAndThreadCountIndependent() {
        int rows = 300;
        int n = 512;
        float[] x = GemmTest.random(1, rows * n);
        float[] res = GemmTest.random(2, rows * n);
        float[] gamma = GemmTest.random(3, n);
        float[] beta = GemmTest.random(4, n);
        float[] one = x.clone();
        LayerNorm.apply(ComputePool.singleThreaded(), one, res, gamma, beta, one, rows, n);
        try (ComputePool pool = new ComputePool(3)) {
            float[] three = x.clone();
            LayerNorm.apply(pool, three, res, gamma, beta, three, rows, n);
            assertArrayEquals(one, three);
        }
        float[] scalar = new float[rows * n];
        for (int r = 0; r < rows; r++) {
            LayerNorm.rowScalar(x, res, r * n, gamma, beta, scalar, n);
        }
        for (int i = 0; i < scalar.length; i++) {
            assertEquals(scalar[i], one[i], 1e-5 + 1e-5 * Math.abs(scalar[i]));
        }
    }

    @Test
    void constantRowGivesBeta() {
        float[] x = {5f, 5f, 5f, 5f, 5f};
        float[] gamma = {1f, 2f, 3f, 4f, 5f};
        float[] beta = {0.5f, -1f, 0f, 2f, 3f};
        float[] out = new float[5];
        LayerNorm.row(x, null, 0, gamma, beta, out, 5);
        assertArrayEquals(beta, out);
    }
}
