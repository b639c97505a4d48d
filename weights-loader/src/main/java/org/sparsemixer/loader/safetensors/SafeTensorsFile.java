package org.sparsemixer.loader.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.sparsemixer.engine.kernels.HalfFloats;
import org.sparsemixer.loader.safetensors.SafeTensorsFormatException.Rule;

/**
 * A read-only safetensors file: 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * ({@code {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}}), then the data buffer.
 *
 * <p>The file is treated as untrusted: {@link #open} validates the whole header before anything is
 * allocated or mapped from it (header size against the file size, JSON shape, no repeated names, dtype
 * names, non-negative dimensions, no 64-bit overflow, offsets inside the data buffer, byte lengths matching
 * shapes) and, like the reference implementation, requires the tensors to tile the data buffer exactly
 * from offset 0 (no overlap, no hole, no trailing bytes). Every violation is a
 * {@link SafeTensorsFormatException} naming the file, the tensor if there is one, and the {@link Rule}.
 *
 * <p>Reads map just the tensor asked for with the FFM API ({@link FileChannel#map} into a confined
 * {@link Arena}), copy (and convert) it into a fresh Java array and unmap it before returning, so at most
 * one tensor per reading thread is mapped at a time and nothing stays mapped between reads. The file
 * stays open until {@link #close}; reads after that throw {@link IllegalStateException}. Instances are safe
 * for concurrent reads.
 */
public final class SafeTensorsFile implements AutoCloseable {
    /** Largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Name of the optional string-to-string metadata entry of the header. */
    public static final String METADATA_KEY = "__metadata__";
    /** Largest Java array this reader creates. */
    static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK = 8192;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final long headerLength;
    private volatile boolean closed;

