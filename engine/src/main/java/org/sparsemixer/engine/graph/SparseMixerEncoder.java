package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;

/** STUB: replaced by the real forward pass. */
public final class SparseMixerEncoder implements AutoCloseable {
    private final SparseMixerConfig config;

    private SparseMixerEncoder(SparseMixerConfig config) {
        this.config = config;
    }

    public static SparseMixerEncoder create(SparseMixerConfig config, TensorSource weights, EncoderOptions options) {
        return new SparseMixerEncoder(config);
    }

    public SparseMixerConfig config() {
        return config;
    }

    public EncoderOutput encode(EncoderInput input) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {
    }
}
