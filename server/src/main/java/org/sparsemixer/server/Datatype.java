package org.sparsemixer.server;

/** The tensor element types the server reads and writes (Open Inference Protocol names). */
enum Datatype {
    INT32(4),
    INT64(8),
    FP32(4),
    /** Strings: in JSON one string per element, in binary a 4-byte little-endian length and the bytes (Triton). */
    BYTES(0);

    /** Bytes per element; 0 for BYTES, whose elements vary in size. */
    final int bytes;

    Datatype(int bytes) {
        this.bytes = bytes;
    }

    /** What an input holds, and so which datatypes it may be sent as. */
    enum Kind {
        INT("INT32 or INT64"),
        FLOAT("FP32"),
        TEXT("BYTES");

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }

        boolean accepts(Datatype type) {
            return switch (this) {
                case INT -> type == INT32 || type == INT64;
                case FLOAT -> type == FP32;
                case TEXT -> type == BYTES;
            };
        }
    }

    static Datatype parse(String tensor, String name, Kind kind) {
        Datatype type;
        try {
            type = valueOf(name);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("input '" + tensor + "' has datatype '" + name + "'; expected " + kind.expected);
        }
        if (!kind.accepts(type)) {
            throw HttpError.badRequest("input '" + tensor + "' has datatype " + name + "; expected " + kind.expected);
        }
        return type;
    }
}
