package org.sparsemixer.loader.tf;

import org.sparsemixer.loader.safetensors.DType;

/** The TensorFlow {@code DataType} enum values a checkpoint may name, with their element sizes. */
public enum TfDType {
    FLOAT(1, "float32", 4, DType.F32), DOUBLE(2, "float64", 8, DType.F64), INT32(3, "int32", 4, DType.I32),
    UINT8(4, "uint8", 1, DType.U8), INT16(5, "int16", 2, DType.I16), INT8(6, "int8", 1, DType.I8),
    STRING(7, "string", 0, null), COMPLEX64(8, "complex64", 8, DType.C64), INT64(9, "int64", 8, DType.I64),
    BOOL(10, "bool", 1, DType.BOOL), BFLOAT16(14, "bfloat16", 2, DType.BF16), UINT16(17, "uint16", 2, DType.U16),
    COMPLEX128(18, "complex128", 16, null), HALF(19, "float16", 2, DType.F16), RESOURCE(20, "resource", 0, null),
    VARIANT(21, "variant", 0, null), UINT32(22, "uint32", 4, DType.U32), UINT64(23, "uint64", 8, DType.U64);

    private final int code;
    private final String tfName;
    private final int size;
    private final DType dtype;

    TfDType(int code, String tfName, int size, DType dtype) {
        this.code = code;
        this.tfName = tfName;
        this.size = size;
        this.dtype = dtype;
    }

    /** The enum value for a {@code DataType} number, or null if this reader does not know it. */
    static TfDType of(int code) {
        for (TfDType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }

    /** Bytes per element; 0 for the variable-size dtypes (string, resource, variant). */
    public int size() {
        return size;
    }

    /** The safetensors dtype of the same values, or null (string, resource, variant, complex128). */
    public DType dtype() {
        return dtype;
    }

    /** Float32, float64, float16 or bfloat16: a weight this reader converts. */
    public boolean isFloat() {
        return dtype != null && dtype.isFloat();
    }

    /** The name TensorFlow prints (float32, bfloat16, int64, string, ...). */
    @Override
    public String toString() {
        return tfName;
    }
}
