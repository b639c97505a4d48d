package org.sparsemixer.loader.tf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.sparsemixer.loader.safetensors.DType;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;

/**
 * A TensorFlow TensorBundle (checkpoint format V2): {@code PREFIX.index} ({@link IndexTable}) and the data
 * shards {@code PREFIX.data-0000i-of-0000N}, read as untrusted input. The index's first entry (empty key)
 * is a {@code BundleHeaderProto} (shard count, endianness, version); every other entry a
 * {@code BundleEntryProto} (dtype, shape, shard, offset, size, masked CRC32C, slices). {@link #open}
 * validates every entry against its shard before any tensor is read: known dtype, non-negative shape whose
 * byte size is the entry's, the bytes inside an existing shard, slices that tile the whole tensor. Tensor
 * bytes are checked against the entry's checksum when read.
 *
 * <p>A partitioned variable (an entry with {@code slices}) holds no data itself: each slice is its own
 * entry, keyed by the OrderedCode encoding of (key, extents) ({@link SliceKeys}); {@link #floats}
 * reassembles the whole tensor from them.
 */
public final class TensorBundle implements AutoCloseable {
    /** The key of the object graph of a TF2 (object-based) checkpoint. */
    public static final String OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH";
    static final int MAX_SHARDS = 100_000;
    static final int MAX_RANK = 32;
    /** Slices of all partitioned tensors together (their overlap check is quadratic). */
    static final int MAX_SLICES = 10_000;
    /** Largest tensor read at once (a Java array). */
    static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;
    /** Largest string tensor (the object graph) accepted. */
    static final long MAX_STRING_BYTES = 64L << 20;

    /** One tensor entry. {@code key} decoded from UTF-8; {@code slices} empty unless partitioned. */
    public record Entry(String key, TfDType dtype, int[] shape, int shardId, long offset, long size, int crc32c,
                        List<long[][]> slices) {
        public long elementCount() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        public boolean sliced() {
            return !slices.isEmpty();
        }
    }

    private final Path prefix;
    private final Path indexFile;
    private final int numShards;
    private final Map<String, Entry> entries;
    private final Map<String, Entry> sliceEntries;
    private final FileChannel[] shards;

    private TensorBundle(Path prefix, int numShards, Map<String, Entry> entries, Map<String, Entry> sliceEntries) {
        this.prefix = prefix;
        this.indexFile = indexOf(prefix);
        this.numShards = numShards;
        this.entries = entries;
        this.sliceEntries = sliceEntries;
        this.shards = new FileChannel[numShards];
    }

    /** {@code PREFIX.index}. */
    public static Path indexOf(Path prefix) {
        return prefix.resolveSibling(prefix.getFileName() + ".index");
    }

    /** {@code PREFIX.data-0000i-of-0000N}. */
    public static Path shardOf(Path prefix, int shard, int numShards) {
        return prefix.resolveSibling(String.format(Locale.ROOT, "%s.data-%05d-of-%05d", prefix.getFileName(), shard, numShards));
    }

