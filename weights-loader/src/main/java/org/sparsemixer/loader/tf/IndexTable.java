package org.sparsemixer.loader.tf;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.snappy.SnappyDecompressor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The {@code .index} file of a TensorBundle: a LevelDB-format table (TensorFlow's {@code table_builder}),
 * read whole and validated as untrusted input. Layout: data blocks, a meta-index block and an index block,
 * each followed by a 5-byte trailer (compression type: 0 none, 1 Snappy; masked CRC32C of the block and that
 * type byte), then a 48-byte footer (meta-index and index block handles as varints, padding, the magic
 * number). A block is a run of prefix-compressed entries (shared key length, unshared length, value length,
 * unshared key bytes, value) followed by its restart offsets and their count.
 *
 * <p>Limits: the file at most {@value #MAX_FILE_BYTES} bytes; a Snappy block at most
 * {@value #MAX_BLOCK_BYTES} bytes once decompressed (and no more than its compressed size allows), all
 * blocks together at most {@value #MAX_DECODED_BYTES}; keys strictly increasing.
 */
final class IndexTable {
    static final long MAGIC = 0xdb4775248b80fb57L;
    static final int FOOTER_BYTES = 48;
    static final int TRAILER_BYTES = 5;
    static final long MAX_FILE_BYTES = 256L << 20;
    static final int MAX_BLOCK_BYTES = 64 << 20;
    static final long MAX_DECODED_BYTES = 256L << 20;
    /** Snappy's densest code (a 2-byte copy of 64 bytes) expands 32-fold. */
    private static final int SNAPPY_MAX_RATIO = 32;

    private final Path file;
    private long decoded;

    private IndexTable(Path file) {
        this.file = file;
    }

    /** Every entry in key order: raw keys as ISO-8859-1 strings (one char per byte), raw values. */
    static Map<String, byte[]> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "checkpoint index file not found");
        }
        if (!Files.isRegularFile(file)) {
            throw new TfFormatException(file + ": not a regular file");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new TfFormatException(file + ": index file of " + size + " bytes exceeds the limit of " + MAX_FILE_BYTES);
        }
        if (size < FOOTER_BYTES) {
            throw new TfFormatException(file + ": truncated index file (" + size + " bytes, a table needs at least "
                    + FOOTER_BYTES + ")");
        }
        byte[] bytes = new byte[(int) size];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    throw new TfFormatException(file + ": index file shrank while being read");
                }
            }
        }
        return new IndexTable(file).parse(bytes);
    }

    private Map<String, byte[]> parse(byte[] bytes) {
        ByteBuffer footer = ByteBuffer.wrap(bytes, bytes.length - FOOTER_BYTES, FOOTER_BYTES).slice().order(ByteOrder.LITTLE_ENDIAN);
        if (footer.getLong(FOOTER_BYTES - 8) != MAGIC) {
            throw error("bad magic number (not a TensorFlow checkpoint index / LevelDB table, or truncated)");
        }
        int[] at = {bytes.length - FOOTER_BYTES};
        int footerEnd = bytes.length - 8;
        handle(bytes, at, footerEnd, "meta-index block handle");
        long[] index = handle(bytes, at, footerEnd, "index block handle");
        byte[] indexBlock = block(bytes, index, "index block");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        String[] last = {null};
        forEachEntry(indexBlock, "index block", (key, value) -> {
            int[] p = {0};
            long[] h = handle(value, p, value.length, "data block handle in the index block");
            byte[] data = block(bytes, h, "data block at offset " + h[0]);
            forEachEntry(data, "data block at offset " + h[0], (k, v) -> {
                if (last[0] != null && k.compareTo(last[0]) <= 0) {
                    throw error("keys out of order or repeated: '" + printable(k) + "' after '" + printable(last[0]) + "'");
                }
                last[0] = k;
                entries.put(k, v);
            });
        });
        return Collections.unmodifiableMap(entries);
    }

    /** A block handle (offset, size) at {@code at[0]}, checked to lie before the footer. */
    private long[] handle(byte[] b, int[] at, int end, String what) {
        long offset = varint(b, at, end, what);
        long size = varint(b, at, end, what);
        if (offset < 0 || size < 0 || offset > MAX_FILE_BYTES || size > MAX_FILE_BYTES) {
            throw error(what + " (" + offset + ", " + size + ") is out of range");
        }
        return new long[] {offset, size};
    }

    /** The contents of the block at {@code h}, its trailer checked and Snappy undone. */
    private byte[] block(byte[] file, long[] h, String what) {
        long offset = h[0];
        long size = h[1];
        long dataEnd = file.length - FOOTER_BYTES;
        if (offset + size + TRAILER_BYTES > dataEnd) {
            throw error(what + " of " + size + " bytes at offset " + offset + " runs past the end of the blocks ("
                    + dataEnd + " bytes)");
        }
        int start = (int) offset;
        int length = (int) size;
        byte type = file[start + length];
        CRC32C crc = new CRC32C();
        crc.update(file, start, length + 1);
        int stored = ByteBuffer.wrap(file, start + length + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (TensorBundle.mask((int) crc.getValue()) != stored) {
            throw error(what + ": block checksum mismatch (CRC32C)");
        }
        byte[] contents = switch (type) {
            case 0 -> Arrays.copyOfRange(file, start, start + length);
            case 1 -> snappy(file, start, length, what);
            default -> throw error(what + ": unknown block compression type " + type);
        };
        decoded += contents.length;
        if (decoded > MAX_DECODED_BYTES) {
            throw error("blocks decode to more than " + MAX_DECODED_BYTES + " bytes");
        }
        return contents;
    }

    private byte[] snappy(byte[] file, int start, int length, String what) {
        int[] p = {start};
        long claimed = varint(file, p, start + length, what + " (Snappy length)");
        if (claimed > MAX_BLOCK_BYTES || claimed > (long) SNAPPY_MAX_RATIO * length + 64) {
            throw error(what + ": Snappy block claims " + claimed + " bytes from " + length + " (limit "
                    + Math.min(MAX_BLOCK_BYTES, (long) SNAPPY_MAX_RATIO * length + 64) + ")");
        }
        byte[] out = new byte[(int) claimed];
        try {
            int n = new SnappyDecompressor().decompress(file, start, length, out, 0, out.length);
            if (n != claimed) {
                throw error(what + ": Snappy block decodes to " + n + " bytes, not the " + claimed + " it claims");
            }
        } catch (MalformedInputException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw error(what + ": corrupt Snappy block (" + e.getMessage() + ")");
        }
        return out;
    }

    private interface EntryVisitor {
        void entry(String key, byte[] value);
    }

    private void forEachEntry(byte[] block, String what, EntryVisitor visitor) {
        if (block.length < 4) {
            throw error(what + " is too short for its restart count");
        }
        ByteBuffer le = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        long restarts = Integer.toUnsignedLong(le.getInt(block.length - 4));
        if (restarts < 1 || restarts > (block.length - 4) / 4) {
            throw error(what + ": " + restarts + " restart points do not fit its " + block.length + " bytes");
        }
        int end = block.length - 4 - 4 * (int) restarts;
        int[] at = {0};
        byte[] key = new byte[0];
        while (at[0] < end) {
            long shared = varint(block, at, end, what);
            long unshared = varint(block, at, end, what);
            long valueLength = varint(block, at, end, what);
            if (shared > key.length || unshared > end - at[0] || valueLength > end - at[0] - unshared) {
                throw error(what + ": corrupt entry at offset " + at[0] + " (shared " + shared + ", unshared " + unshared
                        + ", value " + valueLength + " bytes)");
            }
            byte[] k = Arrays.copyOf(key, (int) (shared + unshared));
            System.arraycopy(block, at[0], k, (int) shared, (int) unshared);
            at[0] += (int) unshared;
            byte[] value = Arrays.copyOfRange(block, at[0], at[0] + (int) valueLength);
            at[0] += (int) valueLength;
            key = k;
            visitor.entry(new String(k, java.nio.charset.StandardCharsets.ISO_8859_1), value);
        }
    }

    /** A non-negative varint at {@code at[0]} (before {@code end}). */
    private long varint(byte[] b, int[] at, int end, String what) {
        long value = ProtoReader.nonNegativeVarint(b, at, end);
        if (value < 0) {
            throw error(what + ": truncated or oversized varint");
        }
        return value;
    }

    /** A raw key for messages: printable ASCII as is, other bytes as \xNN. */
    static String printable(String rawKey) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rawKey.length() && sb.length() < 200; i++) {
            char c = rawKey.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                sb.append(c);
            } else {
                sb.append(String.format("\\x%02x", (int) c));
            }
        }
        return sb.toString();
    }

    private TfFormatException error(String problem) {
        return new TfFormatException(file + ": " + problem);
    }
}
