package org.sparsemixer.engine;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The model hyper-parameters of SPEC section 1, already resolved (no nulls except {@code outputRange}).
 * The compact constructor validates every value and names the config.json key at fault, so every
 * config, whether parsed from a file or built in code, is checked the same way.
 *
 * @param embeddingWidth W; equal to {@code hiddenSize} when config.json has {@code embedding_width: null}
 * @param outputRange accepted and ignored (SPEC quirk): outputs are always full length
 */
public record SparseMixerConfig(
        int vocabSize,
        int hiddenSize,
        int numLayers,
        List<Integer> moeLayers,
        List<Integer> attentionLayers,
        int numExperts,
        double trainCapacityFactor,
        double evalCapacityFactor,
        double examplesPerGroup,
        MixingMechanism mixingMechanism,
        boolean useFft,
        int numAttentionHeads,
        int maxSequenceLength,
        int typeVocabSize,
        int innerDim,
        String innerActivation,
        Integer outputRange,
        int embeddingWidth,
        boolean normFirst,
        boolean withDenseInputs) {

    public static final String GELU_APPROXIMATE = "gelu_approximate";

    public SparseMixerConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_layers", numLayers);
        positive("num_experts", numExperts);
        positive("num_attention_heads", numAttentionHeads);
        positive("max_sequence_length", maxSequenceLength);
        positive("type_vocab_size", typeVocabSize);
        positive("inner_dim", innerDim);
        positive("embedding_width", embeddingWidth);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new InvalidConfigException("num_attention_heads", "must divide hidden_size " + hiddenSize
                    + ", got " + numAttentionHeads);
        }
        moeLayers = layerList("moe_layers", moeLayers, numLayers);
        attentionLayers = layerList("attention_layers", attentionLayers, numLayers);
        nonNegativeFinite("train_capacity_factor", trainCapacityFactor);
        nonNegativeFinite("eval_capacity_factor", evalCapacityFactor);
        if (!(examplesPerGroup > 0) || !Double.isFinite(examplesPerGroup)) {
            throw new InvalidConfigException("examples_per_group", "must be a finite number > 0, got " + examplesPerGroup);
        }
        if (mixingMechanism == null) {
            throw new InvalidConfigException("mixing_mechanism", "must not be null");
        }
        if (!GELU_APPROXIMATE.equals(innerActivation)) {
            throw new InvalidConfigException("inner_activation",
                    "must be \"" + GELU_APPROXIMATE + "\" (the only activation supported), got \"" + innerActivation + "\"");
        }
        if (outputRange != null && outputRange < 0) {
            throw new InvalidConfigException("output_range", "must be null or >= 0, got " + outputRange);
        }
        if (!moeLayers.isEmpty()) {
            long tokensPerGroup = (long) Math.floor(maxSequenceLength * examplesPerGroup);
            if (tokensPerGroup < 1) {
                throw new InvalidConfigException("examples_per_group", "gives a routing group of "
                        + tokensPerGroup + " tokens (floor(max_sequence_length * examples_per_group)); it must be >= 1");
            }
            if (tokensPerGroup > Integer.MAX_VALUE) {
                throw new InvalidConfigException("examples_per_group", "gives a routing group too large: " + tokensPerGroup);
            }
            double capacity = Math.rint(evalCapacityFactor * tokensPerGroup / numExperts);
            if (capacity > tokensPerGroup) {
                throw new InvalidConfigException("eval_capacity_factor", "gives an expert capacity of " + (long) capacity
                        + " tokens, more than the " + tokensPerGroup + " tokens of a routing group");
            }
        }
    }

    /** Sparse Mixer Base: the SPEC section 1 defaults with the given vocabulary size. */
    public static SparseMixerConfig base(int vocabSize) {
        return new SparseMixerConfig(vocabSize, 512, 14, List.of(5, 6, 7, 8), List.of(10, 11, 12, 13), 16,
                1.0, 1.0, 1.0, MixingMechanism.LINEAR, false, 8, 512, 16, 2048, GELU_APPROXIMATE, null, 512,
                false, false);
    }

    public boolean isMoeLayer(int layer) {
        return moeLayers.contains(layer);
    }

    public boolean isAttentionLayer(int layer) {
        return attentionLayers.contains(layer);
    }

    /** D = H / N. */
    public int headSize() {
        return hiddenSize / numAttentionHeads;
    }

    /** T = floor(S * examples_per_group): tokens per MoE routing group. */
    public int tokensPerGroup() {
        return (int) Math.floor(maxSequenceLength * examplesPerGroup);
    }

    /** C = round-half-even(eval_capacity_factor * T / E), as Python's round does. */
    public int expertCapacity() {
        return (int) Math.rint(evalCapacityFactor * tokensPerGroup() / numExperts);
    }

    public boolean hasEmbeddingProjection() {
        return embeddingWidth != hiddenSize;
    }

    private static void positive(String key, int value) {
        if (value < 1) {
            throw new InvalidConfigException(key, "must be >= 1, got " + value);
        }
    }

    private static void nonNegativeFinite(String key, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new InvalidConfigException(key, "must be a finite number >= 0, got " + value);
        }
    }

    private static List<Integer> layerList(String key, List<Integer> layers, int numLayers) {
        if (layers == null) {
            throw new InvalidConfigException(key, "must be a list of layer indices, got null");
        }
        Set<Integer> seen = new HashSet<>();
        for (Integer layer : layers) {
            if (layer == null || layer < 0 || layer >= numLayers) {
                throw new InvalidConfigException(key, "has layer index " + layer + " outside [0, " + numLayers
                        + ") (num_layers = " + numLayers + ")");
            }
            if (!seen.add(layer)) {
                throw new InvalidConfigException(key, "lists layer " + layer + " twice");
            }
        }
        return List.copyOf(layers);
    }
}
