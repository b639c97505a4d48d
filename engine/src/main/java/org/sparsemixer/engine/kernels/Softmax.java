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
     * The penalty of each masked key added in place (the float addition TensorFlow makes), then three passes:
     * the maximum, exp(x - max) stored and summed, the scaling. The maximum is taken with compare-and-blend
     * in two independent chains: the maximum of a set does not depend on the order, and a NaN (which
     * FloatVector.max would propagate) makes the sum, and so every output, NaN either way.
     */
    private static void row(float[] x, int offset, int n, int[] mask, int maskOffset) {
        if (n <= 0) {
            return;
        }
        // Methods with only arrays and scalars crossing their boundaries: a vector passed to or returned by a
        // method that C2 leaves a call is boxed on the heap (see VectorMath.exp)
        if (mask != null) {
            penalize(x, offset, n, mask, maskOffset);
        }
        float max = max(x, offset, n);
        float inv = 1f / expSum(x, offset, n, max);
        scale(x, offset, n, inv);
    }

    private static void penalize(float[] x, int offset, int n, int[] mask, int maskOffset) {
        int bound = S.loopBound(n);
        int j = 0;
        for (; j < bound; j += S.length()) {
            VectorMask<Float> masked = IntVector.fromArray(SI, mask, maskOffset + j).eq(0).cast(S);
            FloatVector.fromArray(S, x, offset + j).add(MASK_PENALTY, masked).intoArray(x, offset + j);
        }
        for (; j < n; j++) {
            if (mask[maskOffset + j] == 0) {
                x[offset + j] += MASK_PENALTY;
            }
        }
    }

    /** The largest value of the row. */
    private static float max(float[] x, int offset, int n) {
        final int l = S.length();
        int bound = S.loopBound(n);
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector m1 = m0;
        int j = 0;
        for (; j + 2 * l <= bound; j += 2 * l) {
            FloatVector v0 = FloatVector.fromArray(S, x, offset + j);
            FloatVector v1 = FloatVector.fromArray(S, x, offset + j + l);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
            m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
        }
        for (; j < bound; j += l) {
            FloatVector v0 = FloatVector.fromArray(S, x, offset + j);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
        }
        float max = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            max = Math.max(max, x[offset + j]);
        }
        return max;
    }

    /**
     * exp(x - max) stored in place; returns their sum in the fixed order of {@link VectorShapes#SUM_WIDTH}
     * partial sums (any vector width).
     */
    private static float expSum(float[] x, int offset, int n, float max) {
        final int l = S.length();
        int bound = S.loopBound(n);
        int j = 0;
        for (; j < bound; j += l) {
            FloatVector.fromArray(S, x, offset + j).sub(max).intoArray(x, offset + j);
        }
        for (; j < n; j++) {
            x[offset + j] -= max;
        }
        VectorMath.exp(x, offset, offset + n);
        float tail = 0f;
        for (j = n - n % VectorShapes.SUM_WIDTH; j < n; j++) {
            tail += x[offset + j];
        }
        return VectorMath.blockSum(x, offset, n) + tail;
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
