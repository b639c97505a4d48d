package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.MatrixView;
import org.sparsemixer.engine.kernels.PackedMatrix;

/**
 * {@code out[b] = seq_kernel @ x[b] @ hidden_kernel} (ignores the mask, as TensorFlow's layer does).
 * <p>
 * The hidden product writes example b's rows into columns [b H, (b + 1) H) of a [S, B H] matrix, so
 * the sequence product is one GEMM for the whole batch, {@code seq_kernel [S, S] x [S, B H]}, instead
 * of one small product per example; its result is then laid back out as [B, S, H].
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
        int wide = batch * h;
        MatrixView seq = MatrixView.rowMajor(seqKernel, 0, s, s);
        if (batch == 1) {
            float[] projected = ws.get(Workspace.Buffer.PROJECTED, s * h);
            Gemm.multiply(pool, query, 0, h, s, hiddenKernel, projected, 0, h, Epilogue.none());
            Gemm.multiply(pool, seq, MatrixView.rowMajor(projected, 0, s, h), MatrixView.rowMajor(out, 0, s, h));
            return;
        }
        float[] projected = ws.get(Workspace.Buffer.PROJECTED, s * wide);
        for (int b = 0; b < batch; b++) {
            Gemm.multiply(pool, query, b * s * h, h, s, hiddenKernel, projected, b * h, wide, Epilogue.none());
        }
        float[] mixed = ws.get(Workspace.Buffer.SEQUENCE_MAJOR, s * wide);
        Gemm.multiply(pool, seq, MatrixView.rowMajor(projected, 0, s, wide), MatrixView.rowMajor(mixed, 0, s, wide));
        pool.forRange(batch * s, 64, (from, to) -> {
            for (int row = from; row < to; row++) {
                int b = row / s;
                int t = row % s;
                System.arraycopy(mixed, t * wide + b * h, out, row * h, h);
            }
        });
    }
}
