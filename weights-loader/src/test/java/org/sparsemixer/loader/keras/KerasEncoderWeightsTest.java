package org.sparsemixer.loader.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.ConfigJson;
import org.sparsemixer.loader.ModelFiles;
import org.sparsemixer.loader.WeightDType;
import org.sparsemixer.loader.safetensors.DType;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;

/**
 * Binding on tiny_postnorm_moe.h5 (docs/tools/make_keras_h5_fixtures.py, write_tiny): a two-layer post-norm
 * encoder (attention + dense, linear mixing + MoE) in the scope 'sparse_mixer/', stored as float64, inside a
 * pretraining model whose masked-LM layer repeats the word embedding table; element i of the k-th encoder
 * weight (in the generator's list) is 100 k + i. The file holds the MoE layer's output layer norm, which
 * Model Garden never builds.
 */
class KerasEncoderWeightsTest {
    private static final String MOE_OUTPUT_LN = "transformer/layer_1/output_layer_norm/gamma";

    @TempDir
    Path tmp;

    private static Path resource(String name) throws Exception {
        return Path.of(KerasEncoderWeightsTest.class.getResource("/keras-h5/" + name).toURI());
    }

    private static SparseMixerConfig config() throws Exception {
        return ConfigJson.read(resource("tiny_config.json"));
    }

    private static float[] range(int from, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = from + i;
        }
        return v;
    }

    @Test
    void postNormMoeLayersHaveNoOutputLayerNormToWrite() throws Exception {
        SparseMixerConfig c = config();
        try (KerasH5File f = KerasH5File.open(resource("tiny_postnorm_moe.h5"))) {
            Set<String> written = KerasEncoderWeights.bind(c, f).tensors().keySet();
            assertFalse(written.contains(MOE_OUTPUT_LN));
            assertFalse(written.contains("transformer/layer_1/output_layer_norm/beta"));
            assertTrue(written.contains("transformer/layer_0/output_layer_norm/gamma"), "dense layers keep theirs");
        }
        SparseMixerConfig preNorm = ConfigJson.parse(Files.readString(resource("tiny_config.json"))
                .replace("\"norm_first\": false", "\"norm_first\": true"));
        assertTrue(ModelLayout.expectedTensors(preNorm).containsKey(MOE_OUTPUT_LN), "pre-norm MoE layers keep theirs");
    }

    @Test
    void bindsEncoderWeightsSkipsTheHeadAndReadsValues() throws Exception {
        try (KerasH5File f = KerasH5File.open(resource("tiny_postnorm_moe.h5"))) {
            KerasEncoderWeights w = KerasEncoderWeights.bind(config(), f);
            assertEquals(ModelLayout.expectedTensors(config()).keySet(), w.tensors().keySet());
            assertEquals(List.of("cls/predictions/output_bias:0"), w.skipped().stream().map(KerasH5File.Weight::name).toList());
            assertEquals("/sparse_mixer/sparse_mixer/word_embeddings/embeddings:0",
                    w.bound().get("word_embeddings/embeddings").path(), "the encoder's own listing is the one read");
            var source = w.source(WeightDType.F32);
            assertArrayEquals(range(0, 20), source.floats("word_embeddings/embeddings", new int[] {5, 4}));
            // [E, 1, F] in the file, [E, F] in the layout: the same elements
            assertArrayEquals(range(2800, 6), source.floats("transformer/layer_1/moe/experts/intermediate/bias", new int[] {2, 3}));
            assertArrayEquals(range(3000, 8), source.floats("transformer/layer_1/moe/experts/output/bias", new int[] {2, 4}));
            assertThrows(InvalidModelException.class, () -> source.floats(MOE_OUTPUT_LN, new int[] {4}));
        }
    }

    @Test
    void convertsToAModelDirectoryWithLayoutShapes() throws Exception {
        Path out = tmp.resolve("model");
        List<String> skipped = ModelFiles.convertKerasH5(resource("tiny_postnorm_moe.h5"), resource("tiny_config.json"), out,
                WeightDType.BF16, false, null);
        assertEquals(List.of("cls/predictions/output_bias:0"), skipped);
        try (SafeTensorsFile st = SafeTensorsFile.open(out.resolve("model.safetensors"))) {
            assertEquals(ModelLayout.expectedTensors(config()).keySet(), st.tensors().keySet());
            assertArrayEquals(new int[] {2, 4}, st.tensors().get("transformer/layer_1/moe/experts/output/bias").shape());
            assertEquals(DType.BF16, st.tensors().get("pooler_transform/kernel").dtype());
            // element 0 is 3300, which bf16 (steps of 16 between 2048 and 4096) rounds to 3296
            assertEquals(3296f, st.floats("pooler_transform/kernel")[0]);
        }
        assertArrayEquals(Files.readAllBytes(resource("tiny_config.json")), Files.readAllBytes(out.resolve("config.json")));
    }

    @Test
    void mismatchedConfigNamesWeightsAndShapes() throws Exception {
        SparseMixerConfig threeExperts = ConfigJson.parse(Files.readString(resource("tiny_config.json"))
                .replace("\"num_experts\": 2", "\"num_experts\": 3"));
        try (KerasH5File f = KerasH5File.open(resource("tiny_postnorm_moe.h5"))) {
            InvalidModelException e = assertThrows(InvalidModelException.class, () -> KerasEncoderWeights.bind(threeExperts, f));
            assertTrue(e.getMessage().contains("'sparse_mixer/transformer/layer_1/moe/experts/intermediate/kernel:0' has shape"
                    + " [2, 4, 3] but the config needs [3, 4, 3]"), e.getMessage());
            assertTrue(e.getMessage().contains("'sparse_mixer/transformer/layer_1/moe/experts/intermediate/bias:0' has shape"
                    + " [2, 1, 3] but the config needs [3, 3]"), e.getMessage());
        }
    }
}
