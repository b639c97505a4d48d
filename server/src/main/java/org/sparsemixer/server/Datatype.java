package org.sparsemixer.server;

/** The tensor element types the server reads and writes (Open Inference Protocol names). */
enum Datatype {
    INT32(4),
    INT64(8),
    FP32(4);

    final int bytes;

    Datatype(int bytes) {
        this.bytes = bytes;
    }

    static Datatype parse(String tensor, String name, boolean floating) {
        String expected = floating ? "FP32" : "INT32 or INT64";
        Datatype type;
        try {
            type = valueOf(name);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("input '" + tensor + "' has datatype '" + name + "'; expected " + expected);
        }
        if ((type == FP32) != floating) {
            throw HttpError.badRequest("input '" + tensor + "' has datatype " + name + "; expected " + expected);
        }
        return type;
    }
}
