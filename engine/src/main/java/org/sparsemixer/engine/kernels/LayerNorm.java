package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row layer norm with epsilon 1e-12 and population variance (SPEC notation), fused with the residual add.
 * <p>
 * Vectorized, two passes over the row for the statistics: the float mean {@code m0} from per-lane sums,
 * then per-lane sums of {@code d = x - m0} and {@code d^2}, combined in double as
 * {@code mean = m0 + S1/n, var = S2/n - (S1/n)^2} (the S1 terms correct the rounding of m0). Each lane adds
 * n / LANES elements, so the statistics keep about 1e-6 relative accuracy even for long rows with a large
 * mean. {@link #rowScalar} is the double-precision scalar twin.
 */
public final class LayerNorm {
    public static final float EPSILON = 1e-12f;
    private static final VectorSpecies<Float> S = VectorShapes.F;

    private LayerNorm() {
    }

    /**
     * {@code out[r] = LN(x[r] + residual[r])} for {@code rows} rows of width {@code n}; residual may be null,
     * and {@code out} may be {@code x}. Rows are contiguous ({@code stride = n}).
     */
    public static void apply(ComputePool pool, float[] x, float[] residual, float[] gamma, float[] beta,
                             float[] out, int rows, int n) {
        if ((long) rows * n < 64 * 1024 || pool.threads() == 1) {
            for (int r = 0; r < rows; r++) {
                row(x, residual, r * n, gamma, beta, out, n);
            }
            return;
        }
        pool.forRange(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                row(x, residual, r * n, gamma, beta, out, n);
            }
        });
    }

    /** One row at {@code offset} (vectorized). */
    public static void row(float[] x, float[] residual, int offset, float[] gamma, float[] beta, float[] out, int n) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        float tail = 0f;
        int j = 0;
        for (; j < bound; j += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, offset + j);
            if (residual != null) {
                v = v.add(FloatVector.fromArray(S, residual, offset + j));
            }
            v.intoArray(out, offset + j);
            acc = acc.add(v);
        }
        for (; j < n; j++) {
            float v = residual == null ? x[offset + j] : x[offset + j] + residual[offset + j];
            out[offset + j] = v;
            tail += v;
        }
        float m0 = (float) (((double) VectorMath.sumLanes(acc) + tail) / n);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S);
        double t1 = 0;
        double t2 = 0;
        j = 0;
        for (; j < bound; j += S.length()) {
            FloatVector d = FloatVector.fromArray(S, out, offset + j).sub(m0);
            s1 = s1.add(d);
            s2 = d.fma(d, s2);
        }
        for (; j < n; j++) {
            float d = out[offset + j] - m0;
            t1 += d;
            t2 += (double) d * d;
        }
        double sum1 = t1;
        double sum2 = t2;
        for (int lane = 0; lane < S.length(); lane++) {
            sum1 += s1.lane(lane);
            sum2 += s2.lane(lane);
        }
        double shift = sum1 / n;
        double mean = m0 + shift;
        double var = Math.max(0.0, sum2 / n - shift * shift);
        float meanF = (float) mean;
        float inv = (float) (1.0 / Math.sqrt(var + EPSILON));
        j = 0;
        for (; j < bound; j += S.length()) {
            FloatVector d = FloatVector.fromArray(S, out, offset + j).sub(meanF).mul(inv);
            d.fma(FloatVector.fromArray(S, gamma, j), FloatVector.fromArray(S, beta, j)).intoArray(out, offset + j);
        }
        for (; j < n; j++) {
            out[offset + j] = Math.fma((out[offset + j] - meanF) * inv, gamma[j], beta[j]);
        }
    }

    /** Scalar twin and reference: statistics and normalization in double, rounded once. */
    public static void rowScalar(float[] x, float[] residual, int offset, float[] gamma, float[] beta,
                                 float[] out, int n) {
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
