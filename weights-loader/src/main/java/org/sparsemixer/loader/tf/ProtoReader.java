package org.sparsemixer.loader.tf;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A reader of the protocol-buffers wire format over one byte array, for the few messages a TensorFlow
 * checkpoint holds (BundleHeaderProto, BundleEntryProto, TrackableObjectGraph). Every read is checked
 * against the end of the message: a truncated field, a varint longer than 10 bytes, a length past the end,
 * a group or an unknown wire type is a {@link TfFormatException} naming {@code what}. Unknown fields are
 * skipped, as protobuf does.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] data;
    private final int end;
    private final String what;
    private int pos;
    private int tag;

    ProtoReader(byte[] data, String what) {
        this(data, 0, data.length, what);
    }

    private ProtoReader(byte[] data, int from, int to, String what) {
        this.data = data;
        this.pos = from;
        this.end = to;
        this.what = what;
    }

    /** Moves to the next field; false at the end of the message. */
    boolean next() {
        if (pos >= end) {
            return false;
        }
        long t = varint();
        if (t >>> 3 == 0 || t >>> 32 != 0) {
            throw error("invalid field tag " + t);
        }
        tag = (int) t;
        int type = wireType();
        if (type != VARINT && type != FIXED64 && type != LENGTH_DELIMITED && type != FIXED32) {
            throw error("unsupported wire type " + type + " of field " + field());
        }
        return true;
    }

    int field() {
        return tag >>> 3;
    }

    int wireType() {
        return tag & 7;
    }

    /**
     * A varint at {@code at[0]} (before {@code end}) read as a non-negative size or offset, moving
     * {@code at[0]} past it; -1 when it is truncated, longer than 10 bytes or above {@link Long#MAX_VALUE}.
     * For the varints outside protobuf messages (LevelDB block handles and entries, string lengths).
     */
    static long nonNegativeVarint(byte[] b, int[] at, int end) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= end) {
                return -1;
            }
            byte x = b[at[0]++];
            value |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return shift == 63 && x != 0 ? -1 : value;
            }
        }
        return -1;
    }

    /** The current field as a varint (any integer type). */
    long varint() {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) {
                throw error("truncated varint");
            }
            byte b = data[pos++];
            if (shift == 63 && (b & 0x7e) != 0) {
                throw error("varint overflows 64 bits");
            }
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw error("varint longer than 10 bytes");
    }

    /** An int32 / enum field, checked to fit (protobuf sign-extends negative int32 to 10 bytes). */
    int int32(String name) {
        expect(VARINT, name);
        long v = varint();
        if (v != (int) v) {
            throw error(name + " " + v + " does not fit 32 bits");
        }
        return (int) v;
    }

    long int64(String name) {
        expect(VARINT, name);
        return varint();
    }

    int fixed32(String name) {
        expect(FIXED32, name);
        need(4);
        int v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8 | (data[pos + 2] & 0xff) << 16 | (data[pos + 3] & 0xff) << 24;
        pos += 4;
        return v;
    }

    /** The current length-delimited field as a reader of its bytes (a sub-message). */
    ProtoReader message(String name) {
        int length = length(name);
        ProtoReader sub = new ProtoReader(data, pos, pos + length, what);
        pos += length;
        return sub;
    }

    /** The current length-delimited field as UTF-8 text (malformed UTF-8 is an error). */
    String string(String name) {
        int length = length(name);
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(data, pos, length)).toString();
            pos += length;
            return s;
        } catch (CharacterCodingException e) {
            throw error(name + " is not valid UTF-8");
        }
    }

    /** Skips the current field. */
    void skip() {
        switch (wireType()) {
            case VARINT -> varint();
            case FIXED64 -> {
                need(8);
                pos += 8;
            }
            case FIXED32 -> {
                need(4);
                pos += 4;
            }
            case LENGTH_DELIMITED -> {
                int length = length("field " + field()); // read before pos: length() moves it
                pos += length;
            }
            default -> throw new AssertionError();
        }
    }

    private int length(String name) {
        expect(LENGTH_DELIMITED, name);
        long length = varint();
        if (length < 0 || length > end - pos) {
            throw error(name + " claims " + length + " bytes but only " + (end - pos) + " remain");
        }
        return (int) length;
    }

    private void expect(int type, String name) {
        if (wireType() != type) {
            throw error(name + " (field " + field() + ") has wire type " + wireType() + ", expected " + type);
        }
    }

    private void need(int bytes) {
        if (end - pos < bytes) {
            throw error("truncated field " + field());
        }
    }

    TfFormatException error(String problem) {
        return new TfFormatException(what + ": " + problem);
    }
}
