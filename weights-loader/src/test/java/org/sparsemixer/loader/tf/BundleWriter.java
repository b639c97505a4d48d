package org.sparsemixer.loader.tf;

import io.airlift.compress.snappy.SnappyCompressor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;
import java.util.zip.CRC32C;

/**
 * Test-only writer of TensorBundle index files and protobuf messages, following the LevelDB table format
 * (not the reader under test): for crafting hostile files whose every checksum is right except where a
 * test breaks it on purpose.
 */
final class BundleWriter {
    private BundleWriter() {
    }

    /** A LevelDB table of the entries (raw keys in order), one data block, optionally Snappy-compressed. */
    static byte[] table(SortedMap<String, byte[]> entries, boolean snappy) {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        byte[] data = block(entries);
        long[] dataHandle = writeBlock(file, data, snappy);
        long[] metaHandle = writeBlock(file, block(new java.util.TreeMap<>()), false);
        ByteArrayOutputStream handle = new ByteArrayOutputStream();
        varint(handle, dataHandle[0]);
        varint(handle, dataHandle[1]);
        String last = entries.isEmpty() ? "" : entries.lastKey();
        long[] indexHandle = writeBlock(file, block(new java.util.TreeMap<>(Map.of(last, handle.toByteArray()))), false);
        ByteArrayOutputStream footer = new ByteArrayOutputStream();
        varint(footer, metaHandle[0]);
        varint(footer, metaHandle[1]);
        varint(footer, indexHandle[0]);
        varint(footer, indexHandle[1]);
        byte[] f = Arrays.copyOf(footer.toByteArray(), IndexTable.FOOTER_BYTES);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(IndexTable.FOOTER_BYTES - 8, IndexTable.MAGIC);
        file.writeBytes(f);
        return file.toByteArray();
    }

    /** Entries with full keys (no prefix sharing) and one restart point. */
    static byte[] block(SortedMap<String, byte[]> entries) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.ISO_8859_1);
            varint(b, 0);
            varint(b, key.length);
            varint(b, e.getValue().length);
            b.writeBytes(key);
            b.writeBytes(e.getValue());
        }
        b.writeBytes(le32(0));
        b.writeBytes(le32(1));
        return b.toByteArray();
    }

    private static long[] writeBlock(ByteArrayOutputStream file, byte[] contents, boolean snappy) {
        byte[] stored = contents;
        if (snappy) {
            SnappyCompressor c = new SnappyCompressor();
            byte[] out = new byte[c.maxCompressedLength(contents.length)];
            int n = c.compress(contents, 0, contents.length, out, 0, out.length);
            stored = Arrays.copyOf(out, n);
        }
        long offset = file.size();
        file.writeBytes(stored);
        byte type = (byte) (snappy ? 1 : 0);
        file.write(type);
        CRC32C crc = new CRC32C();
        crc.update(stored);
        crc.update(type);
        file.writeBytes(le32(TensorBundle.mask((int) crc.getValue())));
        return new long[] {offset, stored.length};
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    static int maskedCrc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return TensorBundle.mask((int) crc.getValue());
    }

    /** A protobuf message built field by field. */
    static final class Msg {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Msg varint(int field, long value) {
            BundleWriter.varint(out, (long) field << 3);
            BundleWriter.varint(out, value);
            return this;
        }

        Msg fixed32(int field, int value) {
            BundleWriter.varint(out, (long) field << 3 | 5);
            out.writeBytes(le32(value));
            return this;
        }

        Msg bytes(int field, byte[] value) {
            BundleWriter.varint(out, (long) field << 3 | 2);
            BundleWriter.varint(out, value.length);
            out.writeBytes(value);
            return this;
        }

        Msg string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Msg message(int field, Msg value) {
            return bytes(field, value.toByteArray());
        }

        /** Raw bytes appended as they are (for malformed messages). */
        Msg raw(byte... bytes) {
            out.writeBytes(bytes);
            return this;
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    static byte[] header(int numShards) {
        return new Msg().varint(1, numShards).varint(2, 0).message(3, new Msg().varint(1, 1)).toByteArray();
    }

    static Msg shape(long... dims) {
        Msg s = new Msg();
        for (long d : dims) {
            s.message(2, new Msg().varint(1, d));
        }
        return s;
    }

    /** A BundleEntryProto of a float32 tensor in shard 0. */
    static Msg floatEntry(long offset, byte[] data, long... dims) {
        return new Msg().varint(1, 1).message(2, shape(dims)).varint(4, offset).varint(5, data.length)
                .fixed32(6, maskedCrc(data));
    }

    /** A DT_STRING scalar as TensorFlow stores it (varint length, masked CRC of the length as uint32, bytes) and its entry. */
    static byte[][] stringTensor(byte[] value, long offset) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        varint(raw, value.length);
        byte[] lengthCrc = le32(maskedCrc(le32(value.length)));
        raw.writeBytes(lengthCrc);
        raw.writeBytes(value);
        CRC32C crc = new CRC32C();
        crc.update(le32(value.length));
        crc.update(lengthCrc);
        crc.update(value);
        byte[] entry = new Msg().varint(1, 7).message(2, new Msg()).varint(4, offset).varint(5, raw.size())
                .fixed32(6, TensorBundle.mask((int) crc.getValue())).toByteArray();
        return new byte[][] {raw.toByteArray(), entry};
    }
}
