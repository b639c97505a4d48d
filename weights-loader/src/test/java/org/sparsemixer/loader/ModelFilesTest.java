package org.sparsemixer.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.engine.kernels.HalfFloats;
import org.sparsemixer.loader.npz.NpyFormatException;
import org.sparsemixer.loader.npz.NpyWriter;
import org.sparsemixer.loader.safetensors.DType;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;

/** convert (dtype, npz), init and inspect through the loader API. */
class ModelFilesTest {
    @TempDir
    Path tmp;

    static final SparseMixerConfig SMALL = new SparseMixerConfig(50, 16, 3, List.of(1), List.of(2), 4, 1.0, 1.0, 1.0,
            MixingMechanism.LINEAR, false, 2, 8, 3, 32, SparseMixerConfig.GELU_APPROXIMATE, null, 12, false, false);

    private static EncoderOutput encode(SparseMixerEncoder e) {
        try (e) {
            return e.encode(EncoderInput.sample(e.config(), 2, 5));
        }
    }

    private static void assertBitIdentical(EncoderOutput a, EncoderOutput b) {
        assertArrayEquals(a.sequenceOutput(), b.sequenceOutput());
        assertArrayEquals(a.pooledOutput(), b.pooledOutput());
        assertArrayEquals(a.encoderOutputs(), b.encoderOutputs());
    }

    @Test
    void initWritesTheInMemoryRandomWeights() throws Exception {
        Path dir = tmp.resolve("init");
        ModelFiles.init(SMALL, DefaultModel.SEED, dir, false, null);
        assertEquals(SMALL, ModelLoader.readConfig(dir));
        EncoderOutput fromDisk = encode(ModelLoader.load(dir, EncoderOptions.threads(2)));
        try (RandomWeights w = new RandomWeights(SMALL, DefaultModel.SEED)) {
            assertBitIdentical(encode(SparseMixerEncoder.create(SMALL, w, EncoderOptions.threads(1))), fromDisk);
        }
        // the embedded default is the 'base' preset with the default seed
        assertEquals(org.sparsemixer.engine.ModelPresets.base(), DefaultModel.config());
    }

