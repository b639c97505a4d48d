package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Round-to-nearest-even to F16 and BF16, checked at every rounding boundary of both formats (each
 * representable value, each midpoint between neighbours and one float32 ulp either side of it) against
 * independent oracles: the JDK's {@link Float#floatToFloat16} for F16, exact {@link BigDecimal}
 * arithmetic for BF16 and for the float64 paths.
 */
class HalfFloatsTest {
    private static String hex(int bits) {
        return String.format("0x%04X", bits & 0xFFFF);
    }

    // ---- F16

    @Test
    void f16WideningIsExactForAll65536Values() {
        for (int h = 0; h < 0x10000; h++) {
            float jdk = Float.float16ToFloat((short) h);
            float mine = HalfFloats.f16ToFloat((short) h);
            if (Float.isNaN(jdk)) {
                assertTrue(Float.isNaN(mine), hex(h));
            } else {
                assertEquals(Float.floatToRawIntBits(jdk), Float.floatToRawIntBits(mine), hex(h));
                assertEquals(h, HalfFloats.toF16Bits(mine) & 0xFFFF, "round trip " + hex(h));
            }
        }
    }

    @Test
    void f16RoundingMatchesTheJdkAtEveryBoundary() {
        for (int h = 0; h < 0x10000; h++) {
            float x = HalfFloats.f16ToFloat((short) h);
            if (!Float.isFinite(x)) {
                continue;
            }
            float next = HalfFloats.f16ToFloat((short) (h + 1)); // next in magnitude (65504 -> Inf, 0x7C00)
            double mid = Float.isInfinite(next) ? Math.copySign(65520.0, x) : ((double) x + next) / 2;
            float m = (float) mid; // exact: a midpoint of F16 values needs at most 12 significant bits
            assertEquals(mid, m, 0.0, "midpoint is a float");
            for (float v : new float[] {x, Math.nextUp(x), Math.nextDown(x), m, Math.nextUp(m), Math.nextDown(m)}) {
                checkF16(v);
                checkF16(-v);
            }
        }
    }

