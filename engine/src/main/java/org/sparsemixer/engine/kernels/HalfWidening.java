package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Widening of BF16 and F16 bit patterns to float32, exactly as {@link HalfFloats#bf16ToFloat} and
 * {@link HalfFloats#f16ToFloat}, optionally times a scale factor (one float multiplication, the same rounding
 * as {@code widen(x) * scale}).
 * <p>
 * BF16: a vector of LANES shorts (half the float width) is sign-extended to LANES ints and shifted left by 16.
 * F16: the JDK's {@link Float#float16ToFloat} in a plain loop, which C2 vectorizes with the hardware
 * conversion; {@link #f16Integer} is the same in Vector API integer operations (exponent rebias, subnormals
 * through an exact int-to-float conversion), kept as the portable reference and measured slower.
 */
final class HalfWidening {
    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = VectorShapes.LANES;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));

    private HalfWidening() {
    }

    /**
     * {@code dst[d + i] = bf16ToFloat(src[s + i]) * scale} for i in [0, n). The widening is written out in the
     * loops (no method returns a vector: see {@code VectorMath.exp}).
     */
    static void bf16(short[] src, int s, float[] dst, int d, int n, float scale) {
        int i = 0;
        int bound = n - n % L;
        if (scale == 1f) {
            for (; i < bound; i += L) {
                ((IntVector) ShortVector.fromArray(S, src, s + i).convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, d + i);
            }
            for (; i < n; i++) {
                dst[d + i] = HalfFloats.bf16ToFloat(src[s + i]);
            }
        } else {
            for (; i < bound; i += L) {
                ((IntVector) ShortVector.fromArray(S, src, s + i).convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().mul(scale).intoArray(dst, d + i);
            }
            for (; i < n; i++) {
                dst[d + i] = HalfFloats.bf16ToFloat(src[s + i]) * scale;
            }
        }
    }

    /**
     * {@code dst[d + i] = f16ToFloat(src[s + i]) * scale} for i in [0, n). A plain loop over the JDK's
     * {@link Float#float16ToFloat}, which C2 compiles to vectorized {@code vcvtph2ps} on x86 (measured 0.038
     * ns per element against 0.06 - 0.08 for {@link #f16Integer}'s integer form). The one difference: the
     * hardware quiets a signalling NaN (sets the top fraction bit; the interpreted JDK code does not), so its
     * bits depend on the JIT; the engine never stores a signalling NaN, since
     * {@link HalfFloats#toF16Bits} makes every NaN quiet.
     */
    static void f16(short[] src, int s, float[] dst, int d, int n, float scale) {
        if (scale == 1f) {
            for (int i = 0; i < n; i++) {
                dst[d + i] = Float.float16ToFloat(src[s + i]);
            }
        } else {
            for (int i = 0; i < n; i++) {
                dst[d + i] = Float.float16ToFloat(src[s + i]) * scale;
            }
        }
    }

    /**
     * {@link #f16} in the Vector API's integer operations: exact for every pattern, signalling NaN included
     * (exponent rebias; subnormals through an exact int-to-float conversion).
     */
    static void f16Integer(short[] src, int s, float[] dst, int d, int n, float scale) {
        int i = 0;
        int bound = n - n % L;
        for (; i < bound; i += L) {
            IntVector h = (IntVector) ShortVector.fromArray(S, src, s + i).convertShape(VectorOperators.S2I, I, 0);
            IntVector em = h.and(0x7FFF);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector normal = em.lanewise(VectorOperators.LSHL, 13).add(0x3800_0000);
            VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7C00);
            normal = normal.add(0x3800_0000, special); // exponent 31 -> 255 (Inf, NaN with its payload)
            VectorMask<Integer> subnormal = em.compare(VectorOperators.LT, 0x0400);
            IntVector tiny = ((FloatVector) em.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
            FloatVector v = normal.blend(tiny, subnormal).or(sign).reinterpretAsFloats();
            (scale == 1f ? v : v.mul(scale)).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] = HalfFloats.f16ToFloat(src[s + i]) * scale;
        }
    }
}
