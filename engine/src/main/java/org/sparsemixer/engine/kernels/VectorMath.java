package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Hand-written exp, tanh-GELU and tanh on float vectors (no {@code lanewise(EXP/TANH)}, which may go through
 * a native library or a slow Java fallback), each with a scalar twin that performs the very same float
 * operations ({@link Math#fma} for every vector fma), so twin and vector results are bit-identical.
 * <p>
 * GELU is computed in the overflow-safe form {@code gelu(x) = x / (1 + exp(t))} with
 * {@code t = -2 sqrt(2/pi) (x + 0.044715 x^3)} (the same function as {@code 0.5 x (1 + tanh(..))}), all in
 * float. Its absolute error against double stays below 1e-6 over the whole float range (the accepted bound;
 * {@code ActivationsTest} samples every 256th float and measures about 5e-7, near x = 4 where the result's own
 * rounding dominates). The relative error for x &lt; 0 is about |t| float ulps (a few 1e-6 near x = -10, where
 * |gelu| is below 1e-37); an earlier form evaluated t in double-float arithmetic for a 3e-7 relative bound at
 * 1.5x the cost.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = VectorShapes.F;

    /** t = x (GELU_A + GELU_B x^2) = -2 sqrt(2/pi) (x + 0.044715 x^3), each constant rounded once from double. */
    static final float GELU_A = (float) (-2.0 * Math.sqrt(2.0 / Math.PI));
    static final float GELU_B = (float) (-2.0 * Math.sqrt(2.0 / Math.PI) * 0.044715);

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = (float) Math.log(2.0);
    private static final float LN2_LO = (float) (Math.log(2.0) - LN2_HI);
    /** Round-to-nearest-even by adding and subtracting 1.5 * 2^23 (valid for |v| < 2^22). */
    private static final float ROUND_MAGIC = 12582912f;
    static final float EXP_MAX = 88f;
    static final float EXP_MIN = -88f;
    // Cephes expf polynomial: exp(r) ~ 1 + r + r^2 (P5 + r (P4 + r (P3 + ...))) on |r| <= ln2 / 2.
    private static final float P0 = 1.9875691500E-4f;
    private static final float P1 = 1.3981999507E-3f;
    private static final float P2 = 8.3334519073E-3f;
    private static final float P3 = 4.1665795894E-2f;
    private static final float P4 = 1.6666665459E-1f;
    private static final float P5 = 5.0000001201E-1f;
    // Cephes tanhf odd polynomial for |x| < 0.625.
    private static final float T0 = -5.70498872745E-3f;
    private static final float T1 = 2.06390887954E-2f;
    private static final float T2 = -5.37397155531E-2f;
    private static final float T3 = 1.33314422036E-1f;
    private static final float T4 = -3.33332819422E-1f;
    private static final float GELU_CLAMP = 20f;
    private static final float TANH_SMALL = 0.625f;
    private static final float TANH_CLAMP = 9f;

    private VectorMath() {
    }

    /**
     * {@code sum} plus the lanes of {@code v}, added one by one in ascending lane order.
     * {@code reduceLanes(ADD)} leaves the order unspecified, and it does differ between the interpreter
     * and compiled code, which would make a result depend on JIT timing rather than on the input alone.
     */
    static float addLanes(float sum, FloatVector v) {
        for (int lane = 0; lane < v.length(); lane++) {
            sum += lane(v, lane);
        }
        return sum;
    }

    /**
     * {@code v.lane(i)} read through a constant index: C2 extracts a constant lane from the register, while
     * {@code lane(i)} with a variable i (a loop it does not unroll) puts the vector in a heap box first, which
     * made every layer-norm row allocate.
     */
    private static float lane(FloatVector v, int i) {
        return switch (i) {
            case 0 -> v.lane(0);
            case 1 -> v.lane(1);
            case 2 -> v.lane(2);
            case 3 -> v.lane(3);
            case 4 -> v.lane(4);
            case 5 -> v.lane(5);
            case 6 -> v.lane(6);
            case 7 -> v.lane(7);
            case 8 -> v.lane(8);
            case 9 -> v.lane(9);
            case 10 -> v.lane(10);
            case 11 -> v.lane(11);
            case 12 -> v.lane(12);
            case 13 -> v.lane(13);
            case 14 -> v.lane(14);
            case 15 -> v.lane(15);
            default -> v.lane(i);
        };
    }

    /**
     * The {@link VectorShapes#SUM_WIDTH} partial sums held by the first {@link VectorShapes#SUM_VECTORS} of
     * {@code a0..a3}, added in ascending order (partial sum 0 first): the same float result for any vector width.
     */
    static float sumPartials(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        float sum = addLanes(0f, a0);
        if (VectorShapes.SUM_VECTORS > 1) {
            sum = addLanes(sum, a1);
            if (VectorShapes.SUM_VECTORS > 2) {
                sum = addLanes(addLanes(sum, a2), a3);
            }
        }
        return sum;
    }

    /** As {@link #sumPartials} in double (each lane widened, added in ascending order after {@code start}). */
    static double sumPartials(double start, FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        double sum = addLanes(start, a0);
        if (VectorShapes.SUM_VECTORS > 1) {
            sum = addLanes(sum, a1);
            if (VectorShapes.SUM_VECTORS > 2) {
                sum = addLanes(addLanes(sum, a2), a3);
            }
        }
        return sum;
    }

    /** {@code sum} plus the lanes of {@code v}, each widened to double, added in ascending lane order. */
    static double addLanes(double sum, FloatVector v) {
        for (int lane = 0; lane < v.length(); lane++) {
            sum += lane(v, lane);
        }
        return sum;
    }

    // ---------------------------------------------------------------- exp

    /** exp(x) for x clamped to [EXP_MIN, EXP_MAX] (so +-Infinity too); 0 when x &lt; about -87.9. */
    static FloatVector exp(FloatVector x) {
        FloatVector t = clamp(x, EXP_MIN, EXP_MAX);
        // n + 1.5 * 2^23 holds the integer n in its low mantissa bits: (bits << 23) is n << 23, the exponent
        // field of 2^n, without a float-to-int conversion.
        FloatVector shifted = t.mul(LOG2E).add(ROUND_MAGIC);
        FloatVector n = shifted.sub(ROUND_MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), t);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(S, P0), FloatVector.broadcast(S, P1));
        p = p.fma(r, FloatVector.broadcast(S, P2));
        p = p.fma(r, FloatVector.broadcast(S, P3));
        p = p.fma(r, FloatVector.broadcast(S, P4));
        p = p.fma(r, FloatVector.broadcast(S, P5));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector bits = shifted.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(127 << 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    /**
     * {@code min(max(v, lo), hi)} for lo &lt;= hi, NaN kept, by compare and blend: the same values as
     * {@code v.max(lo).min(hi)}, but {@code FloatVector.max/min} compile to several instructions each
     * (Java's NaN and signed-zero rules), which made them the largest part of exp and GELU.
     */
    static FloatVector clamp(FloatVector v, float lo, float hi) {
        FloatVector low = v.blend(lo, v.lt(lo));
        return low.blend(hi, low.compare(VectorOperators.GT, hi));
    }

    static float expScalar(float x) {
        float t = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float n = t * LOG2E + ROUND_MAGIC - ROUND_MAGIC;
        float r = Math.fma(n, -LN2_HI, t);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        p = Math.fma(p, r * r, r) + 1f;
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    // ---------------------------------------------------------------- gelu

    /**
     * {@code x / (1 + exp(t))}, {@code t = x (A + B x^2)}, all in float. No clamp of x is needed for t: a
     * large |x| makes t (or x^2) infinite, and exp clamps its argument, so exp(t) is 0 (result x, exact) or
     * e^88 (result about -1e-37). Only the numerator is bounded below by -20, so that x / e^88 stays near 0
     * for x down to -Float.MAX_VALUE.
     */
    static FloatVector gelu(FloatVector x) {
        FloatVector t = x.mul(x).fma(FloatVector.broadcast(S, GELU_B), FloatVector.broadcast(S, GELU_A)).mul(x);
        FloatVector low = x.blend(-GELU_CLAMP, x.lt(-GELU_CLAMP));
        return low.div(exp(t).add(1f));
    }

    static float geluScalar(float x) {
        float t = Math.fma(x * x, GELU_B, GELU_A) * x;
        float low = x < -GELU_CLAMP ? -GELU_CLAMP : x;
        return low / (expScalar(t) + 1f);
    }

    // ---------------------------------------------------------------- tanh

    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector z = x.mul(x);
        FloatVector ps = z.fma(FloatVector.broadcast(S, T0), FloatVector.broadcast(S, T1));
        ps = ps.fma(z, FloatVector.broadcast(S, T2));
        ps = ps.fma(z, FloatVector.broadcast(S, T3));
        ps = ps.fma(z, FloatVector.broadcast(S, T4));
        ps = ps.mul(z).fma(x, x);
        FloatVector e = exp(ax.blend(TANH_CLAMP, ax.compare(VectorOperators.GT, TANH_CLAMP)).mul(2f));
        FloatVector pl = FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(e.add(1f)));
        pl = pl.lanewise(VectorOperators.NEG, x.lt(0f));
        VectorMask<Float> small = ax.lt(TANH_SMALL);
        return pl.blend(ps, small);
    }

    static float tanhScalar(float x) {
        float ax = Math.abs(x);
        if (ax < TANH_SMALL) {
            float z = x * x;
            float ps = Math.fma(z, T0, T1);
            ps = Math.fma(ps, z, T2);
            ps = Math.fma(ps, z, T3);
            ps = Math.fma(ps, z, T4);
            return Math.fma(ps * z, x, x);
        }
        float e = expScalar(Math.min(ax, TANH_CLAMP) * 2f);
        float pl = 1f - 2f / (e + 1f);
        return x < 0f ? -pl : pl;
    }
}
