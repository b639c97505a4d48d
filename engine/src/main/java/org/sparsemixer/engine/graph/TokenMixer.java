package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.kernels.ComputePool;

/** The sublayer that moves information between tokens: linear, Fourier or Hartley mixing, or attention. */
interface TokenMixer {
    /**
     * Writes {@code mix(query, keyValue)} for a batch of {@code batch} sequences of S tokens into
     * {@code out} [B * S, H]. Only attention reads {@code keyValue} and {@code mask} (mask 1 = key
     * visible, [B * S]); the mixings ignore the mask, as TensorFlow's do.
     */
    void mix(ComputePool pool, Workspace ws, float[] query, float[] keyValue, int[] mask, int batch, float[] out);
}
