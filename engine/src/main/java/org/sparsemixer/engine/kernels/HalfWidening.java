package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorized widening of BF16 and F16 bit patterns to float32, exactly as {@link HalfFloats#bf16ToFloat} and
 * {@link HalfFloats#f16ToFloat} (every value, including subnormals, infinities and NaN payloads), optionally
 * times a scale factor (one float multiplication, the same rounding as {@code widen(x) * scale}).
 * <p>
 * A vector of LANES shorts (half the float width) is sign-extended to LANES ints. BF16: shift left by 16.
 * F16: sign to bit 31, exponent and fraction shifted by 13 and the exponent rebiased (+112, or +224 for
 * infinities and NaN); subnormals ({@code fraction x 2^-24}) through an exact int-to-float conversion.
 */
final class HalfWidening {
    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = VectorShapes.LANES;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));

    private HalfWidening() {
    }

    /** {@code dst[d + i] = bf16ToFloat(src[s + i]) * scale} for i in [0, n). */
    static void bf16(short[] src, int s, float[] dst, int d, int n, float scale) {
        int i = 0;
        int bound = n - n % L;
        if (scale == 1f) {
            for (; i < bound; i += L) {
                bf16Vector(src, s + i).intoArray(dst, d + i);
            }
            for (; i < n; i++) {
                dst[d + i] = HalfFloats.bf16ToFloat(src[s + i]);
            }
        } else {
            for (; i < bound; i += L) {
                bf16Vector(src, s + i).mul(scale).intoArray(dst, d + i);
            }
            for (; i < n; i++) {
                dst[d + i] = HalfFloats.bf16ToFloat(src[s + i]) * scale;
            }
        }
    }

    /** {@code dst[d + i] = f16ToFloat(src[s + i]) * scale} for i in [0, n). */
    static void f16(short[] src, int s, float[] dst, int d, int n, float scale) {
        int i = 0;
        int bound = n - n % L;
        if (scale == 1f) {
            for (; i < bound; i += L) {
                f16Vector(src, s + i).intoArray(dst, d + i);
            }
            for (; i < n; i++) {
                dst[d + i] = HalfFloats.f16ToFloat(src[s + i]);
            }
        } else {
            for (; i < bound; i += L) {
                f16Vector(src, s + i).mul(scale).intoArray(dst, d + i);
            }
            for (; i < n; i++) {
                dst[d + i] = HalfFloats.f16ToFloat(src[s + i]) * scale;
            }
        }
    }

    private static IntVector load(short[] src, int offset) {
        return (IntVector) ShortVector.fromArray(S, src, offset).convertShape(VectorOperators.S2I, I, 0);
    }

    static FloatVector bf16Vector(short[] src, int offset) {
        return load(src, offset).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static FloatVector f16Vector(short[] src, int offset) {
        IntVector h = load(src, offset);
        IntVector em = h.and(0x7FFF);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector normal = em.lanewise(VectorOperators.LSHL, 13).add(0x3800_0000);
        VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7C00);
        normal = normal.add(0x3800_0000, special); // exponent 31 -> 255 (Inf, NaN with its payload)
        VectorMask<Integer> subnormal = em.compare(VectorOperators.LT, 0x0400);
        IntVector tiny = ((FloatVector) em.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
        return normal.blend(tiny, subnormal).or(sign).reinterpretAsFloats();
    }
}
