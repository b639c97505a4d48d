package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row softmax, optionally with the attention mask of SPEC section 3. Vectorized with the hand-written exp
 * of {@link VectorMath} (about 1e-7 relative error; exp of arguments below about -87.9 is 0); the sum is
 * accumulated in float in 16 partial sums ({@link VectorShapes#SUM_WIDTH}, the same order for every vector
 * width) and reduced once in ascending order. {@link #rowScalar} / {@link #maskedRowScalar} are the
 * scalar twins (same exp, sequential sum), equal to within a few ulps.
 */
public final class Softmax {
    /** Added to the score of a masked key, in float32 (so a fully masked row becomes uniform). */
    public static final float MASK_PENALTY = -1e9f;
    private static final VectorSpecies<Float> S = VectorShapes.F;
    private static final VectorSpecies<Integer> SI = S.withLanes(int.class);

    private Softmax() {
    }

    /** In place over {@code x[offset, offset + n)}. */
    public static void row(float[] x, int offset, int n) {
        row(x, offset, n, null, 0);
    }

    /**
     * Adds {@link #MASK_PENALTY} (in float32, as TensorFlow does) to every key s with
     * {@code mask[maskOffset + s] == 0}, then softmax in place.
     */
    public static void maskedRow(float[] x, int offset, int n, int[] mask, int maskOffset) {
        row(x, offset, n, mask, maskOffset);
    }

    /**
     * {@link #maskedRow} on {@code rows} rows of length n, row r at {@code x[offset + r * n]}, all with the
     * same mask. The mask is looked at once: a row with no masked key skips the penalty entirely (adding
     * nothing gives the same values).
     */
    public static void maskedRows(float[] x, int offset, int rows, int n, int[] mask, int maskOffset) {
        boolean anyMasked = false;
        for (int j = 0; j < n && !anyMasked; j++) {
            anyMasked = mask[maskOffset + j] == 0;
        }
        for (int r = 0; r < rows; r++) {
            row(x, offset + r * n, n, anyMasked ? mask : null, maskOffset);
        }
    }

    /**
     * Three passes: the maximum, exp(x - max) stored and summed, the scaling. The penalty of a masked key
     * is added (the same float addition) in both of the first two passes rather than stored first, and
     * the maximum is taken with compare-and-blend in two independent chains: the maximum of a set does not
     * depend on the order, and a NaN (which FloatVector.max would propagate) makes the sum, and so every
     * output, NaN either way.
     */
    private static void row(float[] x, int offset, int n, int[] mask, int maskOffset) {
        if (n <= 0) {
            return;
        }
        // Three methods with only scalars crossing their boundaries: as one method, C2 reached its node limit
        // and left the partial-sum reduction a call, boxing two vectors a row (~25 MB a Base call at batch 8).
        float max = max(x, offset, n, mask, maskOffset);
        float inv = 1f / expSum(x, offset, n, mask, maskOffset, max);
        scale(x, offset, n, inv);
    }

    /** The largest score of the row, penalties included. */
    private static float max(float[] x, int offset, int n, int[] mask, int maskOffset) {
        final int l = S.length();
        int bound = S.loopBound(n);
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector m1 = m0;
        int j = 0;
        for (; j + 2 * l <= bound; j += 2 * l) {
            FloatVector v0 = scores(x, offset + j, mask, maskOffset + j);
            FloatVector v1 = scores(x, offset + j + l, mask, maskOffset + j + l);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
            m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
        }
        for (; j < bound; j += l) {
            FloatVector v0 = scores(x, offset + j, mask, maskOffset + j);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
        }
        float max = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            max = Math.max(max, score(x, offset + j, mask, maskOffset + j));
        }
        return max;
    }

    /**
     * exp(score - max) stored in place; returns their sum in the fixed order of {@link VectorShapes#SUM_WIDTH}
     * partial sums (any vector width).
     */
    private static float expSum(float[] x, int offset, int n, int[] mask, int maskOffset, float max) {
        final int l = S.length();
        final int step = VectorShapes.SUM_WIDTH;
        final int sumBound = n - n % step;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        float tail = 0f;
        int j;
        for (j = 0; j < sumBound; j += step) {
            a0 = a0.add(expInPlace(x, offset + j, mask, maskOffset + j, max));
            if (VectorShapes.SUM_VECTORS > 1) {
                a1 = a1.add(expInPlace(x, offset + j + l, mask, maskOffset + j + l, max));
                if (VectorShapes.SUM_VECTORS > 2) {
                    a2 = a2.add(expInPlace(x, offset + j + 2 * l, mask, maskOffset + j + 2 * l, max));
                    a3 = a3.add(expInPlace(x, offset + j + 3 * l, mask, maskOffset + j + 3 * l, max));
                }
            }
        }
        for (; j < n; j++) {
            float e = VectorMath.expScalar(score(x, offset + j, mask, maskOffset + j) - max);
            x[offset + j] = e;
            tail += e;
        }
        return VectorMath.sumPartials(a0, a1, a2, a3) + tail;
    }

    private static void scale(float[] x, int offset, int n, float inv) {
        int bound = S.loopBound(n);
        int j;
        for (j = 0; j < bound; j += S.length()) {
            FloatVector.fromArray(S, x, offset + j).mul(inv).intoArray(x, offset + j);
        }
        for (; j < n; j++) {
            x[offset + j] *= inv;
        }
    }

    /** The scores at x[i..], with the penalty added where the mask (if any) is 0. */
    private static FloatVector scores(float[] x, int i, int[] mask, int m) {
        FloatVector v = FloatVector.fromArray(S, x, i);
        if (mask == null) {
            return v;
        }
        VectorMask<Float> masked = IntVector.fromArray(SI, mask, m).eq(0).cast(S);
        return v.add(MASK_PENALTY, masked);
    }

    private static float score(float[] x, int i, int[] mask, int m) {
        return mask != null && mask[m] == 0 ? x[i] + MASK_PENALTY : x[i];
    }

    /** exp(scores at x[i..] - max) stored in place and returned. */
    private static FloatVector expInPlace(float[] x, int i, int[] mask, int m, float max) {
        FloatVector e = VectorMath.exp(scores(x, i, mask, m).sub(max));
        e.intoArray(x, i);
        return e;
    }

    /** Scalar twin of {@link #row}. */
    public static void rowScalar(float[] x, int offset, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, x[offset + j]);
        }
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            float e = VectorMath.expScalar(x[offset + j] - max);
            x[offset + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int j = 0; j < n; j++) {
            x[offset + j] *= inv;
        }
    }

    /** Scalar twin of {@link #maskedRow}. */
    public static void maskedRowScalar(float[] x, int offset, int n, int[] mask, int maskOffset) {
        for (int j = 0; j < n; j++) {
            if (mask[maskOffset + j] == 0) {
                x[offset + j] += MASK_PENALTY;
            }
        }
        rowScalar(x, offset, n);
    }
}
