package org.sparsemixer.engine.kernels;

/** Element-wise activations. */
public final class Activations {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private Activations() {
    }

    /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, evaluated in double and rounded once. */
    public static float gelu(float x) {
        double v = x;
        return (float) (0.5 * v * (1.0 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v))));
    }

    public static void gelu(float[] x, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            x[i] = gelu(x[i]);
        }
    }

    public static void tanh(float[] x, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            x[i] = (float) Math.tanh(x[i]);
        }
    }
}
