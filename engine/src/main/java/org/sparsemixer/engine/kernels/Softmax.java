package org.sparsemixer.engine.kernels;

/** Row softmax, optionally with the attention mask of SPEC section 3. */
public final class Softmax {
    /** Added to the score of a masked key, in float32 (so a fully masked row becomes uniform). */
    public static final float MASK_PENALTY = -1e9f;

    private Softmax() {
    }

    /** In place over {@code x[offset, offset + n)}. */
    public static void row(float[] x, int offset, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, x[offset + j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(x[offset + j] - max);
            x[offset + j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < n; j++) {
            x[offset + j] *= inv;
        }
    }

    /**
     * Adds {@link #MASK_PENALTY} (in float32, as TensorFlow does) to every key s with
     * {@code mask[maskOffset + s] == 0}, then softmax in place.
     */
    public static void maskedRow(float[] x, int offset, int n, int[] mask, int maskOffset) {
        for (int j = 0; j < n; j++) {
            if (mask[maskOffset + j] == 0) {
                x[offset + j] += MASK_PENALTY;
            }
        }
        row(x, offset, n);
    }
}
