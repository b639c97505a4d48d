package org.sparsemixer.loader.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.loader.safetensors.DType;

/**
 * Hostile checkpoints: each is refused with a one-line {@link TfFormatException} (or a
 * {@link NoSuchFileException} for a missing file) naming the file and the problem, quickly and without
 * allocating what the file claims.
 */
class TensorBundleHostileTest {
    @TempDir
    Path tmp;

    /** Opens the bundle and reads every float tensor; the failure it must end in. */
    private Exception fails(Path prefix) {
        Exception e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(Exception.class, () -> {
            try (TfCheckpoint c = TfCheckpoint.open(prefix, null)) {
                for (TensorBundle.Entry entry : c.bundle().entries().values()) {
                    if (entry.dtype().isFloat()) {
                        c.bundle().floats(entry, DType.F32);
                    }
                }
            }
        }));
        assertTrue(e instanceof TfFormatException || e instanceof NoSuchFileException, () -> "unexpected " + e);
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        return e;
    }

    private Path copy(String fixture) throws IOException {
        return TfFixtures.copyCheckpoint(fixture, Files.createTempDirectory(tmp, fixture));
    }

    private static void flip(Path file, long at) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[(int) at] ^= 0x40;
        Files.write(file, b);
    }

    /** A crafted bundle: the index of {@code entries} (header included) and one data shard. */
    private Path crafted(SortedMap<String, byte[]> entries, byte[] shard, boolean snappy) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "crafted");
        Path prefix = dir.resolve("ckpt");
        Files.write(TensorBundle.indexOf(prefix), BundleWriter.table(entries, snappy));
        Files.write(TensorBundle.shardOf(prefix, 0, 1), shard);
        return prefix;
    }

    private static SortedMap<String, byte[]> withHeader(int numShards) {
        SortedMap<String, byte[]> m = new TreeMap<>();
        m.put("", BundleWriter.header(numShards));
        return m;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Test
    void theCraftedWriterMakesReadableBundles() throws Exception {
        // the base every crafted case breaks: it must read, Snappy-compressed or not
        byte[] data = floats(1, 2, 3, 4, 5, 6);
        for (boolean snappy : new boolean[] {false, true}) {
            SortedMap<String, byte[]> m = withHeader(1);
            m.put("w", BundleWriter.floatEntry(0, data, 2, 3).toByteArray());
            try (TensorBundle b = TensorBundle.open(crafted(m, data, snappy))) {
                assertEquals(6, b.floats(b.entries().get("w"), DType.F32)[5]);
            }
        }
    }

    @Test
    void truncatedIndex() throws Exception {
        Path p = copy("p01_train_ckpt");
        Path index = TensorBundle.indexOf(p);
        byte[] b = Files.readAllBytes(index);
        Files.write(index, java.util.Arrays.copyOf(b, 30));
        assertTrue(fails(p).getMessage().contains("truncated index file"));
        Files.write(index, java.util.Arrays.copyOf(b, b.length / 2));
        assertTrue(fails(p).getMessage().contains("bad magic number"));
    }

    @Test
    void badMagic() throws Exception {
        Path p = copy("p04_savedmodel");
        Path index = TensorBundle.indexOf(p);
        flip(index, Files.size(index) - 3);
        assertTrue(fails(p).getMessage().contains("bad magic number"));
    }

    @Test
    void blockChecksumMismatch() throws Exception {
        Path p = copy("p04_masked_lm_export");
        flip(TensorBundle.indexOf(p), 100);
        assertTrue(fails(p).getMessage().contains("block checksum mismatch"), () -> fails(p).getMessage());
    }

    @Test
    void tensorChecksumMismatch() throws Exception {
        Path p = copy("p04_bf16_ckpt");
        flip(TensorBundle.shardOf(p, 0, 1), 1000);
        String m = fails(p).getMessage();
        assertTrue(m.contains("fails its checksum") && m.contains("tensor '"), m);
    }

    @Test
    void bytesPastTheEndOfTheShard() throws Exception {
        Path p = copy("p01_train_ckpt");
        Path shard = TensorBundle.shardOf(p, 0, 1);
        byte[] b = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(b, b.length - 10));
        assertTrue(fails(p).getMessage().contains("past the end of shard 0"));
    }

    @Test
    void missingShard() throws Exception {
        Path p = copy("p04_sharded_ckpt");
        Files.delete(TensorBundle.shardOf(p, 2, 4));
        Exception e = fails(p);
        assertTrue(e instanceof NoSuchFileException && e.getMessage().contains("data-00002-of-00004")
                && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void hugeVarintsAndOffsets() throws Exception {
        byte[] data = floats(1, 2);
        SortedMap<String, byte[]> m = withHeader(1);
        m.put("w", new BundleWriter.Msg().varint(1, 1).message(2, BundleWriter.shape(2))
                .raw((byte) (4 << 3), (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                        (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x01).toByteArray());
        assertTrue(fails(crafted(m, data, false)).getMessage().contains("varint"));
        m.put("w", BundleWriter.floatEntry(Long.MAX_VALUE - 4, data, 2).toByteArray());
        assertTrue(fails(crafted(m, data, false)).getMessage().contains("past the end of shard"));
        m.put("w", new BundleWriter.Msg().varint(1, 1).message(2, BundleWriter.shape(1L << 40, 1L << 40)).varint(5, 8)
                .toByteArray());
        assertTrue(fails(crafted(m, data, false)).getMessage().contains("dimension 0"));
        m.put("w", new BundleWriter.Msg().varint(1, 1).message(2, BundleWriter.shape(1 << 30, 1 << 30, 1 << 30)).varint(5, 8)
                .toByteArray());
        assertTrue(fails(crafted(m, data, false)).getMessage().contains("overflows"));
        m.put("w", BundleWriter.floatEntry(0, data, 3).toByteArray());
        assertTrue(fails(crafted(m, data, false)).getMessage().contains("8 bytes for 3 float32 values"));
        m.put("w", new BundleWriter.Msg().varint(1, 99).message(2, BundleWriter.shape(2)).toByteArray());
        assertTrue(fails(crafted(m, data, false)).getMessage().contains("unknown dtype 99"));
        SortedMap<String, byte[]> shards = withHeader(Integer.MAX_VALUE);
        assertTrue(fails(crafted(shards, data, false)).getMessage().contains("num_shards"));
    }

    @Test
    void snappyBombsAndCorruptBlocks() throws Exception {
        byte[] data = floats(1, 2);
        SortedMap<String, byte[]> m = withHeader(1);
        m.put("w", BundleWriter.floatEntry(0, data, 2).toByteArray());
        Path p = crafted(m, data, true);
        Path index = TensorBundle.indexOf(p);
        // a Snappy block claiming 2^31 - 1 bytes from 7 (a bomb): refused before anything is allocated
        byte[] bomb = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x07, 0, 0};
        Files.write(index, rawBlockTable(bomb, (byte) 1));
        assertTrue(fails(p).getMessage().contains("Snappy block claims"), () -> fails(p).getMessage());
        // a plausible length with garbage after it
        Files.write(index, rawBlockTable(new byte[] {0x20, (byte) 0xfe, (byte) 0xff, (byte) 0xff, 0x7f}, (byte) 1));
        assertTrue(fails(p).getMessage().contains("Snappy"), () -> fails(p).getMessage());
        Files.write(index, rawBlockTable(new byte[] {1, 2, 3}, (byte) 7));
        assertTrue(fails(p).getMessage().contains("unknown block compression type 7"));
    }

    /** A table whose only data block is {@code stored} with compression {@code type} (valid checksum). */
    private static byte[] rawBlockTable(byte[] stored, byte type) {
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        file.writeBytes(stored);
        file.write(type);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(stored);
        crc.update(type);
        file.writeBytes(BundleWriter.le32(TensorBundle.mask((int) crc.getValue())));
        java.io.ByteArrayOutputStream handle = new java.io.ByteArrayOutputStream();
        BundleWriter.varint(handle, 0);
        BundleWriter.varint(handle, stored.length);
        byte[] index = BundleWriter.block(new TreeMap<>(java.util.Map.of("w", handle.toByteArray())));
        long indexOffset = file.size();
        file.writeBytes(index);
        file.write(0);
        crc.reset();
        crc.update(index);
        crc.update(0);
        file.writeBytes(BundleWriter.le32(TensorBundle.mask((int) crc.getValue())));
        java.io.ByteArrayOutputStream footer = new java.io.ByteArrayOutputStream();
        BundleWriter.varint(footer, indexOffset);
        BundleWriter.varint(footer, 0);
        BundleWriter.varint(footer, indexOffset);
        BundleWriter.varint(footer, index.length);
        byte[] f = java.util.Arrays.copyOf(footer.toByteArray(), IndexTable.FOOTER_BYTES);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(IndexTable.FOOTER_BYTES - 8, IndexTable.MAGIC);
        file.writeBytes(f);
        return file.toByteArray();
    }

    @Test
    void slicesThatDoNotTileTheTensor() throws Exception {
        byte[] shard = floats(1, 2, 3, 4);
        long[][][] cases = {
            {{0, 1}, {0, 2}},            // only the first of two rows
            {{0, 1}, {0, 2}, {0, 1}, {0, 2}},  // the same row twice
            {{0, 2}, {1, 2}},            // runs past the last column
        };
        String[] expected = {"do not tile", "overlap", "outside"};
        for (int c = 0; c < cases.length; c++) {
            SortedMap<String, byte[]> m = withHeader(1);
            BundleWriter.Msg whole = new BundleWriter.Msg().varint(1, 1).message(2, BundleWriter.shape(2, 2));
            for (int s = 0; s < cases[c].length; s += 2) {
                long[][] extent = {cases[c][s], cases[c][s + 1]};
                whole.message(7, new BundleWriter.Msg()
                        .message(1, new BundleWriter.Msg().varint(1, extent[0][0]).varint(2, extent[0][1]))
                        .message(1, new BundleWriter.Msg().varint(1, extent[1][0]).varint(2, extent[1][1])));
                byte[] data = java.util.Arrays.copyOf(shard, (int) (4 * extent[0][1] * extent[1][1]));
                m.put(SliceKeys.encode("w", extent), BundleWriter.floatEntry(0, data, extent[0][1], extent[1][1]).toByteArray());
            }
            m.put("w", whole.toByteArray());
            String msg = fails(crafted(m, shard, false)).getMessage();
            assertTrue(msg.contains(expected[c]) && msg.contains("'w'"), msg);
        }
    }

    @Test
    void cyclicAndAbsurdObjectGraphs() throws Exception {
        byte[] value = floats(7);
        // node 0 -> node 1 -> node 0 (a cycle) and a variable attribute on node 1: read as usual, no walk
        byte[] graph = new BundleWriter.Msg()
                .message(1, new BundleWriter.Msg().message(1, new BundleWriter.Msg().varint(1, 1).string(2, "a")))
                .message(1, new BundleWriter.Msg().message(1, new BundleWriter.Msg().varint(1, 0).string(2, "back"))
                        .message(2, new BundleWriter.Msg().string(1, "VARIABLE_VALUE").string(2, "sparse_mixer/pooler_transform/bias")
                                .string(3, "a/.ATTRIBUTES/VARIABLE_VALUE")))
                .toByteArray();
        byte[][] g = BundleWriter.stringTensor(graph, value.length);
        byte[] shard = new byte[value.length + g[0].length];
        System.arraycopy(value, 0, shard, 0, value.length);
        System.arraycopy(g[0], 0, shard, value.length, g[0].length);
        SortedMap<String, byte[]> m = withHeader(1);
        m.put("a/.ATTRIBUTES/VARIABLE_VALUE", BundleWriter.floatEntry(0, value, 1).toByteArray());
        m.put(TensorBundle.OBJECT_GRAPH_KEY, g[1]);
        try (TfCheckpoint c = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> TfCheckpoint.open(crafted(m, shard, false), null))) {
            assertEquals("pooler_transform/bias", c.weights().keySet().iterator().next());
        }
        // a child naming a node that does not exist
        byte[] absurd = new BundleWriter.Msg()
                .message(1, new BundleWriter.Msg().message(1, new BundleWriter.Msg().varint(1, 1_000_000_000).string(2, "x")))
                .toByteArray();
        byte[][] a = BundleWriter.stringTensor(absurd, 0);
        SortedMap<String, byte[]> m2 = withHeader(1);
        m2.put(TensorBundle.OBJECT_GRAPH_KEY, a[1]);
        assertTrue(fails(crafted(m2, a[0], false)).getMessage().contains("node id 1000000000"));
        // a string tensor whose length lies
        byte[] lying = a[0].clone();
        lying[0] = 0x7f;
        assertTrue(fails(crafted(m2, lying, false)).getMessage().contains(TensorBundle.OBJECT_GRAPH_KEY));
    }
}
