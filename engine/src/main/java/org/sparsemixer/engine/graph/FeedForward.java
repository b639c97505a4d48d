package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.PackedMatrix;

/** {@code ffn(a) = gelu(a @ intermediate + b1) @ output + b2}; the dense layer's FFN and each expert. */
final class FeedForward {
    private final PackedMatrix intermediate;
    private final float[] intermediateBias;
    private final PackedMatrix output;
    private final float[] outputBias;

    FeedForward(PackedMatrix intermediate, float[] intermediateBias, PackedMatrix output, float[] outputBias) {
        this.intermediate = intermediate;
        this.intermediateBias = intermediateBias;
        this.output = output;
        this.outputBias = outputBias;
    }

    int hidden() {
        return intermediate.rows();
    }

    int inner() {
        return intermediate.cols();
    }

    /**
     * {@code out[r] = ffn(x[r]) (+ residual[r])} for {@code rows} contiguous rows of width H;
     * {@code residual} may be null.
     */
    void forward(ComputePool pool, Workspace ws, float[] x, int rows, float[] residual, float[] out) {
        forward(pool, x, 0, rows, ws.get(Workspace.Buffer.INNER, rows * inner()), residual, out, 0);
    }

    /**
     * The same on rows starting at {@code x[xOffset]}, written from {@code out[outOffset]}, with the
     * caller's {@code inner} buffer (at least rows x F) for the activations between the two products.
     */
    void forward(ComputePool pool, float[] x, int xOffset, int rows, float[] inner, float[] residual,
                 float[] out, int outOffset) {
        int h = hidden();
        Gemm.multiply(pool, x, xOffset, h, rows, intermediate, inner, 0, inner(), Epilogue.biasGelu(intermediateBias));
        Epilogue last = residual == null ? Epilogue.bias(outputBias) : Epilogue.biasResidual(outputBias, residual, 0, h);
        Gemm.multiply(pool, inner, 0, inner(), rows, output, out, outOffset, h, last);
    }
}