    private SafeTensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata, long headerLength) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
        this.headerLength = headerLength;
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws SafeTensorsFormatException        if it is not a well-formed safetensors file
     */
    public static SafeTensorsFile open(Path path) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw error(Rule.NOT_A_REGULAR_FILE, path, "is not a regular file");
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw error(Rule.FILE_TOO_SHORT, path, "is too short to be a safetensors file (" + fileSize
                        + " bytes; it must start with an 8-byte header length)");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(path, channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw error(Rule.HEADER_TOO_LARGE, path, "declares a header of " + Long.toUnsignedString(headerLength)
                        + " bytes; at most " + MAX_HEADER_BYTES + " are allowed");
            }
            if (headerLength > fileSize - 8) {
                throw error(Rule.HEADER_PAST_END, path, "declares a header of " + headerLength + " bytes but only "
                        + (fileSize - 8) + " bytes follow the header length");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(path, channel, headerBytes, 8);
            long dataStart = 8 + headerLength;
            Header header = parseHeader(path, headerBytes.array(), fileSize - dataStart);
            return new SafeTensorsFile(path, channel, dataStart, header.tensors, header.metadata, headerLength);
        } catch (IOException | RuntimeException | Error e) {
            channel.close();
            throw e;
        }
    }

    /** Parses and validates a header; package-private for tests. */
    static Header parseHeader(Path path, byte[] headerBytes, long dataLength) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw error(Rule.HEADER_NOT_UTF8, path, "has a header that is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = StrictJson.parse(text);
        } catch (StrictJson.DuplicateKeyException e) {
            throw duplicateKey(path, e);
        } catch (IOException e) {
            String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw error(Rule.HEADER_NOT_JSON, path, "has a header that is not valid JSON: " + abbreviate(why));
        }
        if (!root.isObject()) {
            throw error(Rule.HEADER_NOT_OBJECT, path, "has a header that is not a JSON object");
        }
        Map<String, String> metadata = Map.of();
        List<TensorInfo> list = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(path, field.getValue());
            } else {
                list.add(parseTensor(path, field.getKey(), field.getValue(), dataLength));
            }
        }
        // The tensors must tile the data buffer: sorted by offset, each starts where the previous ended.
        list.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end)
                .thenComparing(TensorInfo::name));
        long expectedBegin = 0;
        TensorInfo previous = null;
        for (TensorInfo t : list) {
            if (t.begin() < expectedBegin) {
                throw tensorError(Rule.OFFSETS_OVERLAP, path, t.name(), "has data_offsets [" + t.begin() + ", " + t.end()
                        + "] overlapping tensor '" + abbreviate(previous.name()) + "' [" + previous.begin() + ", "
                        + previous.end() + "]");
            }
            if (t.begin() > expectedBegin) {
                if (previous == null) {
                    throw tensorError(Rule.OFFSETS_NOT_FROM_ZERO, path, t.name(), "has data_offsets [" + t.begin() + ", "
                            + t.end() + "] leaving a gap of " + t.begin() + " unused bytes at the start of the data"
                            + " (the first tensor must start at offset 0)");
                }
                throw tensorError(Rule.OFFSETS_GAP, path, t.name(), "has data_offsets [" + t.begin() + ", " + t.end()
                        + "] leaving a gap of " + (t.begin() - expectedBegin) + " unused bytes after tensor '"
                        + abbreviate(previous.name()) + "' (tensors must be stored back to back)");
            }
            expectedBegin = t.end();
            previous = t;
        }
        if (expectedBegin != dataLength) {
            throw error(Rule.TRAILING_BYTES, path, "has " + (dataLength - expectedBegin) + " bytes after its last tensor"
                    + " (data buffer of " + dataLength + " bytes, tensors use " + expectedBegin + ")");
        }
        Map<String, TensorInfo> byName = new TreeMap<>();
        for (TensorInfo t : list) {
            byName.put(t.name(), t);
        }
        return new Header(Collections.unmodifiableMap(byName), metadata);
    }

    record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    }

    private static SafeTensorsFormatException duplicateKey(Path path, StrictJson.DuplicateKeyException e) {
        if (e.path.isEmpty()) {
            if (e.key.equals(METADATA_KEY)) {
                return error(Rule.BAD_METADATA, path, "has " + METADATA_KEY + " twice in its header");
            }
            return tensorError(Rule.DUPLICATE_TENSOR, path, e.key, "appears twice in the header");
        }
        String top = e.path.getFirst();
        if (top.equals(METADATA_KEY)) {
            return error(Rule.BAD_METADATA, path, "has " + METADATA_KEY + " key '" + abbreviate(e.key) + "' twice");
        }
        return tensorError(Rule.BAD_TENSOR_ENTRY, path, top, "has key '" + abbreviate(e.key) + "' twice in its header entry");
    }

    private static Map<String, String> parseMetadata(Path path, JsonNode node) {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw error(Rule.BAD_METADATA, path, "has a " + METADATA_KEY + " entry that is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw error(Rule.BAD_METADATA, path, "has " + METADATA_KEY + " value '" + abbreviate(e.getKey())
                        + "' that is not a string");
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorInfo parseTensor(Path path, String name, JsonNode node, long dataLength) {
        if (!node.isObject()) {
            throw tensorError(Rule.BAD_TENSOR_ENTRY, path, name, "has a header entry that is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null) {
            throw tensorError(Rule.BAD_TENSOR_ENTRY, path, name, "lacks " + (dtypeNode == null ? "dtype" : "shape")
                    + " (every tensor needs dtype, shape and data_offsets)");
        }
        if (offsetsNode == null) {
            throw tensorError(Rule.OFFSETS_MISSING, path, name, "lacks data_offsets"
                    + " (every tensor needs dtype, shape and data_offsets)");
        }
        if (!dtypeNode.isTextual()) {
            throw tensorError(Rule.BAD_TENSOR_ENTRY, path, name, "has a dtype that is not a string: " + abbreviate(dtypeNode));
        }
        DType dtype = DType.fromName(dtypeNode.textValue());
        if (dtype == null) {
            throw tensorError(Rule.UNKNOWN_DTYPE, path, name, "has unknown dtype \"" + abbreviate(dtypeNode.textValue()) + "\"");
        }
        if (!shapeNode.isArray()) {
            throw tensorError(Rule.BAD_TENSOR_ENTRY, path, name, "has a shape that is not a list: " + abbreviate(shapeNode));
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || d.bigIntegerValue().signum() < 0 || !d.canConvertToInt()) {
                throw tensorError(Rule.BAD_DIMENSION, path, name, "has shape dimension " + i + " = " + abbreviate(d)
                        + "; dimensions must be integers in [0, " + Integer.MAX_VALUE + "]");
            }
            shape[i] = d.intValue();
        }
        if (!offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw tensorError(Rule.OFFSETS_MISSING, path, name, "has data_offsets " + abbreviate(offsetsNode)
                    + "; expected [begin, end]");
        }
        long[] offsets = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode o = offsetsNode.get(i);
            if (!o.isIntegralNumber() || o.bigIntegerValue().signum() < 0) {
                throw tensorError(Rule.OFFSETS_MISSING, path, name, "has data_offsets " + abbreviate(offsetsNode)
                        + "; offsets must be non-negative integers");
            }
            if (!o.canConvertToLong() || o.longValue() > dataLength) {
                throw tensorError(Rule.OFFSETS_OUT_OF_BOUNDS, path, name, "has data_offsets " + abbreviate(offsetsNode)
                        + " outside the data buffer of " + dataLength + " bytes");
            }
            offsets[i] = o.longValue();
        }
        if (offsets[0] > offsets[1]) {
            throw tensorError(Rule.OFFSETS_REVERSED, path, name, "has data_offsets " + abbreviate(offsetsNode)
                    + " with begin > end");
        }
        long byteLength;
        try {
            long elements = 1;
            for (int d : shape) {
                elements = Math.multiplyExact(elements, (long) d);
            }
            byteLength = dtype.byteLength(elements);
        } catch (ArithmeticException e) {
            throw tensorError(Rule.SIZE_OVERFLOW, path, name, "has shape " + TensorInfo.shapeString(shape)
                    + " whose size overflows 64 bits");
        }
        if (byteLength < 0) {
            throw tensorError(Rule.SUB_BYTE_SIZE, path, name, "has " + dtype + " shape " + TensorInfo.shapeString(shape)
                    + " whose " + dtype.bits() + "-bit elements do not end on a byte boundary");
        }
        if (byteLength != offsets[1] - offsets[0]) {
            throw tensorError(Rule.SIZE_MISMATCH, path, name, "has " + dtype + " shape " + TensorInfo.shapeString(shape)
                    + " needing " + byteLength + " bytes but data_offsets [" + offsets[0] + ", " + offsets[1] + "] hold "
                    + (offsets[1] - offsets[0]));
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    public Path path() {
        return path;
    }

    /** Length in bytes of the JSON header (including any padding). */
    public long headerLength() {
        return headerLength;
    }

    /** Every tensor, by name (sorted). */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} entry (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor's header entry; a {@link SafeTensorsFormatException} if there is no such tensor. */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw tensorError(Rule.NO_SUCH_TENSOR, path, name, "is not in the file");
        }
        return t;
    }

    /** The tensor as row-major float32 values; F64, F16 and BF16 are converted (exactly, F64 rounded to nearest). */
    public float[] floats(String name) {
        return floats(name, DType.F32);
    }

    /**
     * The tensor as row-major float32 values rounded to the precision of {@code precision} (F32, BF16 or F16),
     * to nearest even, in one rounding from the stored value (an F64 value is not rounded twice). F16
     * rounding turns values beyond 65504 into infinities.
     */
    public float[] floats(String name, DType precision) {
        return floats(name, precision, 0, arrayLength(info(name)));
    }

    /**
     * Elements [first, first + count) of the tensor (row-major order) as {@link #floats(String, DType)}
     * gives them: part of a tensor without reading the rest, e.g. one expert of a stacked kernel.
     */
    public float[] floats(String name, DType precision, long first, int count) {
        if (precision != DType.F32 && precision != DType.BF16 && precision != DType.F16) {
            throw new IllegalArgumentException("precision must be F32, BF16 or F16, got " + precision);
        }
        TensorInfo t = info(name);
        if (!t.dtype().isFloat()) {
            throw tensorError(Rule.WRONG_DTYPE, path, name, "has dtype " + t.dtype()
                    + "; a float dtype (F32, F16, BF16, F64) is needed");
        }
        if (first < 0 || count < 0 || first + count > t.elementCount()) {
            throw new IllegalArgumentException("elements [" + first + ", " + (first + count) + ") of tensor '" + name
                    + "' are outside its " + t.elementCount() + " elements");
        }
        float[] out = new float[count];
        DType source = t.dtype();
        long at = first * source.size();
        read(t, segment -> decodeFloats(segment, at, source, precision, out));
        return out;
    }

    /**
     * Decodes {@code out.length} little-endian values of the float dtype {@code source} starting at byte
     * {@code at} of {@code segment} into float32, rounded to {@code precision} (F32, BF16 or F16) to nearest
     * even in one rounding from the stored value, as {@link #floats(String, DType)} does: the one place that
     * defines how stored floats become the engine's, shared by every reader of weights files.
     */
    public static void decodeFloats(MemorySegment segment, long at, DType source, DType precision, float[] out) {
        int n = out.length;
        boolean round = precision != DType.F32 && precision != source;
        switch (source) {
            case F32 -> {
                MemorySegment.copy(segment, F32_LE, at, out, 0, n);
                if (round) {
                    for (int i = 0; i < n; i++) {
                        out[i] = precision == DType.BF16 ? HalfFloats.roundToBf16(out[i]) : HalfFloats.roundToF16(out[i]);
                    }
                }
            }
            case F64 -> {
                double[] chunk = new double[Math.min(CHUNK, n)];
                for (int i = 0; i < n; i += CHUNK) {
                    int len = Math.min(CHUNK, n - i);
                    MemorySegment.copy(segment, F64_LE, at + 8L * i, chunk, 0, len);
                    for (int j = 0; j < len; j++) {
                        double d = chunk[j];
                        out[i + j] = switch (precision) {
                            case BF16 -> HalfFloats.bf16ToFloat(HalfFloats.toBf16Bits(d));
                            case F16 -> HalfFloats.f16ToFloat(HalfFloats.toF16Bits(d));
                            default -> (float) d;
                        };
                    }
                }
            }
            case F16, BF16 -> {
                boolean bf16 = source == DType.BF16;
                short[] chunk = new short[Math.min(CHUNK, n)];
                for (int i = 0; i < n; i += CHUNK) {
                    int len = Math.min(CHUNK, n - i);
                    MemorySegment.copy(segment, I16_LE, at + 2L * i, chunk, 0, len);
                    for (int j = 0; j < len; j++) {
                        float v = bf16 ? HalfFloats.bf16ToFloat(chunk[j]) : HalfFloats.f16ToFloat(chunk[j]);
                        if (round) {
                            v = precision == DType.BF16 ? HalfFloats.roundToBf16(v) : HalfFloats.roundToF16(v);
                        }
                        out[i + j] = v;
                    }
                }
            }
            default -> throw new IllegalArgumentException(source + " is not a float dtype");
        }
    }

    /** The tensor as row-major ints; I64 values outside the int range are an error naming the element. */
    public int[] ints(String name) {
        TensorInfo t = info(name);
        if (!t.dtype().isInt()) {
            throw tensorError(Rule.WRONG_DTYPE, path, name, "has dtype " + t.dtype()
                    + "; an integer dtype (I32 or I64) is needed");
        }
        int n = arrayLength(t);
        int[] out = new int[n];
        read(t, segment -> {
            if (t.dtype() == DType.I32) {
                MemorySegment.copy(segment, I32_LE, 0, out, 0, n);
                return;
            }
            long[] chunk = new long[Math.min(CHUNK, n)];
            for (int i = 0; i < n; i += CHUNK) {
                int len = Math.min(CHUNK, n - i);
                MemorySegment.copy(segment, I64_LE, 8L * i, chunk, 0, len);
                for (int j = 0; j < len; j++) {
                    long v = chunk[j];
                    if (v != (int) v) {
                        throw tensorError(Rule.VALUE_OUT_OF_RANGE, path, name, "has value " + v + " at "
                                + indexString(t.shape(), i + j) + " outside the int range [" + Integer.MIN_VALUE + ", "
                                + Integer.MAX_VALUE + "]");
                    }
                    out[i + j] = (int) v;
                }
            }
        });
        return out;
    }

    /** The raw little-endian bytes of a tensor (any dtype). */
    public byte[] bytes(String name) {
        TensorInfo t = info(name);
        if (t.byteLength() > MAX_ARRAY_LENGTH) {
            throw tensorError(Rule.TOO_LARGE, path, name, "has " + t.byteLength() + " bytes, too many for one Java array");
        }
        byte[] out = new byte[(int) t.byteLength()];
        read(t, segment -> MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, 0, out, 0, out.length));
        return out;
    }

    @FunctionalInterface
    private interface SegmentReader {
        void read(MemorySegment tensorBytes);
    }

    /** Maps the tensor's bytes, hands them to {@code reader} and unmaps them. */
    private void read(TensorInfo t, SegmentReader reader) {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
        if (t.byteLength() == 0) {
            reader.read(MemorySegment.NULL);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            long fileSize = channel.size();
            if (fileSize < dataStart + t.end()) {
                throw tensorError(Rule.FILE_CHANGED, path, t.name(), "lies past the end of the file, which shrank to "
                        + fileSize + " bytes after it was opened");
            }
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteLength(), arena);
            try {
                reader.read(segment);
            } catch (InternalError e) {
                // SIGBUS: the file was truncated while mapped.
                throw tensorError(Rule.FILE_CHANGED, path, t.name(), "could not be read: the file changed while it was"
                        + " being read (" + e.getMessage() + ")");
            }
        } catch (ClosedChannelException e) {
            throw new IllegalStateException(path + " is closed", e);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot read tensor '" + abbreviate(t.name()) + "': " + e.getMessage(), e);
        }
    }

    private int arrayLength(TensorInfo t) {
        long n = t.elementCount();
        if (n > MAX_ARRAY_LENGTH) {
            throw tensorError(Rule.TOO_LARGE, path, t.name(), "has " + n + " elements, too many for one Java array");
        }
        return (int) n;
    }

    /** "[1, 2]" for flat index 6 of shape [2, 4]. */
    static String indexString(int[] shape, long flat) {
        long[] idx = new long[shape.length];
        for (int a = shape.length - 1; a >= 0; a--) {
            if (shape[a] > 0) {
                idx[a] = flat % shape[a];
                flat /= shape[a];
            }
        }
        StringBuilder sb = new StringBuilder("[");
        for (int a = 0; a < idx.length; a++) {
            sb.append(a == 0 ? "" : ", ").append(idx[a]);
        }
        return sb.append(']').toString();
    }

    /** Closes the file. Nothing is mapped between reads, so this only releases the file handle. */
    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            // read-only: nothing to flush
        }
    }

    private static void readFully(Path path, FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                throw error(Rule.FILE_CHANGED, path, "ended at byte " + pos + " while its header was being read");
            }
            pos += n;
        }
    }

    static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    static SafeTensorsFormatException error(Rule rule, Path path, String problem) {
        return new SafeTensorsFormatException(rule, path, null, path + ": " + problem);
    }

    static SafeTensorsFormatException tensorError(Rule rule, Path path, String name, String problem) {
        return new SafeTensorsFormatException(rule, path, name, path + ": tensor '" + abbreviate(name) + "' " + problem);
    }
}
