package org.sparsemixer.loader.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.loader.keras.KerasH5File.Weight;
import org.sparsemixer.loader.safetensors.DType;

/**
 * The reader on datatypes.h5, written by h5py (docs/tools/make_keras_h5_fixtures.py, write_datatypes): every
 * float dataset holds (i - 3) / 4 at element i, row-major.
 */
class KerasH5FileTest {
    @TempDir
    Path tmp;

    static Path datatypes() throws URISyntaxException {
        return Path.of(KerasH5FileTest.class.getResource("/keras-h5/datatypes.h5").toURI());
    }

    private static float[] expected(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i - 3) / 4f;
        }
        return v;
    }

    private static Map<String, Weight> byName(KerasH5File f) {
        Map<String, Weight> m = new LinkedHashMap<>();
        for (Weight w : f.weights()) {
            m.put(w.layer() + ":" + w.name(), w);
        }
        return m;
    }

    @Test
    void listsLayersAndWeightsInFileOrderWithTypesAndShapes() throws Exception {
        try (KerasH5File f = KerasH5File.open(datatypes())) {
            assertEquals(List.of("floats", "fixed", "compressed", "other", "none"), f.layerNames());
            assertEquals("2.15.0", f.kerasVersion());
            List<String> names = f.weights().stream().map(w -> w.layer() + ":" + w.name()).toList();
            assertEquals(List.of("floats:f32:0", "floats:f64:0", "floats:f16:0", "floats:f32_big_endian:0",
                    "floats:f32_chunked:0", "floats:f32_scalar:0", "floats:f32_empty:0", "floats:deep/er/f32:0",
                    "fixed:a/f32:0", "fixed:b:0", "compressed:gzip:0", "compressed:lzf:0",
                    "other:i32:0", "other:text:0", "other:pair:0"), names);
            Map<String, Weight> w = byName(f);
            assertEquals(DType.F32, w.get("floats:f32:0").dtype());
            assertArrayEquals(new int[] {3, 4}, w.get("floats:f32:0").shape());
            assertEquals(DType.F64, w.get("floats:f64:0").dtype());
            assertEquals(DType.F16, w.get("floats:f16:0").dtype());
            assertArrayEquals(new int[] {}, w.get("floats:f32_scalar:0").shape());
            assertArrayEquals(new int[] {0, 4}, w.get("floats:f32_empty:0").shape());
            assertEquals("/floats/deep/er/f32:0", w.get("floats:deep/er/f32:0").path());
            assertEquals("/fixed/a/f32:0", w.get("fixed:a/f32:0").path());
            assertNull(w.get("other:i32:0").dtype());
            assertEquals("int32", w.get("other:i32:0").type());
            assertEquals("string", w.get("other:text:0").type());
        }
    }

    @Test
    void wholeModelFileIsReadFromItsModelWeightsGroup() throws Exception {
        Path file = Path.of(KerasH5FileTest.class.getResource("/keras-h5/whole_model.h5").toURI());
        try (KerasH5File f = KerasH5File.open(file)) {
            assertEquals(List.of("input_1", "dense"), f.layerNames());
            List<String> paths = f.weights().stream().map(Weight::path).toList();
            assertEquals(List.of("/model_weights/dense/dense/kernel:0", "/model_weights/dense/dense/bias:0"), paths);
            assertArrayEquals(new float[] {-0.75f, -0.5f, -0.25f, 0f, 0.25f, 0.5f}, f.floats(f.weights().getFirst(), DType.F32));
        }
    }

    @Test
    void readsEveryFloatTypeByteOrderAndStorage() throws Exception {
        try (KerasH5File f = KerasH5File.open(datatypes())) {
            Map<String, Weight> w = byName(f);
            for (String name : new String[] {"floats:f32:0", "floats:f64:0", "floats:f16:0", "floats:f32_big_endian:0",
                    "floats:f32_chunked:0", "floats:deep/er/f32:0", "fixed:a/f32:0"}) {
                assertArrayEquals(expected(12), f.floats(w.get(name), DType.F32), name);
            }
            assertArrayEquals(expected(3), f.floats(w.get("fixed:b:0"), DType.F32));
            assertArrayEquals(new float[] {2.5f}, f.floats(w.get("floats:f32_scalar:0"), DType.F32));
            assertEquals(0, f.floats(w.get("floats:f32_empty:0"), DType.F32).length);
            // (i - 3) / 4 is exact in bf16 and f16: rounding keeps it
            assertArrayEquals(expected(12), f.floats(w.get("floats:f64:0"), DType.BF16));
            assertArrayEquals(expected(12), f.floats(w.get("floats:f32:0"), DType.F16));
        }
    }

    @Test
    void refusesCompressedAndNonFloatDatasetsNamingThem() throws Exception {
        try (KerasH5File f = KerasH5File.open(datatypes())) {
            Map<String, Weight> w = byName(f);
            assertMessage(f, w.get("compressed:gzip:0"), "/compressed/gzip:0", "deflate");
            assertMessage(f, w.get("compressed:lzf:0"), "/compressed/lzf:0", "32000");
            assertMessage(f, w.get("other:i32:0"), "i32:0", "int32");
            assertMessage(f, w.get("other:text:0"), "text:0", "string");
            assertMessage(f, w.get("other:pair:0"), "pair:0", "compound");
        }
    }

    private static void assertMessage(KerasH5File f, Weight w, String... parts) {
        KerasH5FormatException e = assertThrows(KerasH5FormatException.class, () -> f.floats(w, DType.F32));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "'" + p + "' not in: " + e.getMessage());
        }
    }

    @Test
    void sameValuesComparesBitsShapesAndTypes() throws Exception {
        try (KerasH5File f = KerasH5File.open(datatypes())) {
            Map<String, Weight> w = byName(f);
            assertTrue(f.sameValues(w.get("floats:f32:0"), w.get("floats:f32_chunked:0")));
            assertTrue(!f.sameValues(w.get("floats:f32:0"), w.get("floats:f32_big_endian:0")));   // [3,4] vs [4,3]
            assertTrue(!f.sameValues(w.get("floats:f16:0"), w.get("floats:deep/er/f32:0")));      // f16 vs f32
        }
    }

    @Test
    void notHdf5TruncatedOrMissingFilesAreRefusedNamingTheFile() throws Exception {
        assertThrows(NoSuchFileException.class, () -> KerasH5File.open(tmp.resolve("none.h5")));
        Path text = tmp.resolve("text.h5");
        Files.writeString(text, "not an HDF5 file at all");
        assertRefused(text, "not an HDF5 file");
        Path empty = tmp.resolve("empty.h5");
        Files.write(empty, new byte[0]);
        assertRefused(empty, "not an HDF5 file");
        assertRefused(tmp, "not a regular file");
        byte[] good = Files.readAllBytes(datatypes());
        for (int cut : new int[] {8, 100, 600, 2000, good.length / 2, good.length - 100}) {
            Path truncated = tmp.resolve("cut" + cut + ".h5");
            Files.write(truncated, Arrays.copyOf(good, cut));
            KerasH5FormatException e = assertThrows(KerasH5FormatException.class, () -> readAll(truncated),
                    "cut at " + cut);
            assertTrue(e.getMessage().startsWith(truncated.toString()), e.getMessage());
        }
    }

    /** Opens the file and reads every float weight that is not compressed. */
    private static void readAll(Path file) throws IOException {
        try (KerasH5File f = KerasH5File.open(file)) {
            for (Weight w : f.weights()) {
                if (w.dtype() != null && !w.layer().equals("compressed")) {
                    f.floats(w, DType.F32);
                }
            }
        }
    }

    private static void assertRefused(Path file, String part) {
        KerasH5FormatException e = assertThrows(KerasH5FormatException.class, () -> KerasH5File.open(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(part), e.getMessage());
    }

    /** The file with every occurrence of {@code from} replaced by {@code to} (same length): renames an attribute or link. */
    private Path patched(String from, String to) throws Exception {
        return patched(from, to, Integer.MAX_VALUE);
    }

    private Path patched(String from, String to, int maxHits) throws Exception {
        byte[] b = Files.readAllBytes(datatypes());
        byte[] f = from.getBytes(StandardCharsets.US_ASCII);
        byte[] t = to.getBytes(StandardCharsets.US_ASCII);
        int hits = 0;
        for (int i = 0; i + f.length <= b.length && hits < maxHits; i++) {
            if (Arrays.equals(b, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(t, 0, b, i, t.length);
                hits++;
            }
        }
        assertTrue(hits > 0, from);
        Path out = tmp.resolve("patched-" + to.replaceAll("[^a-z0-9]", "_") + ".h5");
        Files.write(out, b);
        return out;
    }

    @Test
    void missingAttributesGroupsAndDatasetsAreNamed() throws Exception {
        assertRefused(patched("layer_names", "layer_namez"), "'layer_names'");
        assertRefused(patched("weight_names", "weight_namez"), "'weight_names'");
        assertRefused(patched("tensorflow", "tensorflox"), "'backend'");
        // one of the two 'none's renamed (the link name or the entry of layer_names): a layer without its group
        Path noGroup = patched("\0none\0", "\0nonf\0", 1);
        KerasH5FormatException e = assertThrows(KerasH5FormatException.class, () -> KerasH5File.open(noGroup));
        assertTrue(e.getMessage().matches(".*layer 'non[ef]' is listed in 'layer_names' but has no group.*"), e.getMessage());
        // one of the two 'b:0's renamed: a weight without its dataset
        Path noDataset = patched("b:0", "c:0", 1);
        e = assertThrows(KerasH5FormatException.class, () -> KerasH5File.open(noDataset));
        assertTrue(e.getMessage().matches(".*weight '[bc]:0' of layer 'fixed' is listed in 'weight_names' but there is no"
                + " dataset '/fixed/[bc]:0'.*"), e.getMessage());
    }
}
