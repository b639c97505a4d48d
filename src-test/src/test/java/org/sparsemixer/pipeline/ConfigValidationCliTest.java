package org.sparsemixer.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * SPEC sections 1 and 2 through {@code run --model DIR}: a model directory with one thing wrong in
 * config.json or model.safetensors is exit code 2 with one {@code error:} line naming the key or tensor.
 * The weights are always valid for the unmodified config, so only the broken rule can fail.
 */
class ConfigValidationCliTest {
    @TempDir
    Path tmp;

    private final SparseMixerConfig config = TestModels.small();

    private Path modelWith(Consumer<Map<String, Object>> edit) throws IOException {
        Path dir = TestModels.writeModel(tmp.resolve("model"), config, 31);
        Map<String, Object> json = TestModels.configMap(config);
        edit.accept(json);
        TestModels.writeConfig(dir, json);
        return dir;
    }

    private static Cli.Result run(Path model) {
        return Cli.run("run", "--model", model.toString(), "--threads", "1");
    }

    // ---- positive controls ----

    @Test
    void unmodifiedConfigRuns() throws IOException {
        Cli.assertOk(run(modelWith(c -> { })));
    }

    @Test
    void trainingOnlyKeysAreAcceptedAndIgnored() throws IOException {
        Cli.assertOk(run(modelWith(c -> {
            c.put("dropout_rate", 0.1);
            c.put("attention_dropout_rate", 0.1);
            c.put("initializer", Map.of("class_name", "TruncatedNormal", "config", Map.of("stddev", 0.02)));
            c.put("export_metrics", true);
        })));
    }

    @Test
    void missingKeysTakeTheirDefaults() throws IOException {
        // inner_activation, use_fft, norm_first, with_dense_inputs, output_range, embedding_width,
        // train_capacity_factor default to the values this config already has.
        Cli.assertOk(run(modelWith(c -> {
            for (String key : List.of("inner_activation", "use_fft", "norm_first", "with_dense_inputs",
                    "output_range", "embedding_width", "train_capacity_factor")) {
                c.remove(key);
            }
        })));
    }

    @Test
    void outputRangeIsAcceptedAndIgnored() throws IOException {
        Cli.assertOk(run(modelWith(c -> c.put("output_range", 1))));
    }

    // ---- config.json rules ----

    @Test
    void unknownKey() throws IOException {
        Cli.assertBadInput(run(modelWith(c -> c.put("hiden_size", 16))), "hiden_size");
    }

    @Test
    void moeLayerIndexEqualToNumLayers() throws IOException {
        Cli.assertBadInput(run(modelWith(c -> c.put("moe_layers", List.of(1, 2)))), "moe_layers");
    }

    @Test
    void negativeAttentionLayerIndex() throws IOException {
        Cli.assertBadInput(run(modelWith(c -> c.put("attention_layers", List.of(-1)))), "attention_layers");
    }

    @Test
    void zeroExperts() throws IOException {
        Cli.assertBadInput(run(modelWith(c -> c.put("num_experts", 0))), "num_experts");
    }

    @Test
    void hiddenSizeNotDivisibleByHeads() throws IOException {
        String line = Cli.assertBadInput(run(modelWith(c -> c.put("num_attention_heads", 3))));
        Messages.assertMentionsAny(line, "num_attention_heads", "hidden_size");
    }

    @Test
    void unknownMixingMechanism() throws IOException {
        Cli.assertBadInput(run(modelWith(c -> c.put("mixing_mechanism", "cosine"))), "mixing_mechanism");
    }

    @Test
    void unsupportedInnerActivation() throws IOException {
        Cli.assertBadInput(run(modelWith(c -> c.put("inner_activation", "relu"))), "inner_activation");
    }

    @Test
    void missingVocabSize() throws IOException {
        Cli.assertBadInput(run(modelWith(c -> c.remove("vocab_size"))), "vocab_size");
    }

    @Test
    void wrongValueType() throws IOException {
        Cli.assertBadInput(run(modelWith(c -> c.put("hidden_size", "sixteen"))), "hidden_size");
    }

    @Test
    void malformedJson() throws IOException {
        Path dir = modelWith(c -> { });
        Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": 37,");
        Cli.assertBadInput(run(dir));
    }

    @Test
    void missingConfigFile() throws IOException {
        Path dir = modelWith(c -> { });
        Files.delete(dir.resolve("config.json"));
        Cli.assertBadInput(run(dir), "config.json");
    }

    // ---- model.safetensors rules (SPEC section 2) ----

    private Path modelWithTensors(Consumer<Map<String, Safetensors.Tensor>> edit) throws IOException {
        Path dir = TestModels.writeModel(tmp.resolve("model"), config, 32);
        Map<String, Safetensors.Tensor> tensors = TestModels.tensors(config, TestModels.weights(32));
        edit.accept(tensors);
        Safetensors.write(dir.resolve("model.safetensors"), tensors);
        return dir;
    }

    @Test
    void missingTensor() throws IOException {
        String name = ModelLayout.POOLER + "bias";
        Cli.assertBadInput(run(modelWithTensors(t -> t.remove(name))), name);
    }

    @Test
    void unexpectedTensor() throws IOException {
        String name = "transformer/layer_7/output/bias";
        Cli.assertBadInput(run(modelWithTensors(t -> t.put(name, Safetensors.Tensor.f32(new int[] {16}, new float[16])))),
                name);
    }

    @Test
    void tensorWithWrongShape() throws IOException {
        String name = ModelLayout.WORD_EMBEDDINGS;
        String line = Cli.assertBadInput(run(modelWithTensors(t -> t.put(name,
                Safetensors.Tensor.f32(new int[] {36, 16}, new float[36 * 16])))), name);
        Messages.assertMentions(line, "36", "37");
    }

    @Test
    void missingWeightsFile() throws IOException {
        Path dir = modelWith(c -> { });
        Files.delete(dir.resolve("model.safetensors"));
        Cli.assertBadInput(run(dir), "model.safetensors");
    }
}
