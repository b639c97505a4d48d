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
        if (n <= 0) {
            return;
        }
        int bound = S.loopBound(n);
        int j = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            FloatVector vmax = FloatVector.fromArray(S, x, offset);
            for (j = S.length(); j < bound; j += S.length()) {
                vmax = vmax.max(FloatVector.fromArray(S, x, offset + j));
            }
            max = vmax.reduceLanes(VectorOperators.MAX);
        }
        for (; j < n; j++) {
            max = Math.max(max, x[offset + j]);
        }
        // the denominator in the fixed order of VectorShapes.SUM_WIDTH partial sums (any vector width)
        final int l = S.length();
        final int step = VectorShapes.SUM_WIDTH;
        final int sumBound = n - n % step;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        float tail = 0f;
        for (j = 0; j < sumBound; j += step) {
            a0 = a0.add(expInPlace(x, offset + j, max));
            if (VectorShapes.SUM_VECTORS > 1) {
                a1 = a1.add(expInPlace(x, offset + j + l, max));
                if (VectorShapes.SUM_VECTORS > 2) {
                    a2 = a2.add(expInPlace(x, offset + j + 2 * l, max));
                    a3 = a3.add(expInPlace(x, offset + j + 3 * l, max));
                }
            }
        }
        for (; j < n; j++) {
            float e = VectorMath.expScalar(x[offset + j] - max);
            x[offset + j] = e;
            tail += e;
        }
        float inv = 1f / (VectorMath.sumPartials(a0, a1, a2, a3) + tail);
        for (j = 0; j < bound; j += S.length()) {
            FloatVector.fromArray(S, x, offset + j).mul(inv).intoArray(x, offset + j);
        }
        for (; j < n; j++) {
            x[offset + j] *= inv;
        }
    }

    /** exp(x[i..] - max) stored in place and returned. */
    private static FloatVector expInPlace(float[] x, int i, float max) {
        FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, i).sub(max));
        e.intoArray(x, i);
        return e;
    }

    /**
     * Adds {@link #MASK_PENALTY} (in float32, as TensorFlow does) to every key s with
     * {@code mask[maskOffset + s] == 0}, then softmax in place.
     */
    public static void maskedRow(float[] x, int offset, int n, int[] mask, int maskOffset) {
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
        row(x, offset, n);
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
