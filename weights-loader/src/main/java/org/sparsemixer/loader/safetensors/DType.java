package org.sparsemixer.loader.safetensors;

/**
 * Every dtype name of the safetensors format (as of safetensors 0.8). Only the float dtypes F64, F32,
 * F16 and BF16 (converted to float32) and I64, I32 (converted to int, range-checked) can be read as
 * values; the others are recognised, so files holding them can be opened and listed, but not converted.
 */
public enum DType {
    F64(64, Kind.FLOAT), F32(32, Kind.FLOAT), F16(16, Kind.FLOAT), BF16(16, Kind.FLOAT),
    I64(64, Kind.INT), I32(32, Kind.INT),
    I16(16, Kind.OTHER), I8(8, Kind.OTHER), U64(64, Kind.OTHER), U32(32, Kind.OTHER),
    U16(16, Kind.OTHER), U8(8, Kind.OTHER), BOOL(8, Kind.OTHER),
    F8_E4M3(8, Kind.OTHER), F8_E5M2(8, Kind.OTHER), F8_E8M0(8, Kind.OTHER),
    F8_E4M3FNUZ(8, Kind.OTHER), F8_E5M2FNUZ(8, Kind.OTHER),
    F6_E2M3(6, Kind.OTHER), F6_E3M2(6, Kind.OTHER), F4(4, Kind.OTHER),
    C64(64, Kind.OTHER);

    private enum Kind { FLOAT, INT, OTHER }

    private final int bits;
    private final Kind kind;

    DType(int bits, Kind kind) {
        this.bits = bits;
        this.kind = kind;
    }

    /** Bits per element (4 and 6 for the packed sub-byte float formats). */
    public int bits() {
        return bits;
    }

    /** Bytes per element, for the dtypes whose elements are whole bytes. */
    public int size() {
        if (bits % 8 != 0) {
            throw new UnsupportedOperationException(this + " elements are " + bits + " bits, not whole bytes");
        }
        return bits / 8;
    }

    /**
     * Bytes taken by {@code elements} elements, or -1 when they do not end on a byte boundary (a packed
     * sub-byte dtype with an element count the format rejects).
     *
     * @throws ArithmeticException on overflow
     */
    public long byteLength(long elements) {
        long totalBits = Math.multiplyExact(elements, (long) bits);
        return totalBits % 8 == 0 ? totalBits / 8 : -1;
    }

    /** F64, F32, F16 or BF16: readable as float32. */
    public boolean isFloat() {
        return kind == Kind.FLOAT;
    }

    /** I32 or I64: readable as int (range-checked). */
    public boolean isInt() {
        return kind == Kind.INT;
    }

    /** The dtype spelled exactly so in a safetensors header, or null if {@code name} is not one. */
    public static DType fromName(String name) {
        if (name == null) {
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
