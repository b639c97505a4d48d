package org.sparsemixer.server;

import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/** What the batcher calls to compute one merged batch (the model's encoder; tests wrap it to hold a call). */
@FunctionalInterface
public interface BatchEncoder {
    /** Encodes {@code input}; {@code withLayers} asks for every layer's output as well. */
    EncoderOutput encode(EncoderInput input, boolean withLayers);
}
