package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The element-wise tolerance of SPEC section 6: |got - want| <= 1e-4 + 1e-4 * |want|. */
final class Tolerance {
    private Tolerance() {
    }

    static void assertClose(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what + ": element count");
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs((double) got[i] - want[i]);
            if (!(err <= 1e-4 + 1e-4 * Math.abs((double) want[i]))) {
                throw new AssertionError(what + "[" + i + "] = " + got[i] + ", expected " + want[i]);
            }
        }
    }
}
