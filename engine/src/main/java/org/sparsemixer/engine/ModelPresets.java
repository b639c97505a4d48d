package org.sparsemixer.engine;

import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/** Named configurations used by {@code run}, {@code bench} and {@code init}. */
public final class ModelPresets {
    /** Vocabulary of the embedded default model and of the Sparse Mixer presets. */
    public static final int SPARSE_MIXER_VOCAB = 32000;
    public static final List<String> NAMES = List.of("base", "fast", "bert-base");

    private ModelPresets() {
    }

    /** Sparse Mixer Base: SPEC section 1 defaults with a 32000-token vocabulary. */
    public static SparseMixerConfig base() {
        return SparseMixerConfig.base(SPARSE_MIXER_VOCAB);
    }

    /** "Fast Sparse Mixer": Base with an eval capacity factor of 0.5. */
    public static SparseMixerConfig fast() {
        SparseMixerConfig b = base();
        return new SparseMixerConfig(b.vocabSize(), b.hiddenSize(), b.numLayers(), b.moeLayers(), b.attentionLayers(),
                b.numExperts(), b.trainCapacityFactor(), 0.5, b.examplesPerGroup(), b.mixingMechanism(), b.useFft(),
                b.numAttentionHeads(), b.maxSequenceLength(), b.typeVocabSize(), b.innerDim(), b.innerActivation(),
                b.outputRange(), b.embeddingWidth(), b.normFirst(), b.withDenseInputs());
    }

    /** A dense BERT-base-shaped encoder in this engine: 12 attention layers, H 768, F 3072, 12 heads, S 512. */
    public static SparseMixerConfig bertBase() {
        List<Integer> all = IntStream.range(0, 12).boxed().toList();
        return new SparseMixerConfig(30522, 768, 12, List.of(), all, 1, 1.0, 1.0, 1.0, MixingMechanism.LINEAR, false,
                12, 512, 2, 3072, SparseMixerConfig.GELU_APPROXIMATE, null, 768, false, false);
    }

    /** The preset called {@code name} (one of {@link #NAMES}). */
    public static SparseMixerConfig byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "base" -> base();
            case "fast" -> fast();
            case "bert-base" -> bertBase();
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; expected one of " + NAMES);
        };
    }
}
