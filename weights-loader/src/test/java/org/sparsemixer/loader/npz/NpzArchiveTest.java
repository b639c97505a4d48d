package org.sparsemixer.loader.npz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.kernels.HalfFloats;
import org.sparsemixer.loader.safetensors.DType;

class NpzArchiveTest {
    @TempDir
    Path tmp;

    private static NpyHeader header(byte[] bytes) throws IOException {
        return NpyHeader.read(new ByteArrayInputStream(bytes), "e.npy", "a.npz");
    }

    private static void assertBadHeader(byte[] bytes, String... mustContain) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> header(bytes));
        assertEquals("e.npy", e.entry());
        assertTrue(e.getMessage().contains("a.npz") && e.getMessage().contains("'e.npy'"), e.getMessage());
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in " + e.getMessage());
        }
    }

    private static byte[] dict(String text) {
        return NpyWriter.rawHeader(text, 1);
    }

    // ---- .npy headers

    @Test
    void readsVersions123AndDescrVariants() throws IOException {
        for (int major = 1; major <= 3; major++) {
            NpyHeader h = header(NpyWriter.header("<f4", new int[] {2, 3}, major));
            assertEquals(DType.F32, h.dtype());
            assertArrayEquals(new int[] {2, 3}, h.shape());
            assertEquals(0, h.headerBytes() % 64, "NumPy aligns the data to 64 bytes");
            assertEquals(24, h.dataBytes());
        }
        assertEquals(DType.F64, header(NpyWriter.header("<f8", new int[] {1}, 1)).dtype());
        assertEquals(DType.F16, header(NpyWriter.header("<f2", new int[] {1}, 1)).dtype());
        assertEquals(DType.F32, header(NpyWriter.header("=f4", new int[] {1}, 1)).dtype());
        assertEquals(DType.F32, header(NpyWriter.header("|f4", new int[] {1}, 1)).dtype());
        assertArrayEquals(new int[] {}, header(NpyWriter.header("<f4", new int[] {}, 1)).shape());
        assertArrayEquals(new int[] {0, 5}, header(NpyWriter.header("<f4", new int[] {0, 5}, 1)).shape());
        // key order, double quotes, no trailing comma, Python 2 longs, a trailing comma in a 2-tuple
        NpyHeader h = header(dict("{\"shape\": (3L, 4,), \"fortran_order\": False, \"descr\": \"<f8\"}"));
        assertArrayEquals(new int[] {3, 4}, h.shape());
        assertEquals(DType.F64, h.dtype());
        // UTF-8 text in a version 3 header
        assertEquals(DType.F32, header(NpyWriter.rawHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 3)).dtype());
    }

    @Test
    void rejectsWhatCannotBeLoaded() {
        assertBadHeader(NpyWriter.header(">f4", new int[] {1}, 1), "big-endian", "'<f4'");
        assertBadHeader(NpyWriter.header(">f8", new int[] {1}, 1), "big-endian");
        assertBadHeader(NpyWriter.header("|O", new int[] {1}, 1), "pickled");
        assertBadHeader(dict("{'descr': 'O', 'fortran_order': False, 'shape': (1,)}"), "pickled");
        assertBadHeader(NpyWriter.header("<i4", new int[] {1}, 1), "'<i4'", "float32");
        assertBadHeader(NpyWriter.header("<c8", new int[] {1}, 1), "'<c8'");
        assertBadHeader(NpyWriter.header("|b1", new int[] {1}, 1), "'|b1'");
        assertBadHeader(NpyWriter.header("<U4", new int[] {1}, 1));
        assertBadHeader(dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}"), "structured");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2)}"), "Fortran");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}"), "fortran_order");
    }

    @Test
    void rejectsMalformedHeaders() {
        assertBadHeader(new byte[0], "ends inside");
        assertBadHeader("\u0093NUMPX\u0001\u0000".getBytes(StandardCharsets.ISO_8859_1), "magic");
        assertBadHeader("PK\u0003\u0004abcdefgh".getBytes(StandardCharsets.ISO_8859_1), "magic");
        byte[] v4 = NpyWriter.header("<f4", new int[] {1}, 2);
        v4[6] = 4;
        assertBadHeader(v4, "version 4.0");
        byte[] v11 = NpyWriter.header("<f4", new int[] {1}, 1);
        v11[7] = 1;
        assertBadHeader(v11, "version 1.1");
        byte[] truncated = NpyWriter.header("<f4", new int[] {1}, 1);
        assertBadHeader(java.util.Arrays.copyOf(truncated, truncated.length - 10), "ends inside its header");
        ByteBuffer huge = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        huge.put(NpyHeader.MAGIC).put((byte) 2).put((byte) 0).putInt(Integer.MAX_VALUE);
        assertBadHeader(huge.array(), "declares a header of 2147483647");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False}"), "'shape'");
        assertBadHeader(dict("{'descr': '<f4', 'shape': (1,)}"), "'fortran_order'");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}"), "extra");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}"), "dimension");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296,)}"), "dimension");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}"));
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}"), "tuple");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False, 'shape': [3]}"), "tuple");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,)}"));
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647)}"),
                "overflows");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk"), "dict literal");
        assertBadHeader(dict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}"), "repeated");
        assertBadHeader(dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)"), "dict literal");
        assertBadHeader(dict("[1, 2]"), "not a dict");
        assertBadHeader(dict("{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,)}"), "dict literal");
        assertBadHeader(dict("{'a': " + "(".repeat(1000) + ")".repeat(1000) + "}"), "nesting");
    }

    // ---- archives

    @Test
    void readsStoredAndDeflatedArchivesWithEveryDtype() throws IOException {
        float[] f = {1.5f, -2f, 0.1f, 3e-5f, 65519f, 1e-8f};
        double[] d = {1.0 + 0x1p-11 + 0x1p-40, 0.1, -1e300, 1e-300, 2.5, -0.0};
        for (boolean compressed : new boolean[] {false, true}) {
            Map<String, byte[]> e = NpyWriter.entries();
            e.put("a/kernel:0.npy", NpyWriter.f4(new int[] {2, 3}, f));
            e.put("b.npy", NpyWriter.f8(new int[] {6}, d));
            e.put("c.npy", NpyWriter.f2(new int[] {3, 2}, f));
            Path file = NpyWriter.npz(tmp.resolve("x" + compressed + ".npz"), e, compressed);
            try (NpzArchive a = NpzArchive.open(file)) {
                assertEquals(java.util.List.of("a/kernel:0", "b", "c"), java.util.List.copyOf(a.arrays().keySet()));
                assertArrayEquals(f, a.floats("a/kernel:0", DType.F32));
                float[] bf = a.floats("a/kernel:0", DType.BF16);
                for (int i = 0; i < f.length; i++) {
                    assertEquals(HalfFloats.roundToBf16(f[i]), bf[i]);
                    assertEquals(HalfFloats.roundToF16(f[i]), a.floats("c", DType.F32)[i]);
                }
                float[] dd = a.floats("b", DType.F32);
                for (int i = 0; i < d.length; i++) {
                    assertEquals((float) d[i], dd[i]);
                }
                assertEquals(1f + 0x1p-10f, a.floats("b", DType.F16)[0], "one rounding from float64");
            }
        }
    }

    private NpyFormatException assertBadArchive(Path file, String entry, String... mustContain) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> {
            try (NpzArchive a = NpzArchive.open(file)) {
                for (String name : a.arrays().keySet()) {
                    a.floats(name, DType.F32);
                }
            }
        });
        assertEquals(entry, e.entry(), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in " + e.getMessage());
        }
        return e;
    }

    @Test
    void zipBombIsRefusedBeforeInflating() throws IOException {
        // 256 MB of zeros deflate to ~250 KB; the header claims 4 floats
        byte[] hdr = NpyWriter.header("<f4", new int[] {4}, 1);
        Path file = tmp.resolve("bomb.npz");
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("w.npy"));
            zip.write(hdr);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        assertTrue(Files.size(file) < 2_000_000);
        long start = System.nanoTime();
        assertBadArchive(file, "w.npy", (hdr.length + (256L << 20)) + " bytes uncompressed", "needs " + (hdr.length + 16));
        assertTrue(System.nanoTime() - start < 1_000_000_000L, "refused without inflating");
    }

    @Test
    void anEntryWhoseSizeLiesIsCutAtTheShape() throws IOException {
        // The central directory claims the size the shape needs, but the deflated stream holds more.
        byte[] real = NpyWriter.concat(NpyWriter.f4(new int[] {4}, new float[] {1, 2, 3, 4}), new byte[1000]);
        Path file = NpyWriter.npz(tmp.resolve("lie.npz"), Map.of("w.npy", real), true);
        byte[] zip = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int needed = NpyWriter.header("<f4", new int[] {4}, 1).length + 16;
        for (int i = 0; i + 4 <= zip.length; i++) {
            if (b.getInt(i) == 0x02014b50) { // central directory header: uncompressed size at +24
                assertEquals(real.length, b.getInt(i + 24));
                b.putInt(i + 24, needed);
            }
        }
        Files.write(file, zip);
        assertBadArchive(file, "w.npy", "bytes after the 4 elements");
        // and one that is too short
        Path shortFile = NpyWriter.npz(tmp.resolve("short.npz"),
                Map.of("w.npy", java.util.Arrays.copyOf(NpyWriter.f4(new int[] {4}, new float[4]), needed - 8)), true);
        assertBadArchive(shortFile, "w.npy", "uncompressed", "needs " + needed);
        byte[] shortZip = Files.readAllBytes(shortFile);
        ByteBuffer sb = ByteBuffer.wrap(shortZip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= shortZip.length; i++) {
            if (sb.getInt(i) == 0x02014b50) {
                sb.putInt(i + 24, needed); // now the directory lies the other way
            }
        }
        Files.write(shortFile, shortZip);
        assertBadArchive(shortFile, "w.npy", "ends before the 4 elements");
    }

    @Test
    void malformedArchives() throws IOException {
        Path notZip = Files.writeString(tmp.resolve("n.npz"), "this is not a zip");
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> NpzArchive.open(notZip));
        assertTrue(e.getMessage().contains("not a NumPy .npz archive"), e.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> NpzArchive.open(tmp.resolve("none.npz")));

        assertBadArchive(NpyWriter.npz(tmp.resolve("txt.npz"), Map.of("readme.txt", new byte[3]), false), "readme.txt", ".npy");
        assertBadArchive(NpyWriter.npz(tmp.resolve("pickle.npz"), Map.of("o.npy",
                NpyWriter.concat(NpyWriter.header("|O", new int[] {1}, 1), new byte[8])), false), "o.npy", "pickled");
        assertBadArchive(NpyWriter.npz(tmp.resolve("fortran.npz"), Map.of("f.npy", NpyWriter.concat(
                dict("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }"), new byte[16])), false), "f.npy", "Fortran");
        assertBadArchive(NpyWriter.npz(tmp.resolve("be.npz"), Map.of("b.npy", NpyWriter.concat(
                NpyWriter.header(">f4", new int[] {1}, 1), new byte[4])), true), "b.npy", "big-endian");
    }
}
