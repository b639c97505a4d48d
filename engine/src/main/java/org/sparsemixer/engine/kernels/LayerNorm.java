package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row layer norm with epsilon 1e-12 and population variance (SPEC notation), fused with the residual add.
 * <p>
 * Vectorized, two passes over the row for the statistics: the float mean {@code m0} from 16 partial sums
 * ({@link VectorShapes#SUM_WIDTH}, the same order for every vector width), then partial sums of
 * {@code d = x - m0} and {@code d^2}, combined in double as
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

    /**
     * One row at {@code offset} (vectorized). The statistics are summed in the fixed order of
     * {@link VectorShapes#SUM_WIDTH} partial sums, so the result does not depend on the vector width.
     */
    public static void row(float[] x, float[] residual, int offset, float[] gamma, float[] beta, float[] out, int n) {
        final int l = S.length();
        final int step = VectorShapes.SUM_WIDTH;
        final int sumBound = n - n % step;
        inputInto(x, residual, offset, out, n);
        float tail = 0f;
        for (int j = sumBound; j < n; j++) {
            tail += out[offset + j];
        }
        float m0 = (float) (((double) VectorMath.blockSum(out, offset, n) + tail) / n);
        FloatVector s10 = FloatVector.zero(S);
        FloatVector s11 = s10;
        FloatVector s12 = s10;
        FloatVector s13 = s10;
        FloatVector s20 = s10;
        FloatVector s21 = s10;
        FloatVector s22 = s10;
        FloatVector s23 = s10;
        int j;
        for (j = 0; j < sumBound; j += step) {
            FloatVector d = FloatVector.fromArray(S, out, offset + j).sub(m0);
            s10 = s10.add(d);
            s20 = d.fma(d, s20);
            if (VectorShapes.SUM_VECTORS > 1) {
                d = FloatVector.fromArray(S, out, offset + j + l).sub(m0);
                s11 = s11.add(d);
                s21 = d.fma(d, s21);
                if (VectorShapes.SUM_VECTORS > 2) {
                    d = FloatVector.fromArray(S, out, offset + j + 2 * l).sub(m0);
                    s12 = s12.add(d);
                    s22 = d.fma(d, s22);
                    d = FloatVector.fromArray(S, out, offset + j + 3 * l).sub(m0);
                    s13 = s13.add(d);
                    s23 = d.fma(d, s23);
                }
            }
        }
        double t1 = 0;
        double t2 = 0;
        for (; j < n; j++) {
            float d = out[offset + j] - m0;
            t1 += d;
            t2 += (double) d * d;
        }
        // the partial sums of d and d^2 side by side, stored here: a reduction method taking them as vector
        // arguments boxed them whenever C2 left it a call (see VectorMath.partials)
        float[] partials = VectorMath.partials();
        s10.intoArray(partials, 0);
        s20.intoArray(partials, step);
        if (VectorShapes.SUM_VECTORS > 1) {
            s11.intoArray(partials, l);
            s21.intoArray(partials, step + l);
            if (VectorShapes.SUM_VECTORS > 2) {
                s12.intoArray(partials, 2 * l);
                s22.intoArray(partials, step + 2 * l);
                s13.intoArray(partials, 3 * l);
                s23.intoArray(partials, step + 3 * l);
            }
        }
        double sum1 = VectorMath.sumPartials(t1, partials, 0);
        double sum2 = VectorMath.sumPartials(t2, partials, step);
        double shift = sum1 / n;
        double mean = m0 + shift;
        double var = Math.max(0.0, sum2 / n - shift * shift);
        float meanF = (float) mean;
        float inv = (float) (1.0 / Math.sqrt(var + EPSILON));
        // element-wise from here: the split between vector and scalar code does not change any value
        int bound = S.loopBound(n);
        j = 0;
        for (; j < bound; j += l) {
            FloatVector d = FloatVector.fromArray(S, out, offset + j).sub(meanF).mul(inv);
            d.fma(FloatVector.fromArray(S, gamma, j), FloatVector.fromArray(S, beta, j)).intoArray(out, offset + j);
        }
        for (; j < n; j++) {
            out[offset + j] = Math.fma((out[offset + j] - meanF) * inv, gamma[j], beta[j]);
        }
    }

    /**
     * {@code out = x (+ residual)} over the row. Its own pass over arrays: no method of the kernel passes or
     * returns a vector (see {@code VectorMath.exp}).
     */
    private static void inputInto(float[] x, float[] residual, int offset, float[] out, int n) {
        if (residual != null) {
            VectorMath.add(x, offset, residual, offset, out, offset, n);
        } else if (out != x) {
            System.arraycopy(x, offset, out, offset, n);
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
