package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;

/** The element-wise tolerance of SPEC section 6: |got - want| <= 1e-4 + 1e-4 * |want|. */
final class Tolerance {
    static final double ABS = 1e-4;
    static final double REL = 1e-4;

    private Tolerance() {
    }

    static boolean within(float got, float want) {
        // Written so that NaN in either fails.
        return Math.abs((double) got - (double) want) <= ABS + REL * Math.abs((double) want);
    }

    /** Fails with the first out-of-tolerance index (also as a multi-index of {@code shape}) and the max error. */
    static void assertClose(String what, int[] shape, float[] want, float[] got) {
        assertEquals(want.length, got.length, what + ": element count");
        int firstBad = -1;
        int bad = 0;
        double maxError = 0;
        int maxErrorAt = -1;
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs((double) got[i] - (double) want[i]);
            if (!within(got[i], want[i])) {
                bad++;
                if (firstBad < 0) {
                    firstBad = i;
                }
            }
            if (!(err <= maxError)) { // also catches NaN
                maxError = err;
                maxErrorAt = i;
            }
        }
        if (firstBad >= 0) {
            fail(String.format("%s: %d of %d elements out of tolerance; first at %s (flat %d): got %s, want %s;"
                            + " max |error| %.3g at %s", what, bad, want.length, multiIndex(shape, firstBad), firstBad,
                    got[firstBad], want[firstBad], maxError, multiIndex(shape, maxErrorAt)));
        }
    }

    static void assertBitIdentical(String what, float[] a, float[] b) {
        assertEquals(a.length, b.length, what + ": element count");
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                fail(what + ": first difference at flat index " + i + ": " + a[i] + " vs " + b[i]);
            }
        }
        assertArrayEquals(a, b, what);
    }

    static String multiIndex(int[] shape, int flat) {
        if (flat < 0 || shape == null) {
            return String.valueOf(flat);
        }
        int[] idx = new int[shape.length];
        int rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : rest % shape[d];
            rest = shape[d] == 0 ? 0 : rest / shape[d];
        }
        return Arrays.toString(idx);
    }
}
