package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Hand-written exp, tanh-GELU and tanh, vectorized over arrays in place (no {@code lanewise(EXP/TANH)}, which
 * may go through a native library or a slow Java fallback), each with a scalar twin that performs the very same
 * float operations ({@link Math#fma} for every vector fma), so twin and vector results are bit-identical; and
 * the fixed-order reduction of row sums. No method here takes or returns a vector (see {@link #exp}).
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

    /** See {@link #partials()}. */
    private static final ThreadLocal<float[]> PARTIALS = ThreadLocal.withInitial(() -> new float[2 * VectorShapes.SUM_WIDTH]);

    /**
     * This thread's array of 2 x {@link VectorShapes#SUM_WIDTH} floats (room for two sets of partial sums),
     * through which a row's partial sums are reduced: the kernel stores its partial-sum vectors into it itself
     * ({@code intoArray}, which C2 always inlines) and adds them with {@link #sumPartials(float[])}. Handed to
     * a reduction method as vector arguments instead, they were boxed on the heap whenever C2 left that method
     * a call, which it did for layer norm in some processes and not in others (up to 7.5 MB a Base call at
     * batch 1).
     * {@code reduceLanes(ADD)} is no alternative: it leaves the order unspecified, and the order differs
     * between the interpreter and compiled code, which would make a result depend on JIT timing.
     */
    static float[] partials() {
        return PARTIALS.get();
    }

    /**
     * The sum of {@code x[offset, offset + n - n % SUM_WIDTH)}: element j of each block of
     * {@link VectorShapes#SUM_WIDTH} goes to partial sum j, and the partial sums are added in ascending
     * order, so the float result is the same for any vector width. The elements past the last whole block
     * are the caller's to add.
     */
    static float blockSum(float[] x, int offset, int n) {
        final int l = S.length();
        final int step = VectorShapes.SUM_WIDTH;
        final int sumBound = n - n % step;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int j = 0; j < sumBound; j += step) {
            a0 = a0.add(FloatVector.fromArray(S, x, offset + j));
            if (VectorShapes.SUM_VECTORS > 1) {
                a1 = a1.add(FloatVector.fromArray(S, x, offset + j + l));
                if (VectorShapes.SUM_VECTORS > 2) {
                    a2 = a2.add(FloatVector.fromArray(S, x, offset + j + 2 * l));
                    a3 = a3.add(FloatVector.fromArray(S, x, offset + j + 3 * l));
                }
            }
        }
        float[] partials = partials();
        a0.intoArray(partials, 0);
        if (VectorShapes.SUM_VECTORS > 1) {
            a1.intoArray(partials, l);
            if (VectorShapes.SUM_VECTORS > 2) {
                a2.intoArray(partials, 2 * l);
                a3.intoArray(partials, 3 * l);
            }
        }
        return sumPartials(partials);
    }

    /**
     * The {@link VectorShapes#SUM_WIDTH} partial sums in {@code p}, added in ascending order (partial sum 0
     * first): the same float result for any vector width.
     */
    static float sumPartials(float[] p) {
        float sum = 0f;
        for (int i = 0; i < VectorShapes.SUM_WIDTH; i++) {
            sum += p[i];
        }
        return sum;
    }

    /**
     * As {@link #sumPartials(float[])} for the partial sums at {@code p[from, from + SUM_WIDTH)}, in double:
     * each widened, added in ascending order after {@code start}.
     */
    static double sumPartials(double start, float[] p, int from) {
        double sum = start;
        for (int i = from; i < from + VectorShapes.SUM_WIDTH; i++) {
            sum += p[i];
        }
        return sum;
    }

    /** {@code out[outOff + i] = a[aOff + i] + b[bOff + i]} for i in [0, n); out may be a or b at the same offset. */
    static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    // ---------------------------------------------------------------- exp

    /**
     * {@code x[i] = exp(x[i])} in place over {@code [from, to)}, each argument clamped to [EXP_MIN, EXP_MAX]
     * (so +-Infinity too); 0 when x &lt; about -87.9.
     * <p>
     * No method of these kernels takes or returns a vector. C2 inlines such a method only where its profile
     * shows the call site hot, and that profile can see it rarely (e.g. when the caller ran in tier 2 while C2
     * was busy); left a call, it boxes every vector passed through it on the heap. The GELU of the GEMM
     * epilogue, a method on a vector, cost 250-550 MB and 15-30 % more time a Base call at batch 1 in 4 of 16
     * processes that way; layer norm's reduction 2.5-7.5 MB in 6 of 16. A call with arrays and ints boxes
     * nothing, whatever C2 decides.
     */
    static void exp(float[] x, int from, int to) {
        expOrGelu(false, x, from, to - from, null, 0);
    }

    /**
     * {@code x[i] = x[i] / (1 + exp(t))}, {@code t = x (A + B x^2)}, in place over {@code [from, to)}, all in
     * float (the operations of {@link #geluScalar}, in its order). No clamp of x is needed for t: a large |x|
     * makes t (or x^2) infinite, and exp clamps its argument, so exp(t) is 0 (result x, exact) or e^88
     * (result about -1e-37). Only the numerator is bounded below by -20, so that x / e^88 stays near 0 for x
     * down to -Float.MAX_VALUE.
     */
    static void gelu(float[] x, int from, int to) {
        expOrGelu(true, x, from, to - from, null, 0);
    }

    /**
     * {@link #gelu(float[], int, int)} on {@code rows} rows of {@code cols} elements, row r at
     * {@code x[offset + r * stride]}, of {@code x + bias[biasOffset + j]} in column j when bias is not null
     * (the GEMM epilogue's bias, then GELU).
     */
    static void gelu(float[] x, int offset, int stride, int rows, int cols, float[] bias, int biasOffset) {
        for (int r = 0; r < rows; r++) {
            expOrGelu(true, x, offset + r * stride, cols, bias, biasOffset);
        }
    }

    /**
     * exp, or GELU (of x plus the bias, if any), of {@code x[off, off + n)} in place: one loop, so that the
     * exp exists once and the GELU is a single pass; the flags are the same for the whole loop.
     */
    private static void expOrGelu(boolean gelu, float[] x, int off, int n, float[] bias, int biasOff) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, off + i);
            FloatVector arg = v;
            if (gelu) {
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(S, bias, biasOff + i));
                }
                arg = v.mul(v).fma(FloatVector.broadcast(S, GELU_B), FloatVector.broadcast(S, GELU_A)).mul(v);
            }
            // the clamp by compare and blend: FloatVector.max/min compile to several instructions each (Java's
            // NaN and signed-zero rules), which made them the largest part of exp; NaN is kept either way
            FloatVector t = arg.blend(EXP_MIN, arg.lt(EXP_MIN));
            t = t.blend(EXP_MAX, t.compare(VectorOperators.GT, EXP_MAX));
            // n + 1.5 * 2^23 holds the integer n in its low mantissa bits: (bits << 23) is n << 23, the
            // exponent field of 2^n, without a float-to-int conversion.
            FloatVector shifted = t.mul(LOG2E).add(ROUND_MAGIC);
            FloatVector k = shifted.sub(ROUND_MAGIC);
            FloatVector r = k.fma(FloatVector.broadcast(S, -LN2_HI), t);
            r = k.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector p = r.fma(FloatVector.broadcast(S, P0), FloatVector.broadcast(S, P1));
            p = p.fma(r, FloatVector.broadcast(S, P2));
            p = p.fma(r, FloatVector.broadcast(S, P3));
            p = p.fma(r, FloatVector.broadcast(S, P4));
            p = p.fma(r, FloatVector.broadcast(S, P5));
            p = p.fma(r.mul(r), r).add(1f);
            IntVector bits = shifted.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(127 << 23);
            FloatVector e = p.mul(bits.reinterpretAsFloats());
            if (gelu) {
                e = v.blend(-GELU_CLAMP, v.lt(-GELU_CLAMP)).div(e.add(1f));
            }
            e.intoArray(x, off + i);
        }
        for (; i < n; i++) {
            float v = x[off + i];
            if (gelu && bias != null) {
                v += bias[biasOff + i];
            }
            x[off + i] = gelu ? geluScalar(v) : expScalar(v);
        }
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

    static float geluScalar(float x) {
        float t = Math.fma(x * x, GELU_B, GELU_A) * x;
        float low = x < -GELU_CLAMP ? -GELU_CLAMP : x;
        return low / (expScalar(t) + 1f);
    }

    // ---------------------------------------------------------------- tanh

    /** Elements of {@link #tanh}'s per-thread buffer: 1 KB, in L1 with the chunk. */
    private static final int CHUNK = 256;
    private static final ThreadLocal<float[]> CHUNK_BUFFER = ThreadLocal.withInitial(() -> new float[CHUNK]);

    /**
     * {@code x[i] = tanh(x[i])} in place over {@code [from, to)}, in chunks (the argument of exp into a
     * buffer, {@link #exp} on it, then the result): for |x| below 0.625 an odd polynomial, above it
     * {@code 1 - 2 / (exp(2 min(|x|, 9)) + 1)} with the sign of x (the operations of {@link #tanhScalar}).
     */
    static void tanh(float[] x, int from, int to) {
        float[] e = CHUNK_BUFFER.get();
        for (int c = from; c < to; c += CHUNK) {
            int n = Math.min(CHUNK, to - c);
            int bound = S.loopBound(n);
            int i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector ax = FloatVector.fromArray(S, x, c + i).abs();
                ax.blend(TANH_CLAMP, ax.compare(VectorOperators.GT, TANH_CLAMP)).mul(2f).intoArray(e, i);
            }
            for (; i < n; i++) {
                e[i] = tanhExpArgument(x[c + i]);
            }
            exp(e, 0, n);
            for (i = 0; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, c + i);
                FloatVector z = v.mul(v);
                FloatVector ps = z.fma(FloatVector.broadcast(S, T0), FloatVector.broadcast(S, T1));
                ps = ps.fma(z, FloatVector.broadcast(S, T2));
                ps = ps.fma(z, FloatVector.broadcast(S, T3));
                ps = ps.fma(z, FloatVector.broadcast(S, T4));
                ps = ps.mul(z).fma(v, v);
                FloatVector pl = FloatVector.broadcast(S, 1f)
                        .sub(FloatVector.broadcast(S, 2f).div(FloatVector.fromArray(S, e, i).add(1f)));
                pl = pl.lanewise(VectorOperators.NEG, v.lt(0f));
                pl.blend(ps, v.abs().lt(TANH_SMALL)).intoArray(x, c + i);
            }
            for (; i < n; i++) {
                x[c + i] = tanhFrom(x[c + i], e[i]);
            }
        }
    }

    private static float tanhExpArgument(float x) {
        return Math.min(Math.abs(x), TANH_CLAMP) * 2f;
    }

    /** tanh(x), given {@code e = exp(tanhExpArgument(x))} (used only when |x| &gt;= 0.625). */
    private static float tanhFrom(float x, float e) {
        float ax = Math.abs(x);
        if (ax < TANH_SMALL) {
            float z = x * x;
            float ps = Math.fma(z, T0, T1);
            ps = Math.fma(ps, z, T2);
            ps = Math.fma(ps, z, T3);
            ps = Math.fma(ps, z, T4);
            return Math.fma(ps * z, x, x);
        }
        float pl = 1f - 2f / (e + 1f);
        return x < 0f ? -pl : pl;
    }

    static float tanhScalar(float x) {
        return tanhFrom(x, Math.abs(x) < TANH_SMALL ? 0f : expScalar(tanhExpArgument(x)));
    }
}
