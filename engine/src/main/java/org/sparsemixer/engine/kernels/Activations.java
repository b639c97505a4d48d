package org.sparsemixer.engine.kernels;

/**
 * Element-wise activations. The array forms are vectorized ({@link VectorMath}); {@link #geluScalar} and
 * {@link #tanhScalar} are their scalar twins and give bit-identical results, element by element. The
 * vectorized GELU stays within 1e-6 absolute error of the tanh-GELU in double over the whole float range
 * (about 5e-7 measured; checked by the tests).
 */
public final class Activations {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private Activations() {
    }

    /**
     * Reference: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, evaluated in double and rounded once.
     * Slow; the kernels use the vectorized form.
     */
    public static float gelu(float x) {
        double v = x;
        return (float) (0.5 * v * (1.0 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v))));
    }

    /** Scalar twin of the vectorized GELU: the same float operations, so bit-identical to it. */
    public static float geluScalar(float x) {
        return VectorMath.geluScalar(x);
    }

    /** Scalar twin of the vectorized tanh. */
    public static float tanhScalar(float x) {
        return VectorMath.tanhScalar(x);
    }

    /** In place over {@code x[offset, offset + length)}: approximate tanh-GELU (vectorized). */
    public static void gelu(float[] x, int offset, int length) {
        VectorMath.gelu(x, offset, offset + length);
    }

    /** In place tanh over {@code x[offset, offset + length)} (vectorized; max error a few float ulps). */
    public static void tanh(float[] x, int offset, int length) {
        VectorMath.tanh(x, offset, offset + length);
    }

    /** Scalar twin of {@link #gelu(float[], int, int)}. */
    public static void geluScalar(float[] x, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            x[i] = VectorMath.geluScalar(x[i]);
        }
    }

    /** Scalar twin of {@link #tanh(float[], int, int)}. */
    public static void tanhScalar(float[] x, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            x[i] = VectorMath.tanhScalar(x[i]);
        }
    }
}
