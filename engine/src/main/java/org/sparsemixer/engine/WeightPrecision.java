package org.sparsemixer.engine;

import org.sparsemixer.engine.kernels.HalfFloats;

/**
 * The precision an encoder keeps its weights in ({@link EncoderOptions#weightPrecision()}).
 * <p>
 * {@link #F32} keeps every weight as given. {@link #BF16} and {@link #F16} round every weight to that
 * format (to nearest, ties to even; F16 turns magnitudes of 65520 and above into infinities) and keep the
 * weight matrices and the embedding tables as 16-bit values, half the memory of float32; the kernels
 * widen them to float32 on the fly and compute in float32 as always. Small vectors (biases, layer-norm
 * gamma and beta, the linear mixing's sequence kernel) hold the rounded values as float32. So an encoder
 * with BF16 weights computes exactly what an F32 encoder computes on the BF16-rounded weights, bit for bit.
 */
public enum WeightPrecision {
    F32(4), BF16(2), F16(2);

    private final int bytes;

    WeightPrecision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per stored element of a weight matrix or embedding table. */
    public int bytes() {
        return bytes;
    }

    /** {@code v} rounded to this precision (identity for F32). */
    public float round(float v) {
        return switch (this) {
            case F32 -> v;
            case BF16 -> HalfFloats.roundToBf16(v);
            case F16 -> HalfFloats.roundToF16(v);
        };
    }

    /** The 16-bit pattern of {@code v} rounded to this precision (BF16 or F16 only). */
    public short bits(float v) {
        return switch (this) {
            case BF16 -> HalfFloats.toBf16Bits(v);
            case F16 -> HalfFloats.toF16Bits(v);
            case F32 -> throw new IllegalStateException("F32 has no 16-bit pattern");
        };
    }

    /** The float32 value of 16-bit pattern {@code bits} of this precision (BF16 or F16 only; exact). */
    public float widen(short bits) {
        return switch (this) {
            case BF16 -> HalfFloats.bf16ToFloat(bits);
            case F16 -> HalfFloats.f16ToFloat(bits);
            case F32 -> throw new IllegalStateException("F32 has no 16-bit pattern");
        };
    }
}
