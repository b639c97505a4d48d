package org.sparsemixer.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;

/**
 * Small models for the validation tests, written without the loader's writer: config.json from a map
 * with the SPEC section 1 keys, model.safetensors with the tests' own {@link Safetensors} writer.
 */
final class TestModels {
    static final int VOCAB = 37;
    static final int HIDDEN = 16;
    static final int SEQ = 8;
    static final int TYPE_VOCAB = 3;
    static final int LAYERS = 2;
    static final int EXPERTS = 4;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TestModels() {
    }

    /** 2 layers: layer 0 attention + dense FFN, layer 1 linear mixing + MoE; S = 8, vocab 37, type vocab 3. */
    static SparseMixerConfig small(double examplesPerGroup, boolean withDenseInputs) {
        return new SparseMixerConfig(VOCAB, HIDDEN, LAYERS, List.of(1), List.of(0), EXPERTS, 1.0, 1.0,
                examplesPerGroup, MixingMechanism.LINEAR, false, 2, SEQ, TYPE_VOCAB, 32,
                SparseMixerConfig.GELU_APPROXIMATE, null, HIDDEN, false, withDenseInputs);
    }

    static SparseMixerConfig small() {
        return small(1.0, false);
    }

    /** Seeded pseudo-random weights: gammas near 1, everything else small; a pure function of (seed, name). */
    static TensorSource weights(long seed) {
        return (name, shape) -> {
            int n = Math.toIntExact(ModelLayout.elementCount(shape));
            Random random = new Random(seed * 1_000_003L + name.hashCode());
            float[] values = new float[n];
            boolean gamma = name.endsWith("/gamma");
            for (int i = 0; i < n; i++) {
                values[i] = (float) ((gamma ? 1.0 : 0.0) + random.nextGaussian() * (gamma ? 0.05 : 0.1));
            }
            return values;
        };
    }

    /** config.json content of SPEC section 1 for a config, as an editable ordered map. */
    static Map<String, Object> configMap(SparseMixerConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_size", c.vocabSize());
        m.put("hidden_size", c.hiddenSize());
        m.put("num_layers", c.numLayers());
        m.put("moe_layers", c.moeLayers());
        m.put("attention_layers", c.attentionLayers());
        m.put("num_experts", c.numExperts());
        m.put("train_capacity_factor", c.trainCapacityFactor());
        m.put("eval_capacity_factor", c.evalCapacityFactor());
        m.put("examples_per_group", c.examplesPerGroup());
        m.put("mixing_mechanism", c.mixingMechanism().configName());
        m.put("use_fft", c.useFft());
        m.put("num_attention_heads", c.numAttentionHeads());
        m.put("max_sequence_length", c.maxSequenceLength());
        m.put("type_vocab_size", c.typeVocabSize());
        m.put("inner_dim", c.innerDim());
        m.put("inner_activation", c.innerActivation());
        m.put("output_range", c.outputRange());
        m.put("embedding_width", c.embeddingWidth() == c.hiddenSize() ? null : c.embeddingWidth());
        m.put("norm_first", c.normFirst());
        m.put("with_dense_inputs", c.withDenseInputs());
        return m;
    }

    static void writeConfig(Path modelDir, Map<String, Object> config) throws IOException {
        Files.createDirectories(modelDir);
        Files.writeString(modelDir.resolve("config.json"), JSON.writeValueAsString(config));
    }

    /** The tensors SPEC section 2 lists for a config, with the given weights, in layout order. */
    static Map<String, Safetensors.Tensor> tensors(SparseMixerConfig c, TensorSource weights) {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : ModelLayout.expectedTensors(c).entrySet()) {
            out.put(e.getKey(), Safetensors.Tensor.f32(e.getValue(), weights.floats(e.getKey(), e.getValue())));
        }
        return out;
    }

    /** Writes a complete model directory for a config. */
    static Path writeModel(Path modelDir, SparseMixerConfig c, long seed) throws IOException {
        writeConfig(modelDir, configMap(c));
        Safetensors.write(modelDir.resolve("model.safetensors"), tensors(c, weights(seed)));
        return modelDir;
    }
}
