package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ActivationsTest {
    static final int[] SIZES = {1, 7, 15, 16, 17, 31, 33, 127, 255, 256, 257, 511, 513, 2048};

    /**
     * The tanh-GELU in double, in the form {@code x / (1 + exp(-2u))}: mathematically the same as
     * {@code 0.5 x (1 + tanh(u))}, but without the cancellation that form suffers in double below x = -5.
     */
    static double geluDouble(double v) {
        double u = Math.sqrt(2.0 / Math.PI) * (v + 0.044715 * v * v * v);
        return v / (1.0 + Math.exp(-2.0 * u));
    }

    /** The accepted bound on |gelu(x) - tanh-GELU in double| (issue 13), anywhere in the float range. */
    static final double GELU_ABS_BOUND = 1e-6;

    /**
     * The exact tanh-GELU of a float, in double; at the infinities its limits (+Infinity, and 0 for -Infinity,
     * where {@link #geluDouble} gives NaN).
     */
    static double geluLimit(float x) {
        if (x == Float.POSITIVE_INFINITY) {
            return x;
        }
        return x == Float.NEGATIVE_INFINITY ? 0 : geluDouble(x);
    }

    /**
     * Every 256th float bit pattern (16.7 million values, 32768 in every binade: all magnitudes, both signs,
     * subnormals, infinities and NaNs), every float in [-8, 8] at a step of 2^-17 (2 million more; the part where gelu differs from x and
     * 0), and the edges: zeros, the smallest and largest floats, the numerator bound -20, where exp's
     * argument reaches +-88, the infinities.
     */
    static float[] wholeFloatRange() {
        float[] edges = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            20f, -20f, Math.nextDown(-20f), Math.nextUp(-20f), 10.05f, -10.05f, -10.1f, 5f, -5f, 4f, -4f, 1f, -1f,
            1e-20f, -1e-20f, 1e19f, -1e19f, 2e19f, -2e19f};
        int fine = 1 << 21;
        float[] x = new float[(1 << 24) + fine + 1 + edges.length];
        int i = 0;
        for (long bits = 0; bits < (1L << 32); bits += 256) {
            x[i++] = Float.intBitsToFloat((int) bits);
        }
        for (int k = 0; k <= fine; k++) {
            x[i++] = -8f + k * 0x1p-17f;
        }
        System.arraycopy(edges, 0, x, i, edges.length);
        return x;
    }

    @Test
    void geluAbsoluteErrorBelowOneInAMillionOverTheWholeFloatRange() {
        float[] x = wholeFloatRange();
        float[] y = x.clone();
        Activations.gelu(y, 0, y.length);
        double worst = 0;
        float worstAt = 0;
        int nan = 0;
        for (int i = 0; i < x.length; i++) {
            if (Float.isNaN(x[i])) {
                assertTrue(Float.isNaN(y[i]), "gelu(NaN) must be NaN, got " + y[i]);
                nan++;
                continue;
            }
            double ref = geluLimit(x[i]);
            double err = ref == y[i] ? 0 : Math.abs(y[i] - ref); // equal infinities: no error
            if (!(err <= worst)) {
                worst = err;
                worstAt = x[i];
            }
        }
        System.out.printf("gelu max absolute error over the whole float range: %.3g at x = %s (%s)%n", worst,
                worstAt, VectorShapes.describe());
        assertTrue(nan > 0, "the sample holds NaNs");
        assertTrue(worst <= GELU_ABS_BOUND, "max absolute error " + worst + " at x = " + worstAt);
    }

    @Test
    void geluScalarTwinIsBitIdenticalOverTheWholeFloatRange() {
        float[] x = wholeFloatRange();
        float[] v = x.clone();
        float[] s = x.clone();
        Activations.gelu(v, 0, v.length);
        Activations.geluScalar(s, 0, s.length);
        for (int i = 0; i < x.length; i++) {
            if (Float.floatToIntBits(v[i]) != Float.floatToIntBits(s[i])) {
                throw new AssertionError("gelu(" + x[i] + "): vector " + v[i] + ", scalar twin " + s[i]);
            }
        }
    }

    @Test
    void geluSpecialValues() {
        float[] x = {0f, -0f, Float.MIN_VALUE, 1e-30f, -1e-30f, 30f, -30f, 1e6f, -1e6f, Float.MAX_VALUE,
            -Float.MAX_VALUE, 3f, -3f, 0.5f, -0.5f, 19.9f, 20f, 20.1f, -19.9f, -20f, -20.1f};
        float[] y = x.clone();
        Activations.gelu(y, 0, y.length);
        for (int i = 0; i < x.length; i++) {
            double ref = Math.abs(x[i]) > 1e30 ? (x[i] > 0 ? x[i] : 0) : geluDouble(x[i]);
            // Below about x = -10.3 the exact value underflows; the kernel returns |gelu| < 1e-35 there.
            assertEquals(ref, y[i], Math.abs(ref) * 1e-6 + 1e-35, "gelu(" + x[i] + ")");
        }
        assertTrue(Float.isNaN(VectorMath.geluScalar(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.geluScalar(Float.POSITIVE_INFINITY));
        assertEquals(0f, VectorMath.geluScalar(Float.NEGATIVE_INFINITY), 1e-35f);
    }

    @Test
    void vectorAndScalarTwinsAreBitIdentical() {
        for (int n : SIZES) {
            float[] x = GemmTest.random(n, n + 3);
            for (int i = 0; i < x.length; i++) {
                x[i] *= 12f;
            }
            float[] v = x.clone();
            float[] s = x.clone();
            Activations.gelu(v, 3, n);
            Activations.geluScalar(s, 3, n);
            assertArrayEquals(s, v, "gelu n=" + n);
            v = x.clone();
            s = x.clone();
            Activations.tanh(v, 2, n);
            Activations.tanhScalar(s, 2, n);
            assertArrayEquals(s, v, "tanh n=" + n);
        }
    }

    @Test
    void tanhIsAccurate() {
        int count = 1_000_001;
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) (-12.0 + 24.0 * i / (count - 1));
        }
        float[] y = x.clone();
        Activations.tanh(y, 0, count);
        double worstRel = 0;
        for (int i = 0; i < count; i++) {
            double ref = Math.tanh(x[i]);
            double rel = ref == 0 ? Math.abs(y[i]) : Math.abs((y[i] - ref) / ref);
            worstRel = Math.max(worstRel, rel);
        }
        System.out.printf("tanh max relative error over [-12, 12]: %.3g%n", worstRel);
        assertTrue(worstRel <= 1e-6, "tanh max relative error " + worstRel);
        float[] special = {0f, -0f, 1e-20f, -1e-20f, 50f, -50f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        float[] t = special.clone();
        Activations.tanh(t, 0, t.length);
        for (int i = 0; i < special.length; i++) {
            assertEquals(Math.tanh(special[i]), t[i], 1e-7, "tanh(" + special[i] + ")");
        }
    }

    @Test
    void expMatchesDouble() {
        double worst = 0;
        for (int i = 0; i <= 200_000; i++) {
            float x = (float) (-87.0 + 175.0 * i / 200_000);
            float e = VectorMath.expScalar(x);
            worst = Math.max(worst, Math.abs(e / Math.exp(x) - 1));
        }
        assertTrue(worst < 3e-7, "exp max relative error " + worst);
        assertEquals(0f, VectorMath.expScalar(-1e9f));
    }
}
