package org.sparsemixer.engine.kernels;

/** Row layer norm with epsilon 1e-12 and population variance (SPEC notation). */
public final class LayerNorm {
    public static final float EPSILON = 1e-12f;

    private LayerNorm() {
    }

    /**
     * {@code out[r] = LN(x[r] + residual[r])} for {@code rows} rows of width {@code n}; residual may be null,
     * and {@code out} may be {@code x}. Rows are contiguous ({@code stride = n}).
     */
    public static void apply(ComputePool pool, float[] x, float[] residual, float[] gamma, float[] beta,
                             float[] out, int rows, int n) {
        pool.forRange(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                row(x, residual, r * n, gamma, beta, out, n);
            }
        });
    }

    /** One row at {@code offset}. Statistics in double: the row is short and the goldens are float64. */
    public static void row(float[] x, float[] residual, int offset, float[] gamma, float[] beta, float[] out, int n) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
            float v = residual == null ? x[offset + j] : x[offset + j] + residual[offset + j];
            out[offset + j] = v;
            sum += v;
        }
        double mean = sum / n;
        double sq = 0;
        for (int j = 0; j < n; j++) {
            double d = out[offset + j] - mean;
            sq += d * d;
        }
        double inv = 1.0 / Math.sqrt(sq / n + EPSILON);
        for (int j = 0; j < n; j++) {
            out[offset + j] = (float) ((out[offset + j] - mean) * inv * gamma[j] + beta[j]);
        }
    }
}
