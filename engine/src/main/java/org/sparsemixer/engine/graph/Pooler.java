package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.kernels.Activations;
import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.PackedMatrix;

/** {@code pooled = tanh(sequence_output[:, 0, :] @ kernel + bias)}. */
final class Pooler {
    private final PackedMatrix kernel;
    private final float[] bias;

    Pooler(PackedMatrix kernel, float[] bias) {
        this.kernel = kernel;
        this.bias = bias;
    }

    float[] forward(ComputePool pool, float[] sequence, int batch, int sequenceLength) {
        int hidden = kernel.rows();
        float[] pooled = new float[batch * hidden];
        // The first token of every example: rows 0, S, 2S, ... read in place via the row stride.
        Gemm.multiply(pool, sequence, 0, sequenceLength * hidden, batch, kernel, pooled, 0, hidden, Epilogue.bias(bias));
        // The scalar twin (the same bits): this one call's few vectors are too rare for C2 to compile the vector
        // form, which then ran as the Vector API's allocating Java fallback (C1 at best).
        Activations.tanhScalar(pooled, 0, pooled.length);
        return pooled;
    }
}
