package org.sparsemixer.loader.safetensors;

import java.util.Locale;

/**
 * The safetensors dtype names. Every name of the format is recognised; only the float dtypes
 * (converted to float32) and I32/I64 (converted to int, range-checked) can be read as values.
 */
public enum DType {
    F64(8, Kind.FLOAT), F32(4, Kind.FLOAT), F16(2, Kind.FLOAT), BF16(2, Kind.FLOAT),
    I64(8, Kind.INT), I32(4, Kind.INT),
    I16(2, Kind.UNSUPPORTED), I8(1, Kind.UNSUPPORTED), U64(8, Kind.UNSUPPORTED), U32(4, Kind.UNSUPPORTED),
    U16(2, Kind.UNSUPPORTED), U8(1, Kind.UNSUPPORTED), BOOL(1, Kind.UNSUPPORTED);

    private enum Kind { FLOAT, INT, UNSUPPORTED }

    private final int size;
    private final Kind kind;

    DType(int size, Kind kind) {
        this.size = size;
        this.kind = kind;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** F64, F32, F16 or BF16: readable as float32. */
    public boolean isFloat() {
        return kind == Kind.FLOAT;
    }

    /** I32 or I64: readable as int (range-checked). */
    public boolean isInt() {
        return kind == Kind.INT;
    }

    /** The exact name used in a safetensors header, or null if {@code name} is not a safetensors dtype. */
    public static DType fromName(String name) {
        if (name == null || !name.equals(name.toUpperCase(Locale.ROOT))) {
            return null;
        }
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }
}