    @Test
    void convertToBf16AndF16RoundsEveryWeightOnce() throws Exception {
        Path src = ModelLoaderTest.fixtureModel();
        for (WeightDType dtype : WeightDType.values()) {
            Path out = tmp.resolve(dtype.cliName());
            ModelFiles.convertModel(src, out, dtype, false, null);
            assertArrayEquals(Files.readAllBytes(src.resolve(ModelLoader.CONFIG_FILE)),
                    Files.readAllBytes(out.resolve(ModelLoader.CONFIG_FILE)), "config copied byte for byte");
            try (SafeTensorsFile in = SafeTensorsFile.open(src.resolve(ModelLoader.WEIGHTS_FILE));
                 SafeTensorsFile f = SafeTensorsFile.open(out.resolve(ModelLoader.WEIGHTS_FILE))) {
                // the fixture (post-norm, MoE layers 2 and 3) holds the output layer norms its MoE layers never
                // use; convert drops them (SPEC section 2) and keeps every other tensor
                java.util.Set<String> kept = new java.util.TreeSet<>(in.tensors().keySet());
                kept.removeIf(n -> n.matches("transformer/layer_[23]/output_layer_norm/.*"));
                assertEquals(in.tensors().size() - 4, kept.size());
                assertEquals(kept, f.tensors().keySet());
                for (String name : kept) {
                    assertEquals(dtype.dtype(), f.info(name).dtype(), name);
                    float[] want = in.floats(name);
                    float[] got = f.floats(name);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(dtype.round(want[i]), got[i], name + "[" + i + "]");
                    }
                }
            }
            // loading the converted file equals loading the original rounded on the fly
            EncoderOutput rounded = encode(ModelLoader.load(src, EncoderOptions.threads(1), dtype));
            assertBitIdentical(rounded, encode(ModelLoader.load(out, EncoderOptions.threads(1))));
            // and keeping the weights in 16 bits (run --weights-dtype) computes exactly the same numbers,
            // from the F32 original and from the converted file alike
            EncoderOptions stored = EncoderOptions.threads(2).withWeightPrecision(dtype.precision());
            assertBitIdentical(rounded, encode(ModelLoader.load(src, stored)));
            assertBitIdentical(rounded, encode(ModelLoader.load(out, stored)));
            try (SparseMixerEncoder f32 = ModelLoader.load(out, EncoderOptions.threads(1));
                 SparseMixerEncoder kept = ModelLoader.load(out, stored)) {
                assertEquals(dtype.precision(), kept.weightPrecision());
                assertEquals(org.sparsemixer.engine.WeightPrecision.F32, f32.weightPrecision(),
                        "a 16-bit file loads as F32 unless 16 bits are asked for");
                assertTrue(dtype == WeightDType.F32 ? kept.weightBytes() == f32.weightBytes()
                        : kept.weightBytes() < f32.weightBytes() * 0.6, kept.weightBytes() + " vs " + f32.weightBytes());
            }
        }
        long f32 = Files.size(tmp.resolve("f32").resolve(ModelLoader.WEIGHTS_FILE));
        long bf16 = Files.size(tmp.resolve("bf16").resolve(ModelLoader.WEIGHTS_FILE));
        assertTrue(bf16 < f32 * 0.55, "half the bytes: " + bf16 + " vs " + f32);
    }

    @Test
    void convertNpzRoundTrip() throws Exception {
        Path dir = tmp.resolve("init");
        ModelFiles.init(SMALL, 3, dir, false, null);
        Map<String, byte[]> entries = NpyWriter.entries();
        int k = 0;
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve(ModelLoader.WEIGHTS_FILE))) {
            for (Map.Entry<String, int[]> e : ModelLayout.expectedTensors(SMALL).entrySet()) {
                float[] v = f.floats(e.getKey());
                String entry = "sparse_mixer/" + e.getKey() + ":0.npy";
                if (k++ % 3 == 1) { // some tensors as float64, as a NumPy user may well save them
                    double[] d = new double[v.length];
                    for (int i = 0; i < v.length; i++) {
                        d[i] = v[i];
                    }
                    entries.put(entry, NpyWriter.f8(e.getValue(), d));
                } else {
                    entries.put(entry, NpyWriter.f4(e.getValue(), v));
                }
            }
        }
        Path npz = NpyWriter.npz(tmp.resolve("model.npz"), entries, k % 2 == 0);
        Path out = tmp.resolve("from-npz");
        ModelFiles.convertNpz(npz, dir.resolve(ModelLoader.CONFIG_FILE), out, WeightDType.F32, false, null);
        assertBitIdentical(encode(ModelLoader.load(dir, EncoderOptions.threads(1))),
                encode(ModelLoader.load(out, EncoderOptions.threads(1))));
        try (SafeTensorsFile a = SafeTensorsFile.open(dir.resolve(ModelLoader.WEIGHTS_FILE));
             SafeTensorsFile b = SafeTensorsFile.open(out.resolve(ModelLoader.WEIGHTS_FILE))) {
            assertEquals(a.tensors(), b.tensors(), "same names, dtypes, shapes and offsets");
        }

        // bf16 output straight from the npz
        Path outBf16 = tmp.resolve("from-npz-bf16");
        ModelFiles.convertNpz(npz, dir.resolve(ModelLoader.CONFIG_FILE), outBf16, WeightDType.BF16, false, null);
        try (SafeTensorsFile b = SafeTensorsFile.open(outBf16.resolve(ModelLoader.WEIGHTS_FILE))) {
            assertEquals(DType.BF16, b.info("pooler_transform/kernel").dtype());
        }

        // an npz that misses a tensor and has a foreign one: named like any model error
        entries.remove("sparse_mixer/pooler_transform/bias:0.npy");
        entries.put("sparse_mixer/optimizer/iterations:0.npy", NpyWriter.f4(new int[] {1}, new float[] {1}));
        Path bad = NpyWriter.npz(tmp.resolve("bad.npz"), entries, false);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelFiles.convertNpz(bad,
                dir.resolve(ModelLoader.CONFIG_FILE), tmp.resolve("never"), WeightDType.F32, false, null));
        assertTrue(e.getMessage().contains("'pooler_transform/bias'")
                && e.getMessage().contains("'sparse_mixer/optimizer/iterations:0'"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("never").resolve(ModelLoader.WEIGHTS_FILE)));

        // a wrong shape in the header is refused before its data is read
        entries.remove("sparse_mixer/optimizer/iterations:0.npy");
        entries.put("sparse_mixer/pooler_transform/bias:0.npy", NpyWriter.f4(new int[] {2, 8}, new float[16]));
        Path shape = NpyWriter.npz(tmp.resolve("shape.npz"), entries, false);
        e = assertThrows(InvalidModelException.class, () -> ModelFiles.convertNpz(shape,
                dir.resolve(ModelLoader.CONFIG_FILE), tmp.resolve("never2"), WeightDType.F32, false, null));
        assertTrue(e.getMessage().contains("[2, 8]") && e.getMessage().contains("[16]"), e.getMessage());

        entries.put("sparse_mixer/pooler_transform/bias:0.npy",
                NpyWriter.concat(NpyWriter.header(">f4", new int[] {16}, 1), new byte[64]));
        Path be = NpyWriter.npz(tmp.resolve("be.npz"), entries, false);
        NpyFormatException n = assertThrows(NpyFormatException.class, () -> ModelFiles.convertNpz(be,
                dir.resolve(ModelLoader.CONFIG_FILE), tmp.resolve("never3"), WeightDType.F32, false, null));
        assertEquals("sparse_mixer/pooler_transform/bias:0.npy", n.entry());
    }

    @Test
    void outputDirectoryRules() throws Exception {
        Path src = ModelLoaderTest.fixtureModel();
        Path out = tmp.resolve("out");
        ModelFiles.convertModel(src, out, WeightDType.BF16, false, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFiles.convertModel(src, out, WeightDType.F16, false, null));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        Files.writeString(out.resolve(ModelLoader.INDEX_FILE), "{}");
        ModelFiles.convertModel(src, out, WeightDType.F16, true, null);
        assertFalse(Files.exists(out.resolve(ModelLoader.INDEX_FILE)), "stale index removed");
        try (SafeTensorsFile f = SafeTensorsFile.open(out.resolve(ModelLoader.WEIGHTS_FILE))) {
            assertEquals(DType.F16, f.info("pooler_transform/kernel").dtype());
        }
        e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.convertModel(out, out, WeightDType.F32, true, null));
        assertTrue(e.getMessage().contains("input"), e.getMessage());
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThrows(IllegalArgumentException.class, () -> ModelFiles.init(SMALL, 1, file, true, null));
    }

    @Test
    void summaryCountsParametersByComponentAndNonFiniteValues() throws Exception {
        Path dir = tmp.resolve("s");
        ModelFiles.init(SMALL, 1, dir, false, null);
        ModelSummary s = ModelSummary.inspect(dir);
        long total = ModelLayout.expectedTensors(SMALL).values().stream().mapToLong(ModelLayout::elementCount).sum();
        assertEquals(total, s.parameters());
        assertEquals(ModelSummary.COMPONENTS, List.copyOf(s.parametersByComponent().keySet()));
        assertEquals(50 * 12 + 8 * 12 + 3 * 12 + 12 * 16 + 16, s.parametersByComponent().get("embeddings"));
        // two layer norms in each of the 3 layers, except the post-norm MoE layer 1: one
        assertEquals(5 * 2 * 16 + 2 * 12, s.parametersByComponent().get("layer norms"));
        assertEquals(16 * 4 + 4, s.parametersByComponent().get("router"));
        assertEquals(4 * (16 * 32 + 32 + 32 * 16 + 16), s.parametersByComponent().get("experts"));
        assertEquals(2 * (16 * 16 + 8 * 8), s.parametersByComponent().get("mixing"));
        assertEquals(0, s.nonFinite());
        assertEquals(org.sparsemixer.engine.FlopCount.forward(SMALL, 1), s.flopsPerSequence());
        assertTrue(s.toText().contains(String.format(java.util.Locale.ROOT, "%,d", total)), s.toText());
        assertTrue(s.toJson().contains("\"total\" : " + total), s.toJson());

        // NaN and infinities are counted per tensor
        Path bad = tmp.resolve("nan");
        try (RandomWeights w = new RandomWeights(SMALL, 1)) {
            ModelLoader.save(bad, SMALL, (name, shape) -> {
                float[] v = w.floats(name, shape);
                if (name.equals("pooler_transform/bias")) {
                    v[0] = Float.NaN;
                    v[1] = Float.POSITIVE_INFINITY;
                    v[2] = Float.NEGATIVE_INFINITY;
                    v[3] = Float.NaN;
                }
                return v;
            });
        }
        ModelSummary n = ModelSummary.inspect(bad);
        assertEquals(4, n.nonFinite());
        ModelSummary.Tensor t = n.tensors().stream().filter(x -> x.name().equals("pooler_transform/bias")).findFirst().orElseThrow();
        assertEquals(2, t.nan());
        assertEquals(1, t.posInf());
        assertEquals(1, t.negInf());
        assertTrue(n.toText().contains("2/1/1"), n.toText());
    }

    @Test
    void weightDTypeRounding() {
        assertEquals(1f, WeightDType.BF16.round(1f + 0x1p-8f));
        assertEquals(HalfFloats.roundToF16(0.1f), WeightDType.F16.round(0.1f));
        assertEquals(0.1f, WeightDType.F32.round(0.1f));
        float[] shared = {0.1f};
        float[] rounded = WeightDType.BF16.rounding((name, shape) -> shared).floats("x", new int[] {1});
        assertEquals(0.1f, shared[0], "the source's array is not modified");
        assertEquals(HalfFloats.roundToBf16(0.1f), rounded[0]);
    }
}