    @Test
    void f16RoundingMatchesTheJdkOnRandomAndSpecialFloats() {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 2_000_000; i++) {
            checkF16(Float.intBitsToFloat(random.nextInt()));
        }
        for (float v : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 65504f, 65519.996f, 65520f,
                65536f, 1e10f, 0x1p-24f, 0x1p-25f, Math.nextUp(0x1p-25f), 0x1.8p-24f, 0x1p-14f, 0x1.ffcp-15f}) {
            checkF16(v);
            checkF16(-v);
        }
    }

    private static void checkF16(float v) {
        short want = Float.floatToFloat16(v);
        short got = HalfFloats.toF16Bits(v);
        if (want != got) {
            fail("F16 of " + v + " (" + Integer.toHexString(Float.floatToRawIntBits(v)) + "): got " + hex(got)
                    + ", want " + hex(want));
        }
    }

    @Test
    void f16SpecialCases() {
        assertEquals(0x7C00, HalfFloats.toF16Bits(65520f) & 0xFFFF, "tie above the largest finite value -> Inf");
        assertEquals(0x7BFF, HalfFloats.toF16Bits(Math.nextDown(65520f)) & 0xFFFF);
        assertEquals(0xFC00, HalfFloats.toF16Bits(-1e30f) & 0xFFFF, "overflow -> -Inf");
        assertEquals(0x7C00, HalfFloats.toF16Bits(Float.POSITIVE_INFINITY) & 0xFFFF);
        assertEquals(0x0001, HalfFloats.toF16Bits(0x1p-24f) & 0xFFFF, "smallest subnormal");
        assertEquals(0x0000, HalfFloats.toF16Bits(0x1p-25f) & 0xFFFF, "tie to even: 0");
        assertEquals(0x0002, HalfFloats.toF16Bits(0x1.8p-24f) & 0xFFFF, "tie 1.5 units -> 2");
        assertEquals(0x8000, HalfFloats.toF16Bits(-1e-30f) & 0xFFFF, "underflow keeps the sign");
        assertEquals(0x3C00, HalfFloats.toF16Bits(1f) & 0xFFFF);
        assertEquals(0x3C00, HalfFloats.toF16Bits(1f + 0x1p-11f) & 0xFFFF, "tie to even (down)");
        assertEquals(0x3C02, HalfFloats.toF16Bits(1f + 3 * 0x1p-11f) & 0xFFFF, "tie to even (up)");
        short nan = HalfFloats.toF16Bits(Float.intBitsToFloat(0x7F80_0001)); // signalling NaN, low payload only
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(nan)), "NaN stays NaN, never Inf: " + hex(nan));
        assertEquals(0xFE00, HalfFloats.toF16Bits(Float.intBitsToFloat(0xFFC0_0000)) & 0xFFFF, "-qNaN");
    }

    // ---- BF16

    /** Nearest-even BF16 of a finite float by exact arithmetic (an oracle independent of the bit tricks). */
    private static int bf16Oracle(float v) {
        int bits = Float.floatToRawIntBits(v);
        int lo = bits >>> 16; // truncation: same sign, magnitude <= |v|
        int hi = lo + 1;      // next BF16 in magnitude (may be Inf)
        BigDecimal x = new BigDecimal(v).abs();
        BigDecimal a = new BigDecimal(Float.intBitsToFloat((lo & 0x7FFF) << 16));
        BigDecimal b = (hi & 0x7FFF) == 0x7F80 ? BigDecimal.valueOf(2).pow(128)
                : new BigDecimal(Float.intBitsToFloat((hi & 0x7FFF) << 16));
        int cmp = x.subtract(a).compareTo(b.subtract(x));
        return cmp < 0 || (cmp == 0 && (lo & 1) == 0) ? lo : hi;
    }

    @Test
    void bf16RoundingAtEveryBoundary() {
        for (int h = 0; h < 0x7F80; h++) { // every finite non-negative BF16 value
            float x = HalfFloats.bf16ToFloat((short) h);
            int nextBits = (h + 1) << 16;
            float mid = Float.intBitsToFloat((h << 16) | 0x8000); // exact midpoint to the next value
            for (float v : new float[] {x, Math.nextUp(x), Math.nextDown(x), mid, Math.nextUp(mid), Math.nextDown(mid),
                    Float.intBitsToFloat(nextBits - 1)}) {
                if (!Float.isFinite(v) || v < 0) {
                    continue;
                }
                checkBf16(v);
                checkBf16(-v);
            }
        }
    }

    @Test
    void bf16RoundingOnRandomFloats() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 300_000; i++) {
            float v = Float.intBitsToFloat(random.nextInt());
            if (Float.isFinite(v)) {
                checkBf16(v);
            }
        }
    }

    private static void checkBf16(float v) {
        int want = bf16Oracle(v) & 0xFFFF;
        int got = HalfFloats.toBf16Bits(v) & 0xFFFF;
        if (want != got) {
            fail("BF16 of " + v + " (" + Integer.toHexString(Float.floatToRawIntBits(v)) + "): got " + hex(got)
                    + ", want " + hex(want));
        }
    }

    @Test
    void bf16SpecialCases() {
        assertEquals(0x7F80, HalfFloats.toBf16Bits(Float.MAX_VALUE) & 0xFFFF, "rounds up to Inf");
        assertEquals(0x7F7F, HalfFloats.toBf16Bits(Float.intBitsToFloat(0x7F7F7FFF)) & 0xFFFF);
        assertEquals(0x7F80, HalfFloats.toBf16Bits(Float.intBitsToFloat(0x7F7F8000)) & 0xFFFF, "tie, odd -> up to Inf");
        assertEquals(0xFF80, HalfFloats.toBf16Bits(Float.NEGATIVE_INFINITY) & 0xFFFF);
        assertEquals(0x3F80, HalfFloats.toBf16Bits(Float.intBitsToFloat(0x3F808000)) & 0xFFFF, "tie to even (down)");
        assertEquals(0x3F82, HalfFloats.toBf16Bits(Float.intBitsToFloat(0x3F818000)) & 0xFFFF, "tie to even (up)");
        assertEquals(0x0000, HalfFloats.toBf16Bits(Float.MIN_VALUE) & 0xFFFF, "float subnormal below half a BF16 ulp");
        assertEquals(0x0001, HalfFloats.toBf16Bits(Float.intBitsToFloat(0x0000_8001)) & 0xFFFF, "BF16 subnormal");
        assertEquals(0x8000, HalfFloats.toBf16Bits(-0f) & 0xFFFF);
        for (int nanBits : new int[] {0x7F80_0001, 0x7FFF_FFFF, 0xFF80_0001, 0x7FC0_0000}) {
            short b = HalfFloats.toBf16Bits(Float.intBitsToFloat(nanBits));
            assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(b)), "NaN stays NaN: " + Integer.toHexString(nanBits));
            assertEquals(nanBits >>> 31, (b >>> 15) & 1, "sign kept");
        }
    }

    // ---- from float64: one rounding, no double rounding

    @Test
    void doublesRoundOnceToF16AndBf16() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            // doubles at and within a hair of 16-bit midpoints, where rounding through float32 first goes wrong
            int h = random.nextInt(1, 0x7BFF);
            double f16Mid = ((double) Float.float16ToFloat((short) h) + Float.float16ToFloat((short) (h + 1))) / 2;
            int b = random.nextInt(1, 0x7F7F);
            double bf16Mid = ((double) HalfFloats.bf16ToFloat((short) b) + HalfFloats.bf16ToFloat((short) (b + 1))) / 2;
            double eps = random.nextInt(-3, 4) * 0x1p-45 * random.nextDouble();
            checkDoubleToF16(f16Mid * (1 + eps));
            checkDoubleToF16(-f16Mid * (1 + eps));
            checkDoubleToBf16(bf16Mid * (1 + eps));
            checkDoubleToBf16(-bf16Mid * (1 + eps));
        }
        // A double just above an F16 midpoint whose nearest float32 is the midpoint itself: naive float
        // rounding would tie to even (down), the correct answer is up.
        double justAbove = 1.0 + 0x1p-11 + 0x1p-40;
        assertEquals(0x3C00, Float.floatToFloat16((float) justAbove) & 0xFFFF, "naive double rounding is wrong");
        assertEquals(0x3C01, HalfFloats.toF16Bits(justAbove) & 0xFFFF);
        assertEquals(0x3F81, HalfFloats.toBf16Bits(1.0 + 0x1p-8 + 0x1p-40) & 0xFFFF);
        assertEquals(0x7C00, HalfFloats.toF16Bits(1e300) & 0xFFFF);
        assertEquals(0xFF80, HalfFloats.toBf16Bits(-1e300) & 0xFFFF);
        assertEquals(0x8000, HalfFloats.toF16Bits(-1e-300) & 0xFFFF);
        assertEquals(0x0000, HalfFloats.toBf16Bits(1e-300) & 0xFFFF);
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.toBf16Bits(Double.NaN))));
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.toF16Bits(Double.NaN))));
    }

    private static void checkDoubleToF16(double d) {
        // Oracle: the two F16 neighbours of d compared in exact arithmetic.
        short viaFloatDown = Float.floatToFloat16((float) d);
        float a = Float.float16ToFloat(viaFloatDown);
        float b = (double) a < d ? Float.float16ToFloat((short) (viaFloatDown + (a >= 0 ? 1 : -1)))
                : Float.float16ToFloat((short) (viaFloatDown - (a > 0 ? 1 : -1)));
        if (!Float.isFinite(a) || !Float.isFinite(b)) {
            return;
        }
        int want = nearestEven(d, a, b, Float.floatToFloat16(a), Float.floatToFloat16(b));
        assertEquals(want, HalfFloats.toF16Bits(d) & 0xFFFF, () -> "F16 of double " + d);
    }

    private static void checkDoubleToBf16(double d) {
        int t = Float.floatToRawIntBits((float) d) >>> 16;
        float a = HalfFloats.bf16ToFloat((short) t);
        float b = (double) a < d == (d > 0) ? HalfFloats.bf16ToFloat((short) (t + 1)) : HalfFloats.bf16ToFloat((short) (t - 1));
        if (!Float.isFinite(a) || !Float.isFinite(b)) {
            return;
        }
        int want = nearestEven(d, a, b, HalfFloats.toBf16Bits(a), HalfFloats.toBf16Bits(b));
        assertEquals(want, HalfFloats.toBf16Bits(d) & 0xFFFF, () -> "BF16 of double " + d);
    }

    private static int nearestEven(double d, float a, float b, short aBits, short bBits) {
        BigDecimal x = new BigDecimal(d);
        int cmp = x.subtract(new BigDecimal(a)).abs().compareTo(x.subtract(new BigDecimal(b)).abs());
        return (cmp < 0 || (cmp == 0 && (aBits & 1) == 0) ? aBits : bBits) & 0xFFFF;
    }
}
