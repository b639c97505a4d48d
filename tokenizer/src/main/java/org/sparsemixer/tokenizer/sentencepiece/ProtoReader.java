package org.sparsemixer.tokenizer.sentencepiece;

/**
 * Reads protobuf wire format from a byte range, checking every length against what is left so that a hostile
 * file fails with a {@link ModelFormatException} naming the field, never with an out-of-memory error or a hang.
 * Only what {@code sentencepiece_model.proto} uses is supported: varints, 32/64-bit fixed values and
 * length-delimited fields (groups, wire types 3 and 4, are rejected).
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] buffer;
    private final String message;
    private int position;
    private final int limit;
    private int fieldNumber;
    private int wireType;

    /** A reader over {@code buffer[from, to)} holding one message named {@code message} (for error messages). */
    ProtoReader(byte[] buffer, int from, int to, String message) {
        this.buffer = buffer;
        this.position = from;
        this.limit = to;
        this.message = message;
    }

    /** Advances to the next field; false at the end of the message. */
    boolean next() throws ModelFormatException {
        if (position >= limit) {
            return false;
        }
        long tag = readVarint("tag");
        if (tag <= 0 || tag > 0xFFFFFFFFL) {
            throw new ModelFormatException(message + ": invalid field tag " + tag + " at byte " + position);
        }
        fieldNumber = (int) (tag >>> 3);
        wireType = (int) (tag & 7);
        if (fieldNumber == 0) {
            throw new ModelFormatException(message + ": field number 0 at byte " + position);
        }
        return true;
    }

    int fieldNumber() {
        return fieldNumber;
    }

    /** The current field's name, for error messages, e.g. {@code ModelProto.pieces(#1)}. */
    private String field(String name) {
        return message + "." + name + "(#" + fieldNumber + ")";
    }

    private void expect(int expectedWireType, String name) throws ModelFormatException {
        if (wireType != expectedWireType) {
            throw new ModelFormatException(field(name) + ": wire type " + wireType + ", expected " + expectedWireType);
        }
    }

    long readVarintField(String name) throws ModelFormatException {
        expect(VARINT, name);
        return readVarint(field(name));
    }

    boolean readBool(String name) throws ModelFormatException {
        return readVarintField(name) != 0;
    }

    /** An int32/enum field: protobuf writes negative values as 10-byte varints, truncated here to 32 bits. */
    int readInt32(String name) throws ModelFormatException {
        return (int) readVarintField(name);
    }

    float readFloat(String name) throws ModelFormatException {
        expect(FIXED32, name);
        require(4, field(name));
        int bits = (buffer[position] & 0xFF) | (buffer[position + 1] & 0xFF) << 8
                | (buffer[position + 2] & 0xFF) << 16 | (buffer[position + 3] & 0xFF) << 24;
        position += 4;
        return Float.intBitsToFloat(bits);
    }

    /** The bytes of a length-delimited field (a copy). */
    byte[] readBytes(String name) throws ModelFormatException {
        int from = readLengthDelimited(name);
        return java.util.Arrays.copyOfRange(buffer, from, position);
    }

    /** A reader over the embedded message of the current length-delimited field. */
    ProtoReader readMessage(String name, String messageName) throws ModelFormatException {
        int from = readLengthDelimited(name);
        return new ProtoReader(buffer, from, position, messageName);
    }

    /** Skips the current field whatever its (supported) wire type. */
    void skip() throws ModelFormatException {
        switch (wireType) {
            case VARINT -> readVarint(field("unknown"));
            case FIXED64 -> {
                require(8, field("unknown"));
                position += 8;
            }
            case LENGTH_DELIMITED -> readLengthDelimited("unknown");
            case FIXED32 -> {
                require(4, field("unknown"));
                position += 4;
            }
            default -> throw new ModelFormatException(field("unknown") + ": unsupported wire type " + wireType);
        }
    }

    /** Consumes a length-delimited field; returns where its payload starts (it ends at the new position). */
    private int readLengthDelimited(String name) throws ModelFormatException {
        expect(LENGTH_DELIMITED, name);
        long length = readVarint(field(name));
        if (length < 0 || length > limit - position) {
            throw new ModelFormatException(field(name) + ": length " + length + " exceeds the " + (limit - position)
                    + " bytes left in " + message);
        }
        int from = position;
        position += (int) length;
        return from;
    }

    private void require(int bytes, String what) throws ModelFormatException {
        if (limit - position < bytes) {
            throw new ModelFormatException(what + ": truncated (" + bytes + " bytes needed, " + (limit - position)
                    + " left)");
        }
    }

    private long readVarint(String what) throws ModelFormatException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= limit) {
                throw new ModelFormatException(what + ": truncated varint in " + message);
            }
            byte b = buffer[position++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw new ModelFormatException(what + ": varint longer than 10 bytes in " + message);
    }
}
