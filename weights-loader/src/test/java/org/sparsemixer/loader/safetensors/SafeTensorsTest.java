package org.sparsemixer.loader.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.InvalidModelException;

class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A file with the given header text (unpadded) and data bytes. */
    static Path craft(Path file, String header, byte[] data) throws IOException {
        return craft(file, header.getBytes(StandardCharsets.UTF_8), data);
    }

    static Path craft(Path file, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(data);
        Files.write(file, b.array());
        return file;
    }

    static byte[] le(int bytesPerValue, long... values) {
        ByteBuffer b = ByteBuffer.allocate(bytesPerValue * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (bytesPerValue) {
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                case 8 -> b.putLong(v);
                default -> throw new AssertionError();
            }
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    @Test
    void roundTripsF32I32I64AndMetadata() throws IOException {
        Path file = dir.resolve("t.safetensors");
        float[] weights = {1.5f, -2.25f, 0f, Float.MIN_VALUE, -0f, 3.4028235e38f};
        int[] ids = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE};
        long[] big = {1L << 40, -3};
        new SafeTensorsWriter()
                .metadata("format", "pt").metadata("note", "héllo")
                .addF32("z/weights", new int[] {2, 3}, weights)
                .addI32("a/ids", new int[] {4}, ids)
                .addI64("m/big", new int[] {1, 2, 1}, big)
                .addF32("empty", new int[] {0, 5}, new float[0])
                .addF32("scalar", new int[] {}, new float[] {7f})
                .write(file);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertEquals(Map.of("format", "pt", "note", "héllo"), f.metadata());
            assertEquals(List.of("a/ids", "empty", "m/big", "scalar", "z/weights"), List.copyOf(f.tensors().keySet()));
            assertEquals(0, f.headerLength() % 8, "header padded to a multiple of 8");
            assertArrayEquals(weights, f.floats("z/weights"));
            assertArrayEquals(new int[] {2, 3}, f.info("z/weights").shape());
            assertEquals(DType.F32, f.info("z/weights").dtype());
            assertArrayEquals(ids, f.ints("a/ids"));
            assertEquals(DType.I64, f.info("m/big").dtype());
            assertArrayEquals(new int[] {1, 2, 1}, f.info("m/big").shape());
            assertEquals(0, f.floats("empty").length);
            assertArrayEquals(new float[] {7f}, f.floats("scalar"));
            assertArrayEquals(new int[0], f.info("scalar").shape());
            // Sorted by name and stored back to back.
            assertEquals(0, f.info("a/ids").begin());
            assertEquals(16, f.info("empty").begin());
            assertEquals(16, f.info("m/big").begin());
            assertEquals(32, f.info("scalar").begin());
            assertEquals(36, f.info("z/weights").begin());
            assertEquals(60, f.info("z/weights").end());
            assertArrayEquals(le(8, 1L << 40, -3), f.bytes("m/big"));
            // I64 1 << 40 does not fit an int.
            SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> f.ints("m/big"));
            assertTrue(e.getMessage().contains("'m/big'") && e.getMessage().contains("1099511627776")
                    && e.getMessage().contains("[0, 0, 0]"), e.getMessage());
        }
    }

    @Test
    void writerProducesTheReferenceByteLayout() throws IOException {
        Path file = dir.resolve("w.safetensors");
        new SafeTensorsWriter().metadata("k", "v")
                .addI32("b", new int[] {2}, new int[] {1, 2})
                .addF32("a", new int[] {1}, new float[] {1.0f})
                .write(file);
        String json = "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        int padded = (json.length() + 7) / 8 * 8;
        byte[] header = (json + " ".repeat(padded - json.length())).getBytes(StandardCharsets.US_ASCII);
        byte[] expected = concat(le(8, padded), header, le(4, 0x3F800000), le(4, 1, 2));
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    @Test
    void convertsF16Bf16F64AndI64() throws IOException {
        // F16: 1.5, -2, 65504 (max), 2^-24 (smallest subnormal), -0, +inf
        byte[] f16 = le(2, 0x3E00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00);
        // BF16: 1.5, -2, 1, 3.140625, NaN
        byte[] bf16 = le(2, 0x3FC0, 0xC000, 0x3F80, 0x4049, 0x7FC0);
        byte[] f64 = le(8, Double.doubleToLongBits(1.5), Double.doubleToLongBits(-0.1), Double.doubleToLongBits(1e300));
        byte[] i64 = le(8, 5, -7, Integer.MAX_VALUE, Integer.MIN_VALUE);
        byte[] i32 = le(4, 42, -42);
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[12,22]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[22,46]},"
                + "\"l\":{\"dtype\":\"I64\",\"shape\":[2,2],\"data_offsets\":[46,78]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[78,86]}}";
        Path file = craft(dir.resolve("c.safetensors"), header, concat(f16, bf16, f64, i64, i32));
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertArrayEquals(new float[] {1.5f, -2f, 65504f, (float) Math.pow(2, -24), -0f, Float.POSITIVE_INFINITY},
                    f.floats("h"));
            float[] b = f.floats("b");
            assertArrayEquals(new float[] {1.5f, -2f, 1f, 3.140625f}, java.util.Arrays.copyOf(b, 4));
            assertTrue(Float.isNaN(b[4]));
            assertArrayEquals(new float[] {1.5f, -0.1f, Float.POSITIVE_INFINITY}, f.floats("d"));
            assertArrayEquals(new int[] {5, -7, Integer.MAX_VALUE, Integer.MIN_VALUE}, f.ints("l"));
            assertArrayEquals(new int[] {42, -42}, f.ints("i"));
            // ints from floats and floats from ints are refused, naming the tensor
            SafeTensorsFormatException e1 = assertThrows(SafeTensorsFormatException.class, () -> f.ints("h"));
            assertTrue(e1.getMessage().contains("'h'") && e1.getMessage().contains("F16"), e1.getMessage());
            SafeTensorsFormatException e2 = assertThrows(SafeTensorsFormatException.class, () -> f.floats("i"));
            assertTrue(e2.getMessage().contains("'i'"), e2.getMessage());
            SafeTensorsFormatException e3 = assertThrows(SafeTensorsFormatException.class, () -> f.floats("nope"));
            assertTrue(e3.getMessage().contains("'nope'"), e3.getMessage());
        }
    }

    @Test
    void i64OutsideIntRangeIsAnErrorNamingTensorAndElement() throws IOException {
        Path file = craft(dir.resolve("l.safetensors"),
                "{\"ids\":{\"dtype\":\"I64\",\"shape\":[2,2],\"data_offsets\":[0,32]}}",
                le(8, 1, 2, 3, 1L << 31));
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> f.ints("ids"));
            assertTrue(e.getMessage().contains("'ids'") && e.getMessage().contains("[1, 1]")
                    && e.getMessage().contains("2147483648") && e.getMessage().contains(file.toString()), e.getMessage());
        }
    }

    @Test
    void largeTensorsConvertAcrossChunkBoundaries() throws IOException {
        int n = 20_000;
        ByteBuffer bf = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer l = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            bf.putShort((short) (Float.floatToIntBits(i) >>> 16));
            l.putLong(i - 7L);
        }
        Path file = dir.resolve("big.safetensors");
        new SafeTensorsWriter().addRaw("bf", DType.BF16, new int[] {n}, bf.array())
                .addRaw("l", DType.I64, new int[] {n / 2, 2}, l.array()).write(file);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            float[] v = f.floats("bf");
            int[] w = f.ints("l");
            for (int i = 0; i < n; i++) {
                assertEquals(Float.intBitsToFloat(Float.floatToIntBits(i) & 0xFFFF0000), v[i], "bf " + i);
                assertEquals(i - 7, w[i], "l " + i);
            }
        }
    }

    @Test
    void recognisesButDoesNotConvertOtherDtypes() throws IOException {
        String header = "{\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[2,3]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[3,4]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                + "\"u16\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[6,8]},"
                + "\"u32\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[12,20]},"
                + "\"f8\":{\"dtype\":\"F8_E4M3\",\"shape\":[3],\"data_offsets\":[20,23]},"
                + "\"f4\":{\"dtype\":\"F4\",\"shape\":[2,3],\"data_offsets\":[23,26]},"
                + "\"f6\":{\"dtype\":\"F6_E3M2\",\"shape\":[4],\"data_offsets\":[26,29]},"
                + "\"c64\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[29,37]}}";
        Path file = craft(dir.resolve("o.safetensors"), header, new byte[37]);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertEquals(DType.U8, f.info("u8").dtype());
            assertEquals(DType.U64, f.info("u64").dtype());
            assertEquals(DType.F4, f.info("f4").dtype());
            assertEquals(11, f.tensors().size());
            for (String name : f.tensors().keySet()) {
                assertThrows(SafeTensorsFormatException.class, () -> f.floats(name), name);
                assertThrows(SafeTensorsFormatException.class, () -> f.ints(name), name);
            }
            assertArrayEquals(new byte[2], f.bytes("u8"));
        }
    }

    @Test
    void emptyHeaderAndNoData() throws IOException {
        Path file = craft(dir.resolve("e.safetensors"), "{}", new byte[0]);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertTrue(f.tensors().isEmpty());
            assertTrue(f.metadata().isEmpty());
        }
    }

    // ---- malformed files: each is an InvalidModelException naming the file (and the tensor if any)

    private void assertRejected(byte[] wholeFile, String... mustContain) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, wholeFile);
        assertRejectedFile(file, mustContain);
    }

    private void assertRejected(String header, byte[] data, String... mustContain) throws IOException {
        assertRejectedFile(craft(dir.resolve("bad.safetensors"), header, data), mustContain);
    }

    private static void assertRejectedFile(Path file, String... mustContain) throws IOException {
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> SafeTensorsFile.open(file).close());
        assertTrue(e instanceof SafeTensorsFormatException, e.toString());
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
        }
    }

    @Test
    void directoryIsNotASafetensorsFile() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub.safetensors"));
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensorsFile.open(sub));
        assertTrue(e.getMessage().contains(sub.toString()), e.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> SafeTensorsFile.open(dir.resolve("none")));
    }

    @Test
    void rejectsBadHeaderLengths() throws IOException {
        assertRejected(new byte[0], "too short");
        assertRejected(new byte[5], "too short");
        assertRejected(concat(le(8, 100), "{}".getBytes(StandardCharsets.US_ASCII)), "100", "only 2");
        assertRejected(concat(le(8, 200_000_000L), "{}".getBytes(StandardCharsets.US_ASCII)), "200000000", "100000000");
        assertRejected(concat(le(8, -1L), "{}".getBytes(StandardCharsets.US_ASCII)), "18446744073709551615");
    }

    @Test
    void rejectsHeadersThatAreNotJsonObjects() throws IOException {
        assertRejectedFile(craft(dir.resolve("bad.safetensors"), new byte[] {'{', (byte) 0xC3, '}'}, new byte[0]), "UTF-8");
        assertRejected("", new byte[0], "JSON");
        assertRejected("{\"a\":", new byte[0], "JSON");
        assertRejected("[1,2]", new byte[0], "JSON object");
        assertRejected("\"x\"", new byte[0], "JSON object");
        assertRejected("{} {}", new byte[0], "JSON");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8], "Duplicate", "a");
    }

    @Test
    void rejectsBadMetadata() throws IOException {
        assertRejected("{\"__metadata__\":[1]}", new byte[0], "__metadata__");
        assertRejected("{\"__metadata__\":{\"n\":1}}", new byte[0], "__metadata__", "'n'");
    }

    @Test
    void rejectsBadTensorEntries() throws IOException {
        String ok = ",\"ok\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        byte[] four = new byte[4];
        assertRejected("{\"t\":[1]" + ok, four, "'t'", "not a JSON object");
        assertRejected("{\"t\":{\"shape\":[0],\"data_offsets\":[4,4]}" + ok, four, "'t'", "dtype");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[4,4]}" + ok, four, "'t'", "shape");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[0]}" + ok, four, "'t'", "data_offsets");
        assertRejected("{\"t\":{\"dtype\":32,\"shape\":[0],\"data_offsets\":[4,4]}" + ok, four, "'t'", "dtype");
        assertRejected("{\"t\":{\"dtype\":\"F8\",\"shape\":[0],\"data_offsets\":[4,4]}" + ok, four, "'t'", "unknown dtype", "F8");
        assertRejected("{\"t\":{\"dtype\":\"f32\",\"shape\":[0],\"data_offsets\":[4,4]}" + ok, four, "'t'", "unknown dtype");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":0,\"data_offsets\":[4,4]}" + ok, four, "'t'", "shape");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[4,4]}" + ok, four, "'t'", "dimension");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[4,4]}" + ok, four, "'t'", "dimension");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[4,4]}" + ok, four, "'t'", "dimension");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[4,4]}" + ok, four, "'t'", "dimension");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4]}" + ok, four, "'t'", "data_offsets");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4,4]}" + ok, four, "'t'", "data_offsets");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":\"4,4\"}" + ok, four, "'t'", "data_offsets");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[-4,4]}" + ok, four, "'t'", "non-negative");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4.0,4]}" + ok, four, "'t'", "data_offsets");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}" + ok, four, "'t'", "outside the data buffer");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,99999999999999999999999]}" + ok, four,
                "'t'", "outside");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}" + ok, four, "'t'", "begin > end");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,8]}" + ok, new byte[8], "'t'", "needing 8",
                "hold 4");
        assertRejected("{\"t\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[4,8]}" + ok, new byte[8], "'t'", "needing 8");
        assertRejected("{\"t\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[4,6]}" + ok, new byte[6], "'t'", "byte boundary");
    }

    @Test
    void rejectsSizesThatOverflow() throws IOException {
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}}",
                new byte[4], "'t'", "overflow");
        assertRejected("{\"t\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,4],\"data_offsets\":[0,4]}}",
                new byte[4], "'t'", "overflow");
    }

    @Test
    void rejectsOverlapsGapsAndTrailingBytes() throws IOException {
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8], "'b'", "overlapping", "'a'");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4], "overlapping");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12], "'b'", "gap");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8], "'a'", "gap");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[6], "2 bytes after");
        assertRejected("{}", new byte[1], "1 bytes after");
    }

    @Test
    void readsTheGoldenFixtureWeights() throws Exception {
        Path file = Path.of(getClass().getResource("/p01_linear_postnorm_base/model/model.safetensors").toURI());
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertEquals("sparse_mixer_f32", f.metadata().get("format"));
            assertEquals(DType.F32, f.info("word_embeddings/embeddings").dtype());
            assertArrayEquals(new int[] {100, 32}, f.info("word_embeddings/embeddings").shape());
            assertArrayEquals(new int[] {4, 32, 64}, f.info("transformer/layer_2/moe/experts/intermediate/kernel").shape());
            assertFalse(f.contains("transformer/layer_2/intermediate/kernel"));
        }
    }
}
