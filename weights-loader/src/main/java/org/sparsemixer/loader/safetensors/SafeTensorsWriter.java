package org.sparsemixer.loader.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.sparsemixer.engine.kernels.HalfFloats;

/**
 * Writes safetensors files the way the reference implementation does: tensors sorted by name and
 * stored back to back, the JSON header padded with spaces to a multiple of 8 bytes, an optional
 * {@code __metadata__} string map. Tensor data may be given lazily ({@link #addF32(String, int[], Supplier)})
 * so large models are produced one tensor at a time. The file is written to a temporary sibling and
 * moved into place, so a failed write never leaves a truncated file under the target name.
 */
public final class SafeTensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 16;

    @FunctionalInterface
    private interface Body {
        void write(FileChannel out, String name, long byteLength) throws IOException;
    }

    private record Entry(DType dtype, int[] shape, long byteLength, Body body) {
    }

    private final Map<String, Entry> entries = new TreeMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(requireNonNull(key, "metadata key"), requireNonNull(value, "metadata value"));
        return this;
    }

    public SafeTensorsWriter addF32(String name, int[] shape, float[] values) {
        checkLength(name, shape, values.length);
        return addF32(name, shape, () -> values);
    }

    /** Adds an F32 tensor whose values are produced only when the file is written. */
    public SafeTensorsWriter addF32(String name, int[] shape, Supplier<float[]> values) {
        return add(name, DType.F32, shape, (out, n, bytes) -> {
            float[] v = values.get();
            checkLength(n, shape, v.length);
            writeChunked(out, bytes, 4, v.length, (buf, from, len) -> buf.asFloatBuffer().put(v, from, len));
        });
    }

    /**
     * Adds a float tensor stored as {@code dtype} (F32, F16 or BF16; 16-bit values rounded to nearest even),
     * produced only when the file is written.
     */
    public SafeTensorsWriter addFloats(String name, DType dtype, int[] shape, Supplier<float[]> values) {
        return switch (dtype) {
            case F32 -> addF32(name, shape, values);
            case F16, BF16 -> add(name, dtype, shape, (out, n, bytes) -> {
                float[] v = values.get();
                checkLength(n, shape, v.length);
                boolean bf16 = dtype == DType.BF16;
                writeChunked(out, bytes, 2, v.length, (buf, from, len) -> {
                    for (int i = 0; i < len; i++) {
                        float x = v[from + i];
                        buf.putShort(2 * i, bf16 ? HalfFloats.toBf16Bits(x) : HalfFloats.toF16Bits(x));
                    }
                });
            });
            default -> throw new IllegalArgumentException("float tensors are written as F32, F16 or BF16, not " + dtype);
        };
    }

    public SafeTensorsWriter addI32(String name, int[] shape, int[] values) {
        checkLength(name, shape, values.length);
        return add(name, DType.I32, shape, (out, n, bytes) -> {
            writeChunked(out, bytes, 4, values.length, (buf, from, len) -> buf.asIntBuffer().put(values, from, len));
        });
    }

    public SafeTensorsWriter addI64(String name, int[] shape, long[] values) {
        checkLength(name, shape, values.length);
        return add(name, DType.I64, shape, (out, n, bytes) -> {
            writeChunked(out, bytes, 8, values.length, (buf, from, len) -> buf.asLongBuffer().put(values, from, len));
        });
    }

    /** Adds a tensor of any dtype from its raw little-endian bytes. */
    public SafeTensorsWriter addRaw(String name, DType dtype, int[] shape, byte[] littleEndianBytes) {
        long expected = byteLength(name, dtype, shape);
        if (littleEndianBytes.length != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " shape " + Arrays.toString(shape)
                    + " needs " + expected + " bytes, got " + littleEndianBytes.length);
        }
        byte[] copy = littleEndianBytes.clone();
        return add(name, dtype, shape, (out, n, bytes) -> writeFully(out, ByteBuffer.wrap(copy)));
    }

    /** Writes a tensor's stored bytes, exactly its byte length, to the output file at its position. */
    @FunctionalInterface
    public interface RawBytes {
        void writeTo(FileChannel out) throws IOException;
    }

    /**
     * Adds a tensor whose little-endian bytes {@code bytes} writes when the file is written (e.g. streamed
     * from another file without decoding); the writer checks that exactly the shape's byte length arrives.
     */
    public SafeTensorsWriter addRaw(String name, DType dtype, int[] shape, RawBytes bytes) {
        return add(name, dtype, shape, (out, n, length) -> bytes.writeTo(out));
    }

    private SafeTensorsWriter add(String name, DType dtype, int[] shape, Body body) {
        requireNonNull(name, "tensor name");
        if (name.equals(SafeTensorsFile.METADATA_KEY)) {
            throw new IllegalArgumentException("a tensor cannot be named " + SafeTensorsFile.METADATA_KEY);
        }
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
        }
        entries.put(name, new Entry(dtype, shape.clone(), byteLength(name, dtype, shape), body));
        return this;
    }

    /** The padded header bytes (without the 8-byte length) for the tensors added so far. */
    public byte[] header() {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafeTensorsFile.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            ObjectNode t = root.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (int d : e.getValue().shape()) {
                shape.add(d);
            }
            long end = Math.addExact(offset, e.getValue().byteLength());
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    /** Told after each tensor is written. */
    @FunctionalInterface
    public interface Progress {
        void tensorWritten(String name, int done, int total, long bytesDone, long bytesTotal);
    }

    /** Total bytes of the tensors added so far. */
    public long dataBytes() {
        long total = 0;
        for (Entry e : entries.values()) {
            total += e.byteLength();
        }
        return total;
    }

    /** Writes the file (to a temporary sibling first, then moved over {@code file}). */
    public void write(Path file) throws IOException {
        write(file, null);
    }

    /** Writes the file, telling {@code progress} (if not null) after each tensor. */
    public void write(Path file, Progress progress) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        // Created by name (not Files.createTempFile, which makes it owner-only) so the file gets the
        // permissions of any new file under the umask.
        Path tmp = dir.resolve("." + absolute.getFileName() + "." + Long.toHexString(System.nanoTime())
                + Long.toHexString(Thread.currentThread().threadId()) + ".tmp");
        boolean done = false;
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                byte[] header = header();
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(out, length);
                writeFully(out, ByteBuffer.wrap(header));
                int written = 0;
                long bytesDone = 0;
                long bytesTotal = dataBytes();
                for (Map.Entry<String, Entry> e : entries.entrySet()) {
                    long before = out.position();
                    e.getValue().body().write(out, e.getKey(), e.getValue().byteLength());
                    if (out.position() - before != e.getValue().byteLength()) {
                        throw new IllegalStateException("tensor '" + e.getKey() + "' wrote " + (out.position() - before)
                                + " bytes instead of " + e.getValue().byteLength());
                    }
                    written++;
                    bytesDone += e.getValue().byteLength();
                    if (progress != null) {
                        progress.tensorWritten(e.getKey(), written, entries.size(), bytesDone, bytesTotal);
                    }
                }
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static long byteLength(String name, DType dtype, int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, (long) d);
        }
        long bytes = dtype.byteLength(n);
        if (bytes < 0) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " shape " + Arrays.toString(shape)
                    + " does not end on a byte boundary");
        }
        return bytes;
    }

    private static void checkLength(String name, int[] shape, int length) {
        long n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, (long) d);
        }
        if (n != length) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape) + " ("
                    + n + " elements) but " + length + " values");
        }
    }

    @FunctionalInterface
    private interface ChunkFiller {
        void fill(ByteBuffer buf, int from, int length);
    }

    private static void writeChunked(FileChannel out, long bytes, int elementSize, int count, ChunkFiller filler)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.max(elementSize, Math.min(bytes, CHUNK))).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = buf.capacity() / elementSize;
        for (int i = 0; i < count; i += perChunk) {
            int len = Math.min(perChunk, count - i);
            buf.clear();
            filler.fill(buf, i, len);
            buf.limit(len * elementSize);
            writeFully(out, buf);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    private static <T> T requireNonNull(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        return value;
    }
}
