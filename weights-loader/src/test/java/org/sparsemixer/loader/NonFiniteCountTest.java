package org.sparsemixer.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NonFiniteCountTest {
    private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.intBitsToFloat(0x7FC00001), Float.intBitsToFloat(0xFF800001)};

    /** Counts by Float.isNaN / isInfinite, one value at a time. */
    private static NonFiniteCount reference(float[] values) {
        long nan = 0;
        long pos = 0;
        long neg = 0;
        for (float v : values) {
            if (Float.isNaN(v)) {
                nan++;
            } else if (Float.isInfinite(v)) {
                if (v > 0) {
                    pos++;
                } else {
                    neg++;
                }
            }
        }
        return new NonFiniteCount(nan, pos, neg);
    }

    @Test
    void finiteValuesIncludingExtremesCountNothing() {
        float[] values = {0f, -0f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_NORMAL, 1e-30f, 3f, -7f};
        assertEquals(new NonFiniteCount(0, 0, 0), NonFiniteCount.of(values));
        assertEquals(new NonFiniteCount(0, 0, 0), NonFiniteCount.of(new float[0]));
    }

    @Test
    void everyNonFiniteValueIsCountedAtEveryPositionOfAwkwardLengths() {
        SplittableRandom random = new SplittableRandom(13);
        for (int n : new int[] {1, 7, 8, 9, 15, 16, 17, 33}) {
            for (int at = 0; at < n; at++) {
                for (float special : SPECIAL) {
                    float[] values = new float[n];
                    for (int i = 0; i < n; i++) {
                        values[i] = (float) (random.nextGaussian() * 1e30);
                    }
                    values[at] = special;
                    assertEquals(reference(values), NonFiniteCount.of(values), "n " + n + ", " + special + " at " + at);
                }
            }
        }
    }

    @Test
    void mixedCountsMatchTheReference() {
        SplittableRandom random = new SplittableRandom(5);
        for (int round = 0; round < 200; round++) {
            float[] values = new float[random.nextInt(1, 100)];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextInt(4) == 0 ? SPECIAL[random.nextInt(SPECIAL.length)] : (float) random.nextGaussian();
            }
            assertEquals(reference(values), NonFiniteCount.of(values));
        }
    }
}
