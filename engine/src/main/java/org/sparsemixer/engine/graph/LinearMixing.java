package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.MatrixView;
import org.sparsemixer.engine.kernels.PackedMatrix;

/** {@code out[b] = seq_kernel @ x[b] @ hidden_kernel} (ignores the mask, as TensorFlow's layer does). */
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
        float[] projected = ws.get(Workspace.Buffer.PROJECTED, batch * s * hidden);
        Gemm.multiply(pool, query, 0, hidden, batch * s, hiddenKernel, projected, 0, hidden, Epilogue.none());
        MatrixView seq = MatrixView.rowMajor(seqKernel, 0, s, s);
        for (int b = 0; b < batch; b++) {
            Gemm.multiply(pool, seq, MatrixView.rowMajor(projected, b * s * hidden, s, hidden),
                    MatrixView.rowMajor(out, b * s * hidden, s, hidden));
        }
    }
}
