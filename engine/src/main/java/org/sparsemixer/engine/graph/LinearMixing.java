package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.PackedMatrix;

/**
 * {@code out[b] = seq_kernel @ x[b] @ hidden_kernel} (ignores the mask, as TensorFlow's layer does).
 * <p>
 * Example by example, the hidden product writes its [S, H] result straight into the panels the sequence
 * product reads as its B ({@link Gemm#multiplyIntoPanels}), and the sequence product writes the example's rows
 * of the output: nothing is packed or copied between them. (Before, the hidden products filled one [S, B H]
 * matrix for a single sequence product over the whole batch, which packed that matrix and then copied its
 * result back to [B, S, H]; bench/README.md has the figures.)
 */
final class LinearMixing implements TokenMixer {
    private final int sequenceLength;
    private final int hidden;
    private final PackedMatrix hiddenKernel;
    private final float[] seqKernel;

    LinearMixing(int sequenceLength, int hidden, PackedMatrix hiddenKernel, float[] seqKernel) {
        this.sequenceLength = sequenceLength;
        this.hidden = hidden;
        this.hiddenKernel = hiddenKernel;
        this.seqKernel = seqKernel;
    }

    @Override
    public void mix(ComputePool pool, Workspace ws, float[] query, float[] keyValue, int[] mask, int batch, float[] out) {
        int s = sequenceLength;
        int h = hidden;
        float[] panels = ws.get(Workspace.Buffer.PROJECTED, PackedMatrix.scratchSize(s, h));
        for (int b = 0; b < batch; b++) {
            PackedMatrix projected = Gemm.multiplyIntoPanels(pool, query, b * s * h, h, s, hiddenKernel, panels);
            Gemm.multiply(pool, seqKernel, 0, s, s, projected, out, b * s * h, h, Epilogue.none());
        }
    }
}
