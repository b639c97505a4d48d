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
import org.sparsemixer.engine.kernels.HalfFloats;
import org.sparsemixer.loader.safetensors.SafeTensorsFormatException.Rule;

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
            // a range of elements reads just that part, whatever the stored dtype
            assertArrayEquals(new float[] {65504f, (float) Math.pow(2, -24), -0f}, f.floats("h", DType.F32, 2, 3));
            assertArrayEquals(new float[] {-2f, 1f}, f.floats("b", DType.F32, 1, 2));
            assertArrayEquals(new float[] {Float.POSITIVE_INFINITY}, f.floats("d", DType.F32, 2, 1));
            assertArrayEquals(new float[0], f.floats("d", DType.F32, 3, 0));
            assertThrows(IllegalArgumentException.class, () -> f.floats("d", DType.F32, 2, 2));
            assertThrows(IllegalArgumentException.class, () -> f.floats("d", DType.F32, -1, 1));
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
    void readsRoundedToBf16OrF16Precision() throws IOException {
        float[] values = {1f + 0x1p-8f, 1f + 3 * 0x1p-8f, 70000f, -1e-9f, Float.NaN, 0.1f};
        double justAboveMid = 1.0 + 0x1p-11 + 0x1p-40; // an F16 tie only after rounding to float32
        byte[] f64 = le(8, Double.doubleToLongBits(justAboveMid), Double.doubleToLongBits(0.1));
        byte[] f16 = le(2, HalfFloats.toF16Bits(0.1f), HalfFloats.toF16Bits(1000.5f));
        Path file = dir.resolve("p.safetensors");
        new SafeTensorsWriter().addF32("f", new int[] {values.length}, values).addRaw("d", DType.F64, new int[] {2}, f64)
                .addRaw("h", DType.F16, new int[] {2}, f16).write(file);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertArrayEquals(values, f.floats("f", DType.F32));
            float[] b = f.floats("f", DType.BF16);
            float[] h = f.floats("f", DType.F16);
            for (int i = 0; i < values.length; i++) {
                assertEquals(HalfFloats.roundToBf16(values[i]), b[i], "bf16 " + i);
                assertEquals(HalfFloats.roundToF16(values[i]), h[i], "f16 " + i);
            }
            assertEquals(1f, b[0], "tie to even");
            assertEquals(1f + 4 * 0x1p-8f, b[1], "tie to even");
            assertEquals(Float.POSITIVE_INFINITY, h[2], "beyond the F16 range");
            assertEquals(1f + 0x1p-10f, f.floats("d", DType.F16)[0], "one rounding from F64");
            assertEquals(HalfFloats.roundToBf16(0.1f), f.floats("d", DType.BF16)[1]);
            assertEquals(HalfFloats.roundToBf16(HalfFloats.roundToF16(0.1f)), f.floats("h", DType.BF16)[0]);
            assertArrayEquals(f.floats("h"), f.floats("h", DType.F16), "same precision: unchanged");
            assertThrows(IllegalArgumentException.class, () -> f.floats("f", DType.I32));
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

    // ---- malformed files: each is a SafeTensorsFormatException naming the file, the tensor if any, and the rule

    private SafeTensorsFormatException assertRejected(Rule rule, String tensor, byte[] wholeFile, String... mustContain)
            throws IOException {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, wholeFile);
        return assertRejectedFile(rule, tensor, file, mustContain);
    }

    private SafeTensorsFormatException assertRejected(Rule rule, String tensor, String header, byte[] data,
                                                      String... mustContain) throws IOException {
        return assertRejectedFile(rule, tensor, craft(dir.resolve("bad.safetensors"), header, data), mustContain);
    }

    static SafeTensorsFormatException assertRejectedFile(Rule rule, String tensor, Path file, String... mustContain)
            throws IOException {
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensorsFile.open(file).close());
        assertTrue(e instanceof InvalidModelException);
        assertEquals(rule, e.rule(), e.getMessage());
        assertEquals(file, e.file(), e.getMessage());
        assertEquals(tensor, e.tensor(), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        if (tensor != null) {
            assertTrue(e.getMessage().contains("'" + tensor + "'"), "names the tensor: " + e.getMessage());
        }
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
        }
        return e;
    }

    private static final byte[] NONE = new byte[0];
    private static final String OK = ",\"ok\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    private static final byte[] FOUR = new byte[4];

    @Test
    void directoryIsNotASafetensorsFile() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub.safetensors"));
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensorsFile.open(sub));
        assertEquals(Rule.NOT_A_REGULAR_FILE, e.rule());
        assertTrue(e.getMessage().contains(sub.toString()), e.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> SafeTensorsFile.open(dir.resolve("none")));
    }

    @Test
    void ruleFileTooShort() throws IOException {
        assertRejected(Rule.FILE_TOO_SHORT, null, NONE, "too short");
        assertRejected(Rule.FILE_TOO_SHORT, null, new byte[7], "too short");
    }

    @Test
    void ruleHeaderTooLarge() throws IOException {
        assertRejected(Rule.HEADER_TOO_LARGE, null, concat(le(8, 200_000_000L), "{}".getBytes(StandardCharsets.US_ASCII)),
                "200000000", "100000000");
        assertRejected(Rule.HEADER_TOO_LARGE, null, concat(le(8, -1L), "{}".getBytes(StandardCharsets.US_ASCII)),
                "18446744073709551615");
        assertRejected(Rule.HEADER_TOO_LARGE, null, concat(le(8, 100_000_001L), new byte[64]));
    }

    @Test
    void ruleHeaderPastEnd() throws IOException {
        assertRejected(Rule.HEADER_PAST_END, null, concat(le(8, 100), "{}".getBytes(StandardCharsets.US_ASCII)), "100", "only 2");
        assertRejected(Rule.HEADER_PAST_END, null, le(8, 1));
    }

    @Test
    void ruleHeaderNotUtf8() throws IOException {
        assertRejectedFile(Rule.HEADER_NOT_UTF8, null,
                craft(dir.resolve("bad.safetensors"), new byte[] {'{', (byte) 0xC3, '}'}, NONE), "UTF-8");
        assertRejectedFile(Rule.HEADER_NOT_UTF8, null,
                craft(dir.resolve("bad.safetensors"), new byte[] {'{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'}, NONE));
    }

    @Test
    void ruleHeaderNotJson() throws IOException {
        assertRejected(Rule.HEADER_NOT_JSON, null, "", NONE, "JSON");
        assertRejected(Rule.HEADER_NOT_JSON, null, "{\"a\":", NONE, "JSON");
        assertRejected(Rule.HEADER_NOT_JSON, null, "{} {}", NONE, "JSON");
        assertRejected(Rule.HEADER_NOT_JSON, null, "{'a': 1}", NONE, "JSON");
        assertRejected(Rule.HEADER_NOT_JSON, null, "{\"a\": NaN}", NONE, "JSON");
        // nesting far beyond any real header is refused by the parser's limits, without a stack overflow
        assertRejected(Rule.HEADER_NOT_JSON, null, "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}", NONE, "JSON");
    }

    @Test
    void ruleHeaderNotObject() throws IOException {
        assertRejected(Rule.HEADER_NOT_OBJECT, null, "[1,2]", NONE, "JSON object");
        assertRejected(Rule.HEADER_NOT_OBJECT, null, "\"x\"", NONE, "JSON object");
        assertRejected(Rule.HEADER_NOT_OBJECT, null, "null", NONE, "JSON object");
    }

    @Test
    void ruleDuplicateTensor() throws IOException {
        assertRejected(Rule.DUPLICATE_TENSOR, "a", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8], "twice");
        // a key repeated inside one entry is a malformed entry, not a duplicate tensor
        assertRejected(Rule.BAD_TENSOR_ENTRY, "a", "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],"
                + "\"data_offsets\":[0,4]}}", FOUR, "'dtype' twice");
    }

    @Test
    void ruleBadMetadata() throws IOException {
        assertRejected(Rule.BAD_METADATA, null, "{\"__metadata__\":[1]}", NONE, "__metadata__");
        assertRejected(Rule.BAD_METADATA, null, "{\"__metadata__\":{\"n\":1}}", NONE, "__metadata__", "'n'");
        assertRejected(Rule.BAD_METADATA, null, "{\"__metadata__\":{\"n\":{\"x\":\"y\"}}}", NONE, "'n'");
        assertRejected(Rule.BAD_METADATA, null, "{\"__metadata__\":{\"n\":\"1\",\"n\":\"2\"}}", NONE, "'n' twice");
        assertRejected(Rule.BAD_METADATA, null, "{\"__metadata__\":{},\"__metadata__\":{}}", NONE, "twice");
    }

    @Test
    void ruleBadTensorEntry() throws IOException {
        assertRejected(Rule.BAD_TENSOR_ENTRY, "t", "{\"t\":[1]" + OK, FOUR, "not a JSON object");
        assertRejected(Rule.BAD_TENSOR_ENTRY, "t", "{\"t\":{\"shape\":[0],\"data_offsets\":[4,4]}" + OK, FOUR, "dtype");
        assertRejected(Rule.BAD_TENSOR_ENTRY, "t", "{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[4,4]}" + OK, FOUR, "shape");
        assertRejected(Rule.BAD_TENSOR_ENTRY, "t", "{\"t\":{\"dtype\":32,\"shape\":[0],\"data_offsets\":[4,4]}" + OK, FOUR, "dtype");
        assertRejected(Rule.BAD_TENSOR_ENTRY, "t", "{\"t\":{\"dtype\":\"F32\",\"shape\":0,\"data_offsets\":[4,4]}" + OK, FOUR, "shape");
    }

    @Test
    void ruleUnknownDtype() throws IOException {
        assertRejected(Rule.UNKNOWN_DTYPE, "t", "{\"t\":{\"dtype\":\"F8\",\"shape\":[0],\"data_offsets\":[4,4]}" + OK, FOUR,
                "unknown dtype", "F8");
        assertRejected(Rule.UNKNOWN_DTYPE, "t", "{\"t\":{\"dtype\":\"f32\",\"shape\":[0],\"data_offsets\":[4,4]}" + OK, FOUR,
                "unknown dtype");
        assertRejected(Rule.UNKNOWN_DTYPE, "t", "{\"t\":{\"dtype\":\"\",\"shape\":[0],\"data_offsets\":[4,4]}" + OK, FOUR);
    }

    @Test
    void ruleBadDimension() throws IOException {
        for (String dim : new String[] {"-1", "1.5", "\"1\"", "4294967296", "2147483648", "null", "-0.5"}) {
            assertRejected(Rule.BAD_DIMENSION, "t", "{\"t\":{\"dtype\":\"F32\",\"shape\":[" + dim + "],\"data_offsets\":[4,4]}"
                    + OK, FOUR, "dimension");
        }
    }

    @Test
    void ruleSizeOverflow() throws IOException {
        assertRejected(Rule.SIZE_OVERFLOW, "t", "{\"t\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],"
                + "\"data_offsets\":[0,4]}}", FOUR, "overflow");
        // the element count fits in 64 bits, the byte size does not
        assertRejected(Rule.SIZE_OVERFLOW, "t", "{\"t\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,4],"
                + "\"data_offsets\":[0,4]}}", FOUR, "overflow");
    }

    @Test
    void ruleSubByteSize() throws IOException {
        assertRejected(Rule.SUB_BYTE_SIZE, "t", "{\"t\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[4,6]}" + OK,
                new byte[6], "byte boundary");
    }

    @Test
    void ruleOffsetsMissing() throws IOException {
        for (String offsets : new String[] {"[4]", "[4,4,4]", "\"4,4\"", "[-4,4]", "[4.0,4]", "[null,4]", "{}"}) {
            assertRejected(Rule.OFFSETS_MISSING, "t", "{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":" + offsets + "}"
                    + OK, FOUR, "data_offsets");
        }
        assertRejected(Rule.OFFSETS_MISSING, "t", "{\"t\":{\"dtype\":\"F32\",\"shape\":[0]}" + OK, FOUR, "data_offsets");
    }

    @Test
    void ruleOffsetsOutOfBounds() throws IOException {
        assertRejected(Rule.OFFSETS_OUT_OF_BOUNDS, "t", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}" + OK,
                FOUR, "outside the data buffer");
        assertRejected(Rule.OFFSETS_OUT_OF_BOUNDS, "t", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],"
                + "\"data_offsets\":[4,99999999999999999999999]}" + OK, FOUR, "outside");
        // a huge tensor that claims most of a 2^62-byte file: refused before anything is allocated or mapped
        assertRejected(Rule.OFFSETS_OUT_OF_BOUNDS, "t", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1073741824,1073741824],"
                + "\"data_offsets\":[0,4611686018427387904]}}", FOUR, "outside");
    }

    @Test
    void ruleOffsetsReversed() throws IOException {
        assertRejected(Rule.OFFSETS_REVERSED, "t", "{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}" + OK,
                FOUR, "begin > end");
    }

    @Test
    void ruleOffsetsOverlap() throws IOException {
        assertRejected(Rule.OFFSETS_OVERLAP, "b", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8], "overlapping", "'a'");
        assertRejected(Rule.OFFSETS_OVERLAP, "b", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", FOUR, "overlapping");
        // an empty tensor inside another one
        assertRejected(Rule.OFFSETS_OVERLAP, "e", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", new byte[8], "overlapping");
    }

    @Test
    void ruleOffsetsGap() throws IOException {
        assertRejected(Rule.OFFSETS_GAP, "b", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12], "gap of 4", "'a'");
    }

    @Test
    void ruleOffsetsNotFromZero() throws IOException {
        assertRejected(Rule.OFFSETS_NOT_FROM_ZERO, "a", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                new byte[8], "offset 0");
    }

    @Test
    void ruleTrailingBytes() throws IOException {
        assertRejected(Rule.TRAILING_BYTES, null, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                new byte[6], "2 bytes after");
        assertRejected(Rule.TRAILING_BYTES, null, "{}", new byte[1], "1 bytes after");
    }

    @Test
    void ruleSizeMismatch() throws IOException {
        assertRejected(Rule.SIZE_MISMATCH, "t", "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,8]}" + OK,
                new byte[8], "needing 8", "hold 4");
        assertRejected(Rule.SIZE_MISMATCH, "t", "{\"t\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[4,8]}" + OK,
                new byte[8], "needing 8");
    }

    @Test
    void readingRules() throws IOException {
        Path file = dir.resolve("r.safetensors");
        new SafeTensorsWriter().addI32("ids", new int[] {1}, new int[] {3}).addF32("w", new int[] {1}, new float[] {1f})
                .addI64("big", new int[] {1}, new long[] {1L << 40}).write(file);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertEquals(Rule.NO_SUCH_TENSOR, assertThrows(SafeTensorsFormatException.class, () -> f.floats("nope")).rule());
            assertEquals(Rule.WRONG_DTYPE, assertThrows(SafeTensorsFormatException.class, () -> f.floats("ids")).rule());
            assertEquals(Rule.WRONG_DTYPE, assertThrows(SafeTensorsFormatException.class, () -> f.ints("w")).rule());
            SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> f.ints("big"));
            assertEquals(Rule.VALUE_OUT_OF_RANGE, e.rule());
            assertEquals("big", e.tensor());
        }
    }

    @Test
    void aFileTruncatedAfterOpeningIsReportedNotCrashed() throws IOException {
        Path file = dir.resolve("shrinks.safetensors");
        new SafeTensorsWriter().addF32("a", new int[] {4096}, new float[4096]).write(file);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(file,
                    java.nio.file.StandardOpenOption.WRITE)) {
                c.truncate(100);
            }
            SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> f.floats("a"));
            assertEquals(Rule.FILE_CHANGED, e.rule());
        }
    }

    @Test
    void readsAfterCloseThrowIllegalState() throws IOException {
        Path file = dir.resolve("c.safetensors");
        new SafeTensorsWriter().addF32("a", new int[] {2}, new float[] {1, 2}).write(file);
        SafeTensorsFile f = SafeTensorsFile.open(file);
        assertArrayEquals(new float[] {1, 2}, f.floats("a"));
        f.close();
        assertThrows(IllegalStateException.class, () -> f.floats("a"));
        assertEquals(2, f.info("a").elementCount(), "the header stays readable");
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
