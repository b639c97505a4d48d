package org.sparsemixer.engine;

/**
 * Floating-point operations of one forward pass, counting a multiply-add as 2 and only the matrix
 * products (element-wise work is a few percent and depends on the kernels). Spectral mixing is counted
 * as the DFT-matrix products the {@code use_fft = false} path performs.
 */
public final class FlopCount {
    private FlopCount() {
    }

    /** FLOPs for a batch of {@code batch} sequences of {@code max_sequence_length} tokens. */
    public static double forward(SparseMixerConfig c, int batch) {
        double s = c.maxSequenceLength();
        double h = c.hiddenSize();
        double f = c.innerDim();
        double tokens = s * batch;
        double total = 0;
        if (c.hasEmbeddingProjection()) {
            total += 2 * tokens * c.embeddingWidth() * h;
        }
        for (int i = 0; i < c.numLayers(); i++) {
            if (c.isAttentionLayer(i)) {
                total += 4 * 2 * tokens * h * h;        // Q, K, V and output projections
                total += 2 * 2 * batch * s * s * h;     // scores and context, all heads
            } else if (c.mixingMechanism() == MixingMechanism.LINEAR) {
                total += 2 * tokens * h * h + 2 * batch * s * s * h;
            } else {
                total += 2 * (2 * tokens * h * h + 2 * batch * s * s * h);
            }
            if (c.isMoeLayer(i)) {
                double routed = (double) c.expertCapacity() * c.numExperts() * (tokens / c.tokensPerGroup());
                total += 2 * tokens * h * c.numExperts();  // router
                total += 2 * 2 * routed * h * f;           // expert FFNs on the tokens they took
            } else {
                total += 2 * 2 * tokens * h * f;
            }
        }
        total += 2 * batch * h * h;                        // pooler
        return total;
    }
}
