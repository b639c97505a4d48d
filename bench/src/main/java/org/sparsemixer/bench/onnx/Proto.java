package org.sparsemixer.bench.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A minimal protocol-buffers encoder: just enough of the wire format (varints, length-delimited
 * fields, fixed32) to write an ONNX {@code ModelProto}. A message is a list of fields whose sizes are
 * computed before writing, so a large model streams to disk without ever being held as one byte
 * array; float payloads may be produced lazily ({@link #lazyFloats}) so weights are generated while
 * they are written.
 */
final class Proto {
    private final List<Field> fields = new ArrayList<>();
    private long cachedSize = -1;

    private sealed interface Field permits Varint, Fixed32, Bytes, Message, Floats {
    }

    private record Varint(int number, long value) implements Field {
    }

    private record Fixed32(int number, int bits) implements Field {
    }

    private record Bytes(int number, byte[] value) implements Field {
    }

    private record Message(int number, Proto value) implements Field {
    }

    /** Length-delimited little-endian float32 payload of {@code count} values, produced on write. */
    private record Floats(int number, long count, Supplier<float[]> values) implements Field {
    }

    Proto varint(int number, long value) {
        fields.add(new Varint(number, value));
        cachedSize = -1;
        return this;
    }

    Proto fixed32Float(int number, float value) {
        fields.add(new Fixed32(number, Float.floatToRawIntBits(value)));
        cachedSize = -1;
        return this;
    }

    Proto string(int number, String value) {
        return bytes(number, value.getBytes(StandardCharsets.UTF_8));
    }

    Proto bytes(int number, byte[] value) {
        fields.add(new Bytes(number, value));
        cachedSize = -1;
        return this;
    }

    Proto message(int number, Proto value) {
        fields.add(new Message(number, value));
        cachedSize = -1;
        return this;
    }

    /** A length-delimited field of {@code count} little-endian floats from {@code values} (called once, on write). */
    Proto lazyFloats(int number, long count, Supplier<float[]> values) {
        fields.add(new Floats(number, count, values));
        cachedSize = -1;
        return this;
    }

    /** Encoded size in bytes. */
    long size() {
        if (cachedSize >= 0) {
            return cachedSize;
        }
        long total = 0;
        for (Field f : fields) {
            total += switch (f) {
                case Varint v -> tagSize(v.number()) + varintSize(v.value());
                case Fixed32 v -> tagSize(v.number()) + 4;
                case Bytes v -> tagSize(v.number()) + varintSize(v.value().length) + v.value().length;
                case Message v -> tagSize(v.number()) + varintSize(v.value().size()) + v.value().size();
                case Floats v -> tagSize(v.number()) + varintSize(4 * v.count()) + 4 * v.count();
            };
        }
        cachedSize = total;
        return total;
    }

    void writeTo(OutputStream out) throws IOException {
        for (Field f : fields) {
            switch (f) {
                case Varint v -> {
                    writeVarint(out, ((long) v.number() << 3));
                    writeVarint(out, v.value());
                }
                case Fixed32 v -> {
                    writeVarint(out, ((long) v.number() << 3) | 5);
                    int b = v.bits();
                    out.write(b);
                    out.write(b >>> 8);
                    out.write(b >>> 16);
                    out.write(b >>> 24);
                }
                case Bytes v -> {
                    writeVarint(out, ((long) v.number() << 3) | 2);
                    writeVarint(out, v.value().length);
                    out.write(v.value());
                }
                case Message v -> {
                    writeVarint(out, ((long) v.number() << 3) | 2);
                    writeVarint(out, v.value().size());
                    v.value().writeTo(out);
                }
                case Floats v -> {
                    writeVarint(out, ((long) v.number() << 3) | 2);
                    writeVarint(out, 4 * v.count());
                    float[] values = v.values().get();
                    if (values.length != v.count()) {
                        throw new IllegalStateException("float payload of field " + v.number() + " has "
                                + values.length + " values, expected " + v.count());
                    }
                    ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                    for (float x : values) {
                        if (!buf.hasRemaining()) {
                            out.write(buf.array(), 0, buf.position());
                            buf.clear();
                        }
                        buf.putFloat(x);
                    }
                    out.write(buf.array(), 0, buf.position());
                }
            }
        }
    }

    private static int tagSize(int number) {
        return varintSize((long) number << 3);
    }

    static int varintSize(long value) {
        int n = 1;
        while ((value & ~0x7FL) != 0) {
            value >>>= 7;
            n++;
        }
        return n;
    }

    private static void writeVarint(OutputStream out, long value) throws IOException {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
