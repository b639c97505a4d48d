package org.sparsemixer.engine.kernels;

import org.sparsemixer.engine.WeightPrecision;

/**
 * An immutable table of weights read row by row (the embedding tables), kept as float32 or, for BF16 /
 * F16, as 16-bit patterns of the values rounded to nearest even (half the bytes), widened exactly on read.
 */
public final class WeightTable {
    /** Floats widened per step of {@link #addTo}. */
    private static final int CHUNK = 256;
    /** {@link #addTo}'s per-thread buffer: a new one a call was 1.1 MB a Base call with 16-bit weights. */
    private static final ThreadLocal<float[]> WIDENED = ThreadLocal.withInitial(() -> new float[CHUNK]);

    private final WeightPrecision precision;
    private final float[] values;
    private final short[] half;

    private WeightTable(WeightPrecision precision, float[] values, short[] half) {
        this.precision = precision;
        this.values = values;
        this.half = half;
    }

    /**
     * The table of {@code source} in {@code precision}: F32 keeps the array itself (the caller hands it
     * over), BF16 / F16 store rounded 16-bit copies.
     */
    public static WeightTable of(float[] source, WeightPrecision precision) {
        if (precision == WeightPrecision.F32) {
            return new WeightTable(precision, source, null);
        }
        short[] half = new short[source.length];
        for (int i = 0; i < source.length; i++) {
            half[i] = precision.bits(source[i]);
        }
        return new WeightTable(precision, null, half);
    }

    public WeightPrecision precision() {
        return precision;
    }

    /** Number of elements. */
    public int length() {
        return values != null ? values.length : half.length;
    }

    /** Bytes of the stored elements: 4 each for F32, 2 for BF16 / F16. */
    public long storageBytes() {
        return values != null ? 4L * values.length : 2L * half.length;
    }

    /** Element {@code i} as a float. */
    public float get(int i) {
        return values != null ? values[i] : precision.widen(half[i]);
    }

    /** {@code dst[d + j] = this[offset + j]} for j in [0, n). */
    public void copyTo(int offset, float[] dst, int d, int n) {
        if (values != null) {
            System.arraycopy(values, offset, dst, d, n);
        } else if (precision == WeightPrecision.BF16) {
            HalfWidening.bf16(half, offset, dst, d, n, 1f);
        } else {
            HalfWidening.f16(half, offset, dst, d, n, 1f);
        }
    }

    /** {@code dst[d + j] = dst[d + j] + this[offset + j]} for j in [0, n) (one float addition each). */
    public void addTo(int offset, float[] dst, int d, int n) {
        if (values != null) {
            VectorMath.add(dst, d, values, offset, dst, d, n);
            return;
        }
        float[] chunk = WIDENED.get();
        for (int j = 0; j < n; j += CHUNK) {
            int len = Math.min(CHUNK, n - j);
            copyTo(offset + j, chunk, 0, len);
            VectorMath.add(dst, d + j, chunk, 0, dst, d + j, len);
        }
    }
}
