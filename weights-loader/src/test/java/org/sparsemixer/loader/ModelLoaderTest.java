package org.sparsemixer.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.InvalidConfigException;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.safetensors.DType;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;
import org.sparsemixer.loader.safetensors.SafeTensorsWriter;
import org.sparsemixer.loader.safetensors.TensorInfo;

class ModelLoaderTest {
    static final SparseMixerConfig P01 = new SparseMixerConfig(100, 32, 6, List.of(2, 3), List.of(4, 5), 4, 1.0, 1.0,
            1.0, MixingMechanism.LINEAR, false, 4, 16, 3, 64, "gelu_approximate", null, 32, false, false);

    @TempDir
    Path tmp;

    static Path fixtureModel() throws Exception {
        return Path.of(ModelLoaderTest.class.getResource("/p01_linear_postnorm_base/model").toURI());
    }

    /** Independent of SafeTensorsFile: the F32 tensor straight from the file bytes. */
    static float[] rawF32(Path file, String name) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong(0);
        JsonNode t = new ObjectMapper().readTree(new String(all, 8, n, StandardCharsets.UTF_8)).get(name);
        assertEquals("F32", t.get("dtype").asText());
        int begin = 8 + n + t.get("data_offsets").get(0).asInt();
        int end = 8 + n + t.get("data_offsets").get(1).asInt();
        float[] out = new float[(end - begin) / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat(begin + 4 * i);
        }
        return out;
    }

    @Test
    void sourceReturnsTheFixtureFloats() throws Exception {
        Path file = fixtureModel().resolve(ModelLoader.WEIGHTS_FILE);
        SparseMixerConfig config = ModelLoader.readConfig(fixtureModel());
        assertEquals(P01, config);
        try (SafeTensorsFile weights = SafeTensorsFile.open(file)) {
            TensorSource source = ModelLoader.validatedSource(config, weights);
            for (Map.Entry<String, int[]> e : ModelLayout.expectedTensors(config).entrySet()) {
                float[] got = source.floats(e.getKey(), e.getValue());
                assertEquals(ModelLayout.elementCount(e.getValue()), got.length, e.getKey());
                assertArrayEquals(rawF32(file, e.getKey()), got, e.getKey());
            }
            assertThrows(InvalidModelException.class, () -> source.floats("pooler_transform/bias", new int[] {16, 2}));
        }
    }

    @Test
    void sourceSlicesReadTheRightPartOfTheFile() throws Exception {
        Path file = fixtureModel().resolve(ModelLoader.WEIGHTS_FILE);
        SparseMixerConfig config = ModelLoader.readConfig(fixtureModel());
        try (SafeTensorsFile weights = SafeTensorsFile.open(file)) {
            TensorSource source = ModelLoader.validatedSource(config, weights);
            for (Map.Entry<String, int[]> e : ModelLayout.expectedTensors(config).entrySet()) {
                if (!e.getKey().contains("/moe/experts/")) {
                    continue;
                }
                float[] all = rawF32(file, e.getKey());
                int[] shape = e.getValue();
                int per = all.length / shape[0];
                for (int index = 0; index < shape[0]; index++) {
                    assertArrayEquals(Arrays.copyOfRange(all, index * per, (index + 1) * per),
                            source.slice(e.getKey(), shape, index), e.getKey() + " slice " + index);
                }
            }
            assertThrows(IllegalArgumentException.class,
                    () -> weights.floats("pooler_transform/bias", org.sparsemixer.loader.safetensors.DType.F32, 30, 3));
        }
    }

    @Test
    void wrappingSourcesPassSlicesThroughWithoutReadingWholeTensors() {
        // A source that can only be sliced: a wrapper falling back to the whole tensor would fail.
        TensorSource sliceOnly = new TensorSource() {
            @Override
            public float[] floats(String name, int[] shape) {
                throw new AssertionError("whole tensor read for " + name);
            }

            @Override
            public float[] slice(String name, int[] shape, int index) {
                return index == 1 ? new float[] {Float.NaN, 1f} : new float[] {0.1f, index};
            }
        };
        int[] shape = {3, 2};
        TensorSource finite = ModelLoader.finiteOnly(sliceOnly, Path.of("m"), WeightDType.F32);
        assertArrayEquals(new float[] {0.1f, 2f}, finite.slice("t", shape, 2));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> finite.slice("t", shape, 1));
        assertTrue(e.getMessage().contains("'t' (slice 1)") && e.getMessage().contains("1 NaN"), e.getMessage());
        assertArrayEquals(new float[] {org.sparsemixer.engine.kernels.HalfFloats.roundToBf16(0.1f), 2f},
                WeightDType.BF16.rounding(sliceOnly).slice("t", shape, 2));
    }

    @Test
    void loadsTheFixtureModelDirectory() throws Exception {
        try (SparseMixerEncoder encoder = ModelLoader.load(fixtureModel(), EncoderOptions.threads(1))) {
            assertEquals(P01, encoder.config());
        }
    }

    /** Copies the fixture model, rewriting its weights through {@code edit} (name -> raw tensor). */
    private Path editedFixture(Consumer<Map<String, Object[]>> edit) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "model");
        Files.copy(fixtureModel().resolve(ModelLoader.CONFIG_FILE), dir.resolve(ModelLoader.CONFIG_FILE));
        Map<String, Object[]> tensors = new java.util.TreeMap<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(fixtureModel().resolve(ModelLoader.WEIGHTS_FILE))) {
            for (TensorInfo t : f.tensors().values()) {
                tensors.put(t.name(), new Object[] {t.dtype(), t.shape(), f.bytes(t.name())});
            }
        }
        edit.accept(tensors);
        SafeTensorsWriter w = new SafeTensorsWriter();
        tensors.forEach((name, t) -> w.addRaw(name, (DType) t[0], (int[]) t[1], (byte[]) t[2]));
        w.write(dir.resolve(ModelLoader.WEIGHTS_FILE));
        return dir;
    }

    private InvalidModelException loadFails(Path dir) {
        return assertThrows(InvalidModelException.class, () -> ModelLoader.load(dir, EncoderOptions.threads(1)));
    }

    /** The fixture's encoder output for a fixed batch, from a model directory. */
    private static EncoderOutput encodeSample(Path dir) throws IOException {
        try (SparseMixerEncoder encoder = ModelLoader.load(dir, EncoderOptions.threads(1))) {
            return encoder.encode(org.sparsemixer.engine.EncoderInput.sample(encoder.config(), 2, 3));
        }
    }

    @Test
    void postNormMoeLayersMayOmitTheirOutputLayerNorm() throws Exception {
        // p01 is post-norm with MoE layers 2 and 3: TensorFlow never builds their output layer norms
        EncoderOutput withThem = encodeSample(fixtureModel());
        Path dir = editedFixture(t -> t.keySet().removeIf(n -> n.matches("transformer/layer_[23]/output_layer_norm/.*")));
        EncoderOutput without = encodeSample(dir);
        assertArrayEquals(withThem.sequenceOutput(), without.sequenceOutput());
        assertArrayEquals(withThem.pooledOutput(), without.pooledOutput());
        // a dense layer's output layer norm is still required
        Path dense = editedFixture(t -> t.remove("transformer/layer_1/output_layer_norm/gamma"));
        String m = loadFails(dense).getMessage();
        assertTrue(m.contains("1 missing tensor") && m.contains("'transformer/layer_1/output_layer_norm/gamma'"), m);
        // present but misshapen: refused like any tensor
        Path bad = editedFixture(t -> t.put("transformer/layer_2/output_layer_norm/beta",
                new Object[] {DType.F32, new int[] {3}, new byte[12]}));
        m = loadFails(bad).getMessage();
        assertTrue(m.contains("'transformer/layer_2/output_layer_norm/beta' has shape [3]"), m);
    }

    @Test
    void expertBiasesMayHaveTensorFlowShape() throws Exception {
        EncoderOutput want = encodeSample(fixtureModel());
        Path dir = editedFixture(t -> {
            for (String n : List.of("transformer/layer_2/moe/experts/intermediate/bias", "transformer/layer_3/moe/experts/output/bias")) {
                int[] shape = (int[]) t.get(n)[1];
                t.get(n)[1] = new int[] {shape[0], 1, shape[1]};
            }
        });
        EncoderOutput got = encodeSample(dir);
        assertArrayEquals(want.sequenceOutput(), got.sequenceOutput());
        // only a middle 1 is accepted, and only for expert biases
        Path wrong = editedFixture(t -> {
            int[] shape = (int[]) t.get("transformer/layer_2/moe/experts/output/bias")[1];
            t.get("transformer/layer_2/moe/experts/output/bias")[1] = new int[] {shape[0], shape[1], 1};
        });
        assertTrue(loadFails(wrong).getMessage().contains("'transformer/layer_2/moe/experts/output/bias' has shape"));
        Path notBias = editedFixture(t -> t.get("pooler_transform/bias")[1] = new int[] {32, 1});
        assertTrue(loadFails(notBias).getMessage().contains("'pooler_transform/bias' has shape [32, 1]"));
    }

    @Test
    void missingTensorIsNamedWithItsShape() throws Exception {
        Path dir = editedFixture(t -> t.remove("transformer/layer_3/moe/router/router_weights/kernel"));
        String m = loadFails(dir).getMessage();
        assertTrue(m.contains("1 missing tensor") && m.contains("'transformer/layer_3/moe/router/router_weights/kernel'")
                && m.contains("[32, 4]"), m);
    }

    @Test
    void unexpectedTensorIsNamed() throws Exception {
        Path dir = editedFixture(t -> t.put("transformer/layer_2/intermediate/kernel",
                new Object[] {DType.F32, new int[] {32, 64}, new byte[32 * 64 * 4]}));
        String m = loadFails(dir).getMessage();
        assertTrue(m.contains("1 unexpected tensor") && m.contains("'transformer/layer_2/intermediate/kernel'")
                && m.contains("[32, 64]"), m);
    }

    @Test
    void wrongShapeNamesBothShapes() throws Exception {
        Path dir = editedFixture(t -> t.put("pooler_transform/bias", new Object[] {DType.F32, new int[] {2, 16}, new byte[128]}));
        String m = loadFails(dir).getMessage();
        assertTrue(m.contains("'pooler_transform/bias'") && m.contains("[2, 16]") && m.contains("[32]"), m);
        assertTrue(m.contains(ModelLoader.WEIGHTS_FILE), m);
    }

    @Test
    void integerWeightsAreRejected() throws Exception {
        Path dir = editedFixture(t -> t.put("pooler_transform/bias", new Object[] {DType.I32, new int[] {32}, new byte[128]}));
        String m = loadFails(dir).getMessage();
        assertTrue(m.contains("'pooler_transform/bias'") && m.contains("I32"), m);
    }

    @Test
    void manyProblemsListTheFirstFew() throws Exception {
        // The fixture's weights against a config with two more (dense, linear-mixing) layers.
        Path dir = editedFixture(t -> { });
        Files.writeString(dir.resolve(ModelLoader.CONFIG_FILE), ConfigJson.toJson(new SparseMixerConfig(100, 32, 8,
                List.of(2, 3), List.of(4, 5), 4, 1.0, 1.0, 1.0, MixingMechanism.LINEAR, false, 4, 16, 3, 64,
                "gelu_approximate", null, 32, false, false)));
        String m = loadFails(dir).getMessage();
        // layers 6 and 7 each need 10 tensors
        assertTrue(m.contains("20 missing tensors") && m.contains("and 15 more"), m);
        assertTrue(m.contains("'transformer/layer_6/linear_transform/hidden_kernel'"), m);
    }

    @Test
    void halfPrecisionWeightsAreConverted() throws Exception {
        Path dir = editedFixture(t -> {
            Object[] bias = t.get("pooler_transform/bias");
            ByteBuffer in = ByteBuffer.wrap((byte[]) bias[2]).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 32; i++) {
                out.putShort(Float.floatToFloat16(in.getFloat(4 * i)));
            }
            t.put("pooler_transform/bias", new Object[] {DType.F16, new int[] {32}, out.array()});
        });
        float[] want = rawF32(fixtureModel().resolve(ModelLoader.WEIGHTS_FILE), "pooler_transform/bias");
        try (SafeTensorsFile f = ModelLoader.openWeights(dir)) {
            float[] got = ModelLoader.validatedSource(ModelLoader.readConfig(dir), f).floats("pooler_transform/bias", new int[] {32});
            for (int i = 0; i < 32; i++) {
                assertEquals(want[i], got[i], Math.abs(want[i]) * 1e-3 + 1e-7, "element " + i);
            }
        }
        ModelLoader.load(dir, EncoderOptions.threads(1)).close();
    }

    @Test
    void missingFilesAreNamed() throws Exception {
        Path none = tmp.resolve("none");
        InvalidModelException e = loadFails(none);
        assertTrue(e.getMessage().contains(none.toString()), e.getMessage());

        Path dir = tmp.resolve("noweights");
        Files.createDirectories(dir);
        Files.copy(fixtureModel().resolve(ModelLoader.CONFIG_FILE), dir.resolve(ModelLoader.CONFIG_FILE));
        e = loadFails(dir);
        assertTrue(e.getMessage().contains(dir.resolve(ModelLoader.WEIGHTS_FILE).toString()), e.getMessage());

        Path noConfig = tmp.resolve("noconfig");
        Files.createDirectories(noConfig);
        Files.copy(fixtureModel().resolve(ModelLoader.WEIGHTS_FILE), noConfig.resolve(ModelLoader.WEIGHTS_FILE));
        e = loadFails(noConfig);
        assertTrue(e.getMessage().contains(noConfig.resolve(ModelLoader.CONFIG_FILE).toString()), e.getMessage());
    }

    @Test
    void badConfigIsAnInvalidConfigException() throws Exception {
        Path dir = editedFixture(t -> { });
        Files.writeString(dir.resolve(ModelLoader.CONFIG_FILE), "{\"vocab_size\": 100, \"num_experts\": \"four\"}");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ModelLoader.load(dir, EncoderOptions.threads(1)));
        assertEquals("num_experts", e.key());
    }

    @Test
    void corruptWeightsFileIsAnInvalidModel() throws Exception {
        Path dir = editedFixture(t -> { });
        Path weights = dir.resolve(ModelLoader.WEIGHTS_FILE);
        byte[] all = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(all, all.length - 10));
        InvalidModelException e = loadFails(dir);
        assertTrue(e.getMessage().contains(weights.toString()), e.getMessage());
    }

    @Test
    void saveWritesALoadableModelDirectory() throws Exception {
        SparseMixerConfig config = new SparseMixerConfig(50, 16, 3, List.of(1), List.of(2), 2, 1.0, 1.0, 1.0,
                MixingMechanism.LINEAR, false, 2, 8, 2, 24, "gelu_approximate", null, 8, true, false);
        Path dir = tmp.resolve("saved");
        try (RandomWeights weights = new RandomWeights(config, 7, 2)) {
            ModelLoader.save(dir, config, weights);
            assertEquals(config, ConfigJson.read(dir.resolve(ModelLoader.CONFIG_FILE)));
            try (SafeTensorsFile f = ModelLoader.openWeights(dir)) {
                assertEquals(ModelLayout.expectedTensors(config).keySet(), f.tensors().keySet());
                TensorSource source = ModelLoader.validatedSource(config, f);
                for (Map.Entry<String, int[]> e : ModelLayout.expectedTensors(config).entrySet()) {
                    assertEquals(DType.F32, f.info(e.getKey()).dtype());
                    assertArrayEquals(weights.floats(e.getKey(), e.getValue()), source.floats(e.getKey(), e.getValue()));
                    assertArrayEquals(weights.floats(e.getKey(), e.getValue()),
                            rawF32(dir.resolve(ModelLoader.WEIGHTS_FILE), e.getKey()), e.getKey());
                }
            }
        }
        try (SparseMixerEncoder encoder = ModelLoader.load(dir, EncoderOptions.threads(1))) {
            assertEquals(config, encoder.config());
        }
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
    }

    @Test
    void nonFiniteWeightsAreRefusedUnlessAllowed() throws Exception {
        Path dir = tmp.resolve("nan");
        try (RandomWeights w = new RandomWeights(P01, 5)) {
            ModelLoader.save(dir, P01, (name, shape) -> {
                float[] v = w.floats(name, shape);
                if (name.equals("transformer/layer_3/moe/router/router_weights/kernel")) {
                    v[7] = Float.NaN;
                    v[9] = Float.NEGATIVE_INFINITY;
                }
                return v;
            });
        }
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> ModelLoader.load(dir, EncoderOptions.threads(1)).close());
        assertTrue(e.getMessage().contains("'transformer/layer_3/moe/router/router_weights/kernel' holds 2 non-finite"),
                e.getMessage());
        assertTrue(e.getMessage().contains("1 NaN, 0 +Inf, 1 -Inf"), e.getMessage());
        assertThrows(InvalidModelException.class,
                () -> ModelLoader.load(dir, EncoderOptions.threads(1), WeightDType.BF16).close());
        try (SparseMixerEncoder encoder = ModelLoader.load(dir, EncoderOptions.threads(1),
                LoadOptions.defaults().withAllowNonFinite(true))) {
            assertEquals(P01, encoder.config());
        }
    }
}