    /** Reads and validates the index of the bundle at {@code prefix} and checks every entry against its shard. */
    public static TensorBundle open(Path prefix) throws IOException {
        Path index = indexOf(prefix);
        Map<String, byte[]> raw = IndexTable.read(index);
        byte[] headerBytes = raw.get("");
        if (headerBytes == null) {
            throw new TfFormatException(index + ": no BundleHeaderProto (the entry with the empty key)");
        }
        int numShards = header(index, headerBytes);
        long[] shardSizes = new long[numShards];
        Arrays.fill(shardSizes, -1);
        Map<String, Entry> entries = new TreeMap<>();
        Map<String, Entry> slices = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : raw.entrySet()) {
            String rawKey = e.getKey();
            if (rawKey.isEmpty()) {
                continue;
            }
            boolean slice = rawKey.charAt(0) == 0;
            String key = slice ? IndexTable.printable(rawKey) : utf8(index, rawKey);
            Entry entry = entry(index, key, e.getValue(), numShards);
            checkInShard(prefix, entry, numShards, shardSizes);
            (slice ? slices : entries).put(slice ? rawKey : key, entry);
        }
        long totalSlices = 0;
        for (Entry entry : entries.values()) {
            if (entry.sliced()) {
                totalSlices += entry.slices().size();
                if (totalSlices > MAX_SLICES) {
                    throw new TfFormatException(index + ": more than " + MAX_SLICES + " slices of partitioned tensors");
                }
                checkSlices(index, entry, slices);
            }
        }
        return new TensorBundle(prefix, numShards, Collections.unmodifiableMap(entries), slices);
    }

    private static int header(Path index, byte[] bytes) {
        ProtoReader r = new ProtoReader(bytes, index + ": BundleHeaderProto");
        long numShards = -1;
        int endianness = 0;
        int minConsumer = 0;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> numShards = r.int32("num_shards");
                case 2 -> endianness = r.int32("endianness");
                case 3 -> {
                    ProtoReader v = r.message("version");
                    while (v.next()) {
                        if (v.field() == 2) {
                            minConsumer = v.int32("min_consumer");
                        } else {
                            v.skip();
                        }
                    }
                }
                default -> r.skip();
            }
        }
        if (numShards < 1 || numShards > MAX_SHARDS) {
            throw new TfFormatException(index + ": num_shards " + numShards + " is outside 1.." + MAX_SHARDS);
        }
        if (endianness != 0) {
            throw new TfFormatException(index + ": the checkpoint was written big-endian (endianness " + endianness
                    + "); only little-endian checkpoints are read");
        }
        if (minConsumer > 1) {
            throw new TfFormatException(index + ": bundle version needs a reader of version " + minConsumer
                    + " or newer (this one reads version 1)");
        }
        return (int) numShards;
    }

    private static Entry entry(Path index, String key, byte[] bytes, int numShards) {
        String what = index + ": entry '" + key + "'";
        ProtoReader r = new ProtoReader(bytes, what);
        int dtypeCode = 0;
        List<Long> dims = new ArrayList<>();
        boolean unknownRank = false;
        long shardId = 0;
        long offset = 0;
        long size = 0;
        int crc = 0;
        List<long[][]> slices = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> dtypeCode = r.int32("dtype");
                case 2 -> {
                    ProtoReader shape = r.message("shape");
                    while (shape.next()) {
                        if (shape.field() == 2) {
                            if (dims.size() >= MAX_RANK) {
                                throw new TfFormatException(what + ": rank above " + MAX_RANK);
                            }
                            ProtoReader dim = shape.message("shape.dim");
                            long d = 0;
                            while (dim.next()) {
                                if (dim.field() == 1) {
                                    d = dim.int64("dim.size");
                                } else {
                                    dim.skip();
                                }
                            }
                            dims.add(d);
                        } else if (shape.field() == 3) {
                            unknownRank = shape.int64("unknown_rank") != 0;
                        } else {
                            shape.skip();
                        }
                    }
                }
                case 3 -> shardId = r.int32("shard_id");
                case 4 -> offset = r.int64("offset");
                case 5 -> size = r.int64("size");
                case 6 -> crc = r.fixed32("crc32c");
                case 7 -> {
                    if (slices.size() >= MAX_SLICES) {
                        throw new TfFormatException(what + ": more than " + MAX_SLICES + " slices");
                    }
                    slices.add(extents(r.message("slices"), what));
                }
                default -> r.skip();
            }
        }
        TfDType dtype = TfDType.of(dtypeCode);
        if (dtype == null) {
            throw new TfFormatException(what + ": unknown dtype " + dtypeCode);
        }
        if (unknownRank) {
            throw new TfFormatException(what + ": shape of unknown rank");
        }
        int[] shape = new int[dims.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = dims.get(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new TfFormatException(what + ": dimension " + i + " is " + d);
            }
            shape[i] = (int) d;
            elements = elements == 0 || d == 0 ? 0 : multiplyOrFail(elements, d, what);
        }
        if (shardId < 0 || shardId >= numShards) {
            throw new TfFormatException(what + ": shard_id " + shardId + " is outside the bundle's " + numShards + " shards");
        }
        if (offset < 0 || size < 0) {
            throw new TfFormatException(what + ": negative offset " + offset + " or size " + size);
        }
        if (slices.isEmpty() && dtype.size() > 0) {
            long need = multiplyOrFail(elements, dtype.size(), what);
            if (size != need) {
                throw new TfFormatException(what + ": " + size + " bytes for " + elements + " " + dtype + " values of shape "
                        + Arrays.toString(shape) + " (" + need + " needed)");
            }
        }
        if (size > MAX_TENSOR_BYTES) {
            throw new TfFormatException(what + ": " + size + " bytes exceed the largest tensor this reader takes ("
                    + MAX_TENSOR_BYTES + ")");
        }
        return new Entry(key, dtype, shape, (int) shardId, offset, size, crc, List.copyOf(slices));
    }

    private static long multiplyOrFail(long a, long b, String what) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new TfFormatException(what + ": element count overflows");
        }
    }

    /** A TensorSliceProto: per dimension {start, length}, length -1 for the whole dimension. */
    private static long[][] extents(ProtoReader r, String what) {
        List<long[]> out = new ArrayList<>();
        while (r.next()) {
            if (r.field() == 1) {
                if (out.size() >= MAX_RANK) {
                    throw new TfFormatException(what + ": slice rank above " + MAX_RANK);
                }
                ProtoReader e = r.message("slices.extent");
                long start = 0;
                long length = -1;
                while (e.next()) {
                    switch (e.field()) {
                        case 1 -> start = e.int64("extent.start");
                        case 2 -> length = e.int64("extent.length");
                        default -> e.skip();
                    }
                }
                out.add(new long[] {start, length});
            } else {
                r.skip();
            }
        }
        return out.toArray(new long[0][]);
    }

    private static void checkInShard(Path prefix, Entry e, int numShards, long[] shardSizes) throws IOException {
        if (e.sliced()) {
            return;
        }
        int shard = e.shardId();
        if (shardSizes[shard] < 0) {
            Path file = shardOf(prefix, shard, numShards);
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "data shard " + shard + " of " + numShards
                        + " of the checkpoint is missing (tensor '" + e.key() + "' is in it)");
            }
            shardSizes[shard] = Files.size(file);
        }
        if (e.offset() > shardSizes[shard] || e.size() > shardSizes[shard] - e.offset()) {
            throw new TfFormatException(indexOf(prefix) + ": entry '" + e.key() + "': bytes [" + e.offset() + ", "
                    + (e.offset() + e.size()) + ") lie past the end of shard " + shard + " (" + shardSizes[shard] + " bytes)");
        }
    }

    /** Checks that the slices of {@code whole} lie inside it, tile it exactly, and each has its entry. */
    private static void checkSlices(Path index, Entry whole, Map<String, Entry> sliceEntries) {
        String what = index + ": partitioned tensor '" + whole.key() + "'";
        int rank = whole.shape().length;
        long total = whole.elementCount();
        long covered = 0;
        List<long[][]> boxes = new ArrayList<>();
        for (long[][] extent : whole.slices()) {
            if (extent.length != rank) {
                throw new TfFormatException(what + ": a slice of rank " + extent.length + " for a tensor of rank " + rank);
            }
            long[][] box = new long[rank][];
            long volume = 1;
            for (int d = 0; d < rank; d++) {
                long start = extent[d][0];
                long length = extent[d][1] == -1 ? whole.shape()[d] - start : extent[d][1];
                if (extent[d][1] == -1 && start != 0 || start < 0 || length < 1 || start > whole.shape()[d]
                        || length > whole.shape()[d] - start) {
                    throw new TfFormatException(what + ": slice " + describe(extent) + " lies outside its shape "
                            + Arrays.toString(whole.shape()));
                }
                box[d] = new long[] {start, length};
                volume *= length;
            }
            for (long[][] other : boxes) {
                if (overlap(box, other)) {
                    throw new TfFormatException(what + ": slices " + describe(box) + " and " + describe(other) + " overlap");
                }
            }
            boxes.add(box);
            covered += volume;
            Entry slice = sliceEntries.get(SliceKeys.encode(whole.key(), extent));
            if (slice == null) {
                throw new TfFormatException(what + ": no entry for its slice " + describe(box));
            }
            int[] sliceShape = new int[rank];
            for (int d = 0; d < rank; d++) {
                sliceShape[d] = (int) box[d][1];
            }
            if (slice.dtype() != whole.dtype() || !Arrays.equals(slice.shape(), sliceShape) || slice.sliced()) {
                throw new TfFormatException(what + ": the entry of slice " + describe(box) + " has dtype " + slice.dtype()
                        + " and shape " + Arrays.toString(slice.shape()) + ", expected " + whole.dtype() + " "
                        + Arrays.toString(sliceShape));
            }
        }
        if (covered != total) {
            throw new TfFormatException(what + ": its slices cover " + covered + " of its " + total
                    + " elements (they do not tile the whole tensor)");
        }
    }

    private static boolean overlap(long[][] a, long[][] b) {
        for (int d = 0; d < a.length; d++) {
            if (a[d][0] + a[d][1] <= b[d][0] || b[d][0] + b[d][1] <= a[d][0]) {
                return false;
            }
        }
        return true;
    }

    private static String describe(long[][] extent) {
        StringBuilder sb = new StringBuilder();
        for (long[] e : extent) {
            sb.append(sb.isEmpty() ? "" : ",").append(e[1] == -1 ? "-" : e[0] + ":" + (e[0] + e[1]));
        }
        return "[" + sb + "]";
    }

    private static String utf8(Path index, String rawKey) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(rawKey.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            throw new TfFormatException(index + ": key '" + IndexTable.printable(rawKey) + "' is not valid UTF-8");
        }
    }

    public Path prefix() {
        return prefix;
    }

    public int numShards() {
        return numShards;
    }

    /** Every tensor entry by key (sorted), slices of partitioned tensors excluded. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** Bytes of the data shards. */
    public long dataBytes() throws IOException {
        long total = 0;
        for (int i = 0; i < numShards; i++) {
            Path shard = shardOf(prefix, i, numShards);
            if (Files.exists(shard)) {
                total += Files.size(shard);
            }
        }
        return total;
    }

    /** The entry's bytes, checked against its masked CRC32C. */
    byte[] bytes(Entry e) throws IOException {
        if (e.sliced()) {
            throw new IllegalArgumentException("tensor '" + e.key() + "' is partitioned: read it with floats()");
        }
        byte[] out = new byte[(int) e.size()];
        FileChannel ch = shard(e);
        ByteBuffer buf = ByteBuffer.wrap(out);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, e.offset() + buf.position());
            if (n < 0) {
                throw new TfFormatException(shardOf(prefix, e.shardId(), numShards) + ": ends before the bytes of tensor '"
                        + e.key() + "' (the shard shrank)");
            }
        }
        if (e.dtype() != TfDType.STRING) {
            CRC32C crc = new CRC32C();
            crc.update(out);
            checkCrc(e, (int) crc.getValue());
        }
        return out;
    }

    /** Bytes streamed at once by {@link #copyTo}. */
    private static final int COPY_CHUNK = 4 << 20;
    private ByteBuffer copyBuffer;

    /**
     * Streams the entry's bytes to {@code out} in chunks, checking its masked CRC32C on the way (at the end:
     * a mismatch throws after the bytes are written, so the caller must discard what it wrote, as the
     * safetensors writer does with its temporary file). Memory: one chunk, whatever the tensor's size.
     */
    public void copyTo(Entry e, FileChannel out) throws IOException {
        if (e.sliced() || e.dtype().size() == 0) {
            throw new IllegalArgumentException("tensor '" + e.key() + "' cannot be copied as stored bytes");
        }
        if (copyBuffer == null) {
            copyBuffer = ByteBuffer.allocateDirect(COPY_CHUNK);
        }
        FileChannel in = shard(e);
        CRC32C crc = new CRC32C();
        long done = 0;
        while (done < e.size()) {
            ByteBuffer buf = copyBuffer.clear().limit((int) Math.min(COPY_CHUNK, e.size() - done));
            while (buf.hasRemaining()) {
                if (in.read(buf, e.offset() + done + buf.position()) < 0) {
                    throw new TfFormatException(shardOf(prefix, e.shardId(), numShards) + ": ends before the bytes of tensor '"
                            + e.key() + "' (the shard shrank)");
                }
            }
            buf.flip();
            crc.update(buf.duplicate());
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            done += buf.limit();
        }
        checkCrc(e, (int) crc.getValue());
    }

    private void checkCrc(Entry e, int crc) {
        if (mask(crc) != e.crc32c()) {
            throw new TfFormatException(shardOf(prefix, e.shardId(), numShards) + ": tensor '" + e.key()
                    + "' fails its checksum (CRC32C of its " + e.size() + " bytes at offset " + e.offset() + ")");
        }
    }

    /**
     * A float tensor as row-major float32 values rounded to {@code precision} (F32, BF16 or F16), decoded as
     * safetensors weights are ({@link SafeTensorsFile#decodeFloats}); a partitioned tensor is reassembled
     * from its slices.
     */
    public float[] floats(Entry e, DType precision) throws IOException {
        if (!e.dtype().isFloat()) {
            throw new TfFormatException(indexFile + ": tensor '" + e.key() + "' has dtype " + e.dtype()
                    + "; a float dtype (float32, float16, bfloat16, float64) is needed");
        }
        if (!e.sliced()) {
            float[] out = new float[Math.toIntExact(e.elementCount())];
            SafeTensorsFile.decodeFloats(MemorySegment.ofArray(bytes(e)), 0, e.dtype().dtype(), precision, out);
            return out;
        }
        float[] out = new float[Math.toIntExact(e.elementCount())];
        for (long[][] extent : e.slices()) {
            Entry slice = sliceEntries.get(SliceKeys.encode(e.key(), extent));
            float[] part = floats(slice, precision);
            place(part, slice.shape(), extent, e.shape(), out);
        }
        return out;
    }

    /** Copies a slice (row-major, shape {@code sliceShape}) to its place in the whole tensor. */
    private static void place(float[] part, int[] sliceShape, long[][] extent, int[] shape, float[] out) {
        int rank = shape.length;
        if (rank == 0) {
            System.arraycopy(part, 0, out, 0, part.length);
            return;
        }
        int run = sliceShape[rank - 1];
        long rows = part.length / Math.max(1, run);
        int[] index = new int[rank];
        for (long r = 0; r < rows; r++) {
            long flat = 0;
            for (int d = 0; d < rank; d++) {
                long coordinate = extent[d][0] + (d == rank - 1 ? 0 : index[d]);
                flat = flat * shape[d] + coordinate;
            }
            System.arraycopy(part, (int) (r * run), out, (int) flat, run);
            for (int d = rank - 2; d >= 0; d--) {
                if (++index[d] < sliceShape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
    }

    /**
     * A DT_STRING scalar (the object graph). On disk: the length as a varint, a masked CRC32C of the length,
     * the bytes. The entry's checksum covers the length as a 4-byte little-endian integer (not the varint),
     * then that 4-byte checksum, then the bytes.
     */
    public byte[] string(Entry e) throws IOException {
        if (e.dtype() != TfDType.STRING || e.shape().length != 0) {
            throw new TfFormatException(indexFile + ": '" + e.key() + "' is a " + e.dtype() + " tensor of shape "
                    + Arrays.toString(e.shape()) + ", not a string scalar");
        }
        if (e.size() > MAX_STRING_BYTES) {
            throw new TfFormatException(indexFile + ": string '" + e.key() + "' of " + e.size() + " bytes exceeds the limit of "
                    + MAX_STRING_BYTES);
        }
        byte[] raw = bytes(e);
        int[] at = {0};
        long length = ProtoReader.nonNegativeVarint(raw, at, raw.length);
        if (length < 0 || length != raw.length - at[0] - 4L) {
            throw new TfFormatException(indexFile + ": string '" + e.key() + "' claims " + length + " bytes but its entry holds "
                    + (raw.length - at[0] - 4L));
        }
        byte[] len32 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) length).array();
        CRC32C crc = new CRC32C();
        crc.update(len32);
        int lengthCrc = ByteBuffer.wrap(raw, at[0], 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (mask((int) crc.getValue()) != lengthCrc) {
            throw new TfFormatException(indexFile + ": string '" + e.key() + "' fails the checksum of its length");
        }
        crc.update(raw, at[0], 4 + (int) length);
        checkCrc(e, (int) crc.getValue());
        return Arrays.copyOfRange(raw, at[0] + 4, raw.length);
    }

    private FileChannel shard(Entry e) throws IOException {
        FileChannel ch = shards[e.shardId()];
        if (ch == null) {
            ch = FileChannel.open(shardOf(prefix, e.shardId(), numShards), StandardOpenOption.READ);
            shards[e.shardId()] = ch;
        }
        return ch;
    }

    /** LevelDB's and TensorFlow's masked CRC32C: rotated right by 15 bits, plus a constant. */
    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    @Override
    public void close() {
        for (int i = 0; i < shards.length; i++) {
            if (shards[i] != null) {
                try {
                    shards[i].close();
                } catch (IOException ignored) {
                    // read-only file: nothing to lose
                }
                shards[i] = null;
            }
        }
    }
}
