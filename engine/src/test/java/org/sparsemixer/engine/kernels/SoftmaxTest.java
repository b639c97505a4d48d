package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SoftmaxTest {
    static double[] reference(float[] x, int offset, int n, int[] mask) {
        double[] v = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            float s = x[offset + j];
            if (mask != null && mask[j] == 0) {
                s += Softmax.MASK_PENALTY;
            }
            v[j] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            v[j] = Math.exp(v[j] - max);
            sum += v[j];
        }
        for (int j = 0; j < n; j++) {
            v[j] /= sum;
        }
        return v;
    }

    /** Relative tolerance 5e-6: the float argument x - max alone carries ulp(|x - max|) / 2 of absolute error. */
    @Test
    void vectorMatchesTwinAndDouble() {
        for (int n : ActivationsTest.SIZES) {
            float[] x = GemmTest.random(n, n + 5);
            for (int i = 0; i < x.length; i++) {
                x[i] *= 20f;
            }
            int[] mask = new int[n];
            for (int j = 0; j < n; j++) {
                mask[j] = (j * 7 + n) % 3 == 0 ? 0 : 1;
            }
            for (int[] m : new int[][] {null, mask}) {
                float[] v = x.clone();
                float[] s = x.clone();
                if (m == null) {
                    Softmax.row(v, 5, n);
                    Softmax.rowScalar(s, 5, n);
                } else {
                    Softmax.maskedRow(v, 5, n, m, 0);
                    Softmax.maskedRowScalar(s, 5, n, m, 0);
                }
                double[] ref = reference(x, 5, n, m);
                for (int j = 0; j < n; j++) {
                    assertEquals(ref[j], v[5 + j], 5e-6 * ref[j] + 1e-30, "vector n=" + n + " j=" + j);
                    assertEquals(ref[j], s[5 + j], 5e-6 * ref[j] + 1e-30, "scalar n=" + n + " j=" + j);
                }
            }
        }
    }

    @Test
    void fullyMaskedRowIsUniform() {
        for (int n : new int[] {1, 17, 512}) {
            float[] x = GemmTest.random(3, n);
            int[] mask = new int[n];
            Softmax.maskedRow(x, 0, n, mask, 0);
            for (int j = 0; j < n; j++) {
                assertEquals(1.0 / n, x[j], 1e-7);
            }
        }
    }
}
