package org.sparsemixer.engine.kernels;

/**
 * Conversions between float32/float64 and the two 16-bit float formats of safetensors, F16 (IEEE 754
 * binary16: 1 sign, 5 exponent, 10 fraction bits) and BF16 (bfloat16: the top 16 bits of a float32).
 *
 * <p>Narrowing rounds to nearest, ties to even, as PyTorch and TensorFlow do: values beyond the largest
 * finite value (plus half an ulp) become infinities, tiny values become subnormals or signed zeros,
 * infinities stay infinities and NaN stays NaN (made quiet; the sign and the top payload bits are kept).
 * Widening is exact.
 *
 * <p>From float64 the value is first rounded to float32 <em>to odd</em> (truncate, then set the last bit if
 * anything was dropped), which keeps at least two extra bits and so makes the final 16-bit rounding
 * correct: converting a double directly gives the same result as rounding the exact value once.
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** BF16 bits of {@code f}, rounded to nearest even. */
    public static short toBf16Bits(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 0x0040); // NaN: quiet, keep sign and top payload bits
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16); // a carry may reach the exponent: correct, incl. overflow to Inf
    }

    /** The float32 value of BF16 bits (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** F16 bits of {@code f}, rounded to nearest even; |f| >= 65520 gives an infinity. */
    public static short toF16Bits(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFF_FFFF;
        if (abs > 0x7F80_0000) {
            return (short) (sign | 0x7E00 | ((abs >>> 13) & 0x3FF)); // NaN: quiet, keep top payload bits
        }
        if (abs >= 0x477F_F000) {
            return (short) (sign | 0x7C00); // 65520 = halfway between 65504 (odd) and 2^16: ties to even = Inf
        }
        if (abs >= 0x3880_0000) { // >= 2^-14: a normal F16
            int e = abs - 0x3800_0000; // exponent bias 127 -> 15
            int lsb = (e >>> 13) & 1;
            return (short) (sign | ((e + 0x0FFF + lsb) >>> 13));
        }
        if (abs <= 0x3300_0000) { // <= 2^-25, half the smallest subnormal: ties to even = 0
            return (short) sign;
        }
        // An F16 subnormal: the value in units of 2^-24, rounded to nearest even.
        int exponent = abs >>> 23;
        int mantissa = (abs & 0x7F_FFFF) | 0x80_0000;
        int shift = 126 - exponent; // 14..24
        int q = mantissa >>> shift;
        int rest = mantissa & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (q & 1) != 0)) {
            q++;
        }
        return (short) (sign | q);
    }

    /** The float32 value of F16 bits (exact). */
    public static float f16ToFloat(short bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int fraction = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (fraction << 13));
        }
        if (exponent == 0) {
            float magnitude = fraction * 0x1p-24f; // exact: at most 11 significant bits
            return sign != 0 ? -magnitude : magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (fraction << 13));
    }

    /** BF16 bits of a double, rounded once to nearest even. */
    public static short toBf16Bits(double d) {
        return toBf16Bits(toFloatRoundToOdd(d));
    }

    /** F16 bits of a double, rounded once to nearest even. */
    public static short toF16Bits(double d) {
        return toF16Bits(toFloatRoundToOdd(d));
    }

    /** {@code f} rounded to the nearest BF16 value (as a float). */
    public static float roundToBf16(float f) {
        return bf16ToFloat(toBf16Bits(f));
    }

    /** {@code f} rounded to the nearest F16 value (as a float; may be an infinity). */
    public static float roundToF16(float f) {
        return f16ToFloat(toF16Bits(f));
    }

    /**
     * {@code d} as a float32 rounded to odd: exact values unchanged; otherwise the float32 of the same sign
     * next to {@code d} towards zero, with its lowest fraction bit set.
     */
    static float toFloatRoundToOdd(double d) {
        float f = (float) d;
        if ((double) f == d || Double.isNaN(d)) {
            return f;
        }
        if (Math.abs((double) f) > Math.abs(d)) {
            f = Math.nextAfter(f, 0.0); // rounded away from zero (possibly to infinity): step back
        }
        return Float.intBitsToFloat(Float.floatToRawIntBits(f) | 1);
    }
}
