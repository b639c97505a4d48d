package org.sparsemixer.loader;

import java.util.Locale;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.WeightPrecision;
import org.sparsemixer.engine.kernels.HalfFloats;
import org.sparsemixer.loader.safetensors.DType;

/**
 * The precision weights are given to the engine in ({@code run --weights-dtype}) or written in
 * ({@code convert --dtype}). For BF16 and F16 every weight is rounded to nearest, ties to even, to that
 * format; F16 turns magnitudes of 65520 and above into infinities. {@link ModelLoader#load} rounds in the
 * loader (once, from the stored value: an F64 weight is not rounded twice) and keeps the weights in the
 * engine in {@link EncoderOptions#weightPrecision()}: 16-bit there halves the memory, F32 holds the rounded
 * values as float32; both compute the same numbers.
 *
 * @see WeightPrecision the engine's side
 */
public enum WeightDType {
    F32(DType.F32), BF16(DType.BF16), F16(DType.F16);

    private final DType dtype;

    WeightDType(DType dtype) {
        this.dtype = dtype;
    }

    /** The safetensors dtype. */
    public DType dtype() {
        return dtype;
    }

    /** The engine's weight precision of the same name. */
    public WeightPrecision precision() {
        return WeightPrecision.valueOf(name());
    }

    /** The dtype of the engine's weight precision of the same name. */
    public static WeightDType of(WeightPrecision precision) {
        return valueOf(precision.name());
    }

    /** "f32", "bf16", "f16". */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Bytes per element. */
    public int bytes() {
        return dtype.size();
    }

    /** {@code v} rounded to this precision (identity for F32). */
    public float round(float v) {
        return switch (this) {
            case F32 -> v;
            case BF16 -> HalfFloats.roundToBf16(v);
            case F16 -> HalfFloats.roundToF16(v);
        };
    }

    /** Rounds {@code values} in place; returns it. */
    public float[] roundAll(float[] values) {
        if (this != F32) {
            for (int i = 0; i < values.length; i++) {
                values[i] = round(values[i]);
            }
        }
        return values;
    }

    /** A source giving {@code source}'s tensors rounded to this precision (the same source for F32). */
    public TensorSource rounding(TensorSource source) {
        if (this == F32) {
            return source;
        }
        return new TensorSource() {
            @Override
            public float[] floats(String name, int[] shape) {
                return roundAll(source.floats(name, shape).clone());
            }

            @Override
            public float[] slice(String name, int[] shape, int index) {
                return roundAll(source.slice(name, shape, index).clone());
            }
        };
    }
}
