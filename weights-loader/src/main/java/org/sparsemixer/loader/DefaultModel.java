package org.sparsemixer.loader;

import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/**
 * The embedded default model of {@code run}: Sparse Mixer Base, vocab 32000, seeded random weights. It is
 * the model {@code init --config base} writes with the default seed: {@link #config()} equals
 * {@code ModelPresets.base()} and the weights are {@link RandomWeights} with {@link #SEED}.
 */
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

    /** The default model with its weights kept in the options' weight precision. */
    public static SparseMixerEncoder create(EncoderOptions options) {
        return create(options, WeightDType.of(options.weightPrecision()));
    }

    /**
     * The default model with every weight rounded to {@code precision} (see {@link WeightDType}), then kept
     * in the options' weight precision.
     */
    public static SparseMixerEncoder create(EncoderOptions options, WeightDType precision) {
        try (RandomWeights weights = weights(options.threads())) {
            return SparseMixerEncoder.create(config(), precision.rounding(weights), options);
        }
    }
}
