package org.sparsemixer.loader.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A read-only safetensors file: 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * ({@code {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}}), then the data buffer.
 *
 * <p>The file is treated as untrusted: {@link #open} validates the whole header before anything is
 * allocated from it (header size, JSON shape, dtype names, non-negative dimensions, offsets inside
 * the data buffer, byte lengths matching shapes, no overflow) and, like the reference implementation,
 * requires the tensors to tile the data buffer exactly (no overlap, no gap, no trailing bytes).
 * Every violation is a {@link SafeTensorsFormatException} naming the file and, where there is one,
 * the tensor. The data buffer is memory-mapped; reads copy (and convert) into fresh Java arrays.
 * Instances are safe for concurrent reads; {@link #close} unmaps the file.
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

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final long headerLength;

    private SafeTensorsFile(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata, long headerLength) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
        this.headerLength = headerLength;
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @throws NoSuchFileException         if the file does not exist
     * @throws SafeTensorsFormatException  if it is not a well-formed safetensors file
     */
    public static SafeTensorsFile open(Path path) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw error(path, "is not a regular file");
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw error(path, "is too short to be a safetensors file (" + fileSize
                        + " bytes; it must start with an 8-byte header length)");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw error(path, "declares a header of " + Long.toUnsignedString(headerLength)
                        + " bytes; at most " + MAX_HEADER_BYTES + " are allowed");
            }
            if (headerLength > fileSize - 8) {
                throw error(path, "declares a header of " + headerLength + " bytes but only "
                        + (fileSize - 8) + " bytes follow the header length");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8);
            long dataStart = 8 + headerLength;
            long dataLength = fileSize - dataStart;
            Header header = parseHeader(path, headerBytes.array(), dataLength);

            Arena arena = Arena.ofShared();
            try {
                MemorySegment data = dataLength == 0
                        ? MemorySegment.ofArray(new byte[0])
                        : channel.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLength, arena);
                return new SafeTensorsFile(path, arena, data, header.tensors, header.metadata, headerLength);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
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
            throw error(path, "has a header that is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw error(path, "has a header that is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw error(path, "has a header that is not a JSON object");
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
                throw tensorError(path, t.name(), "has data_offsets [" + t.begin() + ", " + t.end()
                        + "] overlapping tensor '" + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "]");
            }
            if (t.begin() > expectedBegin) {
                throw tensorError(path, t.name(), "has data_offsets [" + t.begin() + ", " + t.end()
                        + "] leaving a gap of " + (t.begin() - expectedBegin) + " unused bytes before it"
                        + " (tensors must be stored back to back)");
            }
            expectedBegin = t.end();
            previous = t;
        }
        if (expectedBegin != dataLength) {
            throw error(path, "has " + (dataLength - expectedBegin) + " bytes after its last tensor"
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

    private static Map<String, String> parseMetadata(Path path, JsonNode node) {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw error(path, "has a " + METADATA_KEY + " entry that is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw error(path, "has " + METADATA_KEY + " value '" + e.getKey() + "' that is not a string");
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorInfo parseTensor(Path path, String name, JsonNode node, long dataLength) {
        if (!node.isObject()) {
            throw tensorError(path, name, "has a header entry that is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || offsetsNode == null) {
            throw tensorError(path, name, "lacks " + (dtypeNode == null ? "dtype" : shapeNode == null ? "shape" : "data_offsets")
                    + " (every tensor needs dtype, shape and data_offsets)");
        }
        if (!dtypeNode.isTextual()) {
            throw tensorError(path, name, "has a dtype that is not a string: " + abbreviate(dtypeNode));
        }
        DType dtype = DType.fromName(dtypeNode.textValue());
        if (dtype == null) {
            throw tensorError(path, name, "has unknown dtype \"" + abbreviate(dtypeNode.textValue()) + "\"");
        }
        if (!shapeNode.isArray()) {
            throw tensorError(path, name, "has a shape that is not a list: " + abbreviate(shapeNode));
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || d.bigIntegerValue().signum() < 0 || !d.canConvertToInt()) {
                throw tensorError(path, name, "has shape dimension " + i + " = " + abbreviate(d)
                        + "; dimensions must be integers in [0, " + Integer.MAX_VALUE + "]");
            }
            shape[i] = d.intValue();
        }
        if (!offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw tensorError(path, name, "has data_offsets " + abbreviate(offsetsNode) + "; expected [begin, end]");
        }
        long[] offsets = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode o = offsetsNode.get(i);
            if (!o.isIntegralNumber() || o.bigIntegerValue().signum() < 0) {
                throw tensorError(path, name, "has data_offsets " + abbreviate(offsetsNode)
                        + "; offsets must be non-negative integers");
            }
            if (!o.canConvertToLong() || o.longValue() > dataLength) {
                throw tensorError(path, name, "has data_offsets " + abbreviate(offsetsNode)
                        + " outside the data buffer of " + dataLength + " bytes");
            }
            offsets[i] = o.longValue();
        }
        if (offsets[0] > offsets[1]) {
            throw tensorError(path, name, "has data_offsets " + abbreviate(offsetsNode) + " with begin > end");
        }
        long byteLength;
        try {
            long elements = 1;
            for (int d : shape) {
                elements = Math.multiplyExact(elements, (long) d);
            }
            byteLength = dtype.byteLength(elements);
        } catch (ArithmeticException e) {
            throw tensorError(path, name, "has shape " + TensorInfo.shapeString(shape) + " whose size overflows");
        }
        if (byteLength < 0) {
            throw tensorError(path, name, "has " + dtype + " shape " + TensorInfo.shapeString(shape)
                    + " whose " + dtype.bits() + "-bit elements do not end on a byte boundary");
        }
        if (byteLength != offsets[1] - offsets[0]) {
            throw tensorError(path, name, "has " + dtype + " shape " + TensorInfo.shapeString(shape) + " needing "
                    + byteLength + " bytes but data_offsets [" + offsets[0] + ", " + offsets[1] + "] hold "
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
            throw tensorError(path, name, "is not in the file");
        }
        return t;
    }

    /** The tensor as row-major float32 values; F64, F16 and BF16 are converted. */
    public float[] floats(String name) {
        TensorInfo t = info(name);
        if (!t.dtype().isFloat()) {
            throw tensorError(path, name, "has dtype " + t.dtype() + "; a float dtype (F32, F16, BF16, F64) is needed");
        }
        int n = arrayLength(t);
        float[] out = new float[n];
        long base = t.begin();
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(data, F32_LE, base, out, 0, n);
            case F64 -> {
                double[] chunk = new double[Math.min(CHUNK, n)];
                for (int i = 0; i < n; i += CHUNK) {
                    int len = Math.min(CHUNK, n - i);
                    MemorySegment.copy(data, F64_LE, base + 8L * i, chunk, 0, len);
                    for (int j = 0; j < len; j++) {
                        out[i + j] = (float) chunk[j];
                    }
                }
            }
            case F16, BF16 -> {
                boolean bf16 = t.dtype() == DType.BF16;
                short[] chunk = new short[Math.min(CHUNK, n)];
                for (int i = 0; i < n; i += CHUNK) {
                    int len = Math.min(CHUNK, n - i);
                    MemorySegment.copy(data, I16_LE, base + 2L * i, chunk, 0, len);
                    for (int j = 0; j < len; j++) {
                        out[i + j] = bf16 ? Float.intBitsToFloat((chunk[j] & 0xFFFF) << 16) : Float.float16ToFloat(chunk[j]);
                    }
                }
            }
            default -> throw new AssertionError(t.dtype());
        }
        return out;
    }

    /** The tensor as row-major ints; I64 values outside the int range are an error naming the element. */
    public int[] ints(String name) {
        TensorInfo t = info(name);
        if (!t.dtype().isInt()) {
            throw tensorError(path, name, "has dtype " + t.dtype() + "; an integer dtype (I32 or I64) is needed");
        }
        int n = arrayLength(t);
        int[] out = new int[n];
        long base = t.begin();
        if (t.dtype() == DType.I32) {
            MemorySegment.copy(data, I32_LE, base, out, 0, n);
            return out;
        }
        long[] chunk = new long[Math.min(CHUNK, n)];
        for (int i = 0; i < n; i += CHUNK) {
            int len = Math.min(CHUNK, n - i);
            MemorySegment.copy(data, I64_LE, base + 8L * i, chunk, 0, len);
            for (int j = 0; j < len; j++) {
                long v = chunk[j];
                if (v != (int) v) {
                    throw tensorError(path, name, "has value " + v + " at " + indexString(t.shape(), i + j)
                            + " outside the int range [" + Integer.MIN_VALUE + ", " + Integer.MAX_VALUE + "]");
                }
                out[i + j] = (int) v;
            }
        }
        return out;
    }

    /** The raw little-endian bytes of a tensor (any dtype). */
    public byte[] bytes(String name) {
        TensorInfo t = info(name);
        if (t.byteLength() > MAX_ARRAY_LENGTH) {
            throw tensorError(path, name, "has " + t.byteLength() + " bytes, too many for one Java array");
        }
        return data.asSlice(t.begin(), t.byteLength()).toArray(ValueLayout.JAVA_BYTE);
    }

    private int arrayLength(TensorInfo t) {
        long n = t.elementCount();
        if (n > MAX_ARRAY_LENGTH) {
            throw tensorError(path, t.name(), "has " + n + " elements, too many for one Java array");
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

    @Override
    public void close() {
        arena.close();
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    static SafeTensorsFormatException error(Path path, String problem) {
        return new SafeTensorsFormatException(path + ": " + problem);
    }

    static SafeTensorsFormatException tensorError(Path path, String name, String problem) {
        return new SafeTensorsFormatException(path + ": tensor '" + abbreviate(name) + "' " + problem);
    }
}
