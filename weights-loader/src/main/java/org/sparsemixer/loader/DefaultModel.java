package org.sparsemixer.loader;

import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/** The embedded default model of {@code run}: Sparse Mixer Base, vocab 32000, seeded random weights. */
public final class DefaultModel {
    public static final int VOCAB_SIZE = 32000;
    public static final long SEED = 42L;

    private DefaultModel() {
    }

    public static SparseMixerConfig config() {
        return SparseMixerConfig.base(VOCAB_SIZE);
    }

    /** The default weights; generation uses {@code threads} threads (the values do not depend on it). */
    public static RandomWeights weights(int threads) {
        return new RandomWeights(config(), SEED, threads);
    }

    public static SparseMixerEncoder create(EncoderOptions options) {
        try (RandomWeights weights = weights(options.threads())) {
            return SparseMixerEncoder.create(config(), weights, options);
        }
    }
}
