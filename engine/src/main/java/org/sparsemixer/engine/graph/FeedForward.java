package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.HeapAlignment;
import org.sparsemixer.engine.kernels.PackedMatrix;
import org.sparsemixer.engine.kernels.StreamedGemm;
import org.sparsemixer.engine.kernels.StreamedMatrix;

/**
 * {@code ffn(a) = gelu(a @ intermediate + b1) @ output + b2}; the dense layer's FFN and each expert. An
 * expert's F32 weights are held as {@link StreamedMatrix} instead: its few tokens meet weights that come from
 * memory on every call, and {@link StreamedGemm} reads them at the rate it computes (same results, bit for bit).
 */
final class FeedForward {
    /** Per-thread A^T, gelu(A x W1 + b1)^T and the output^T of the streamed form. */
    private static final ThreadScratch TOKENS_T = new ThreadScratch();
    private static final ThreadScratch INNER_T = new ThreadScratch();
    private static final ThreadScratch OUT_T = new ThreadScratch();

    private final PackedMatrix intermediate;
    private final float[] intermediateBias;
    private final PackedMatrix output;
    private final float[] outputBias;
    private final StreamedMatrix streamedIntermediate;
    private final StreamedMatrix streamedOutput;

    FeedForward(PackedMatrix intermediate, float[] intermediateBias, PackedMatrix output, float[] outputBias) {
        this.intermediate = intermediate;
        this.intermediateBias = intermediateBias;
        this.output = output;
        this.outputBias = outputBias;
        this.streamedIntermediate = null;
        this.streamedOutput = null;
    }

    /** An expert whose weights stream ({@link StreamedGemm}); {@link #forward} then takes no residual. */
    FeedForward(StreamedMatrix intermediate, float[] intermediateBias, StreamedMatrix output, float[] outputBias) {
        this.intermediate = null;
        this.intermediateBias = intermediateBias;
        this.output = null;
        this.outputBias = outputBias;
        this.streamedIntermediate = intermediate;
        this.streamedOutput = output;
    }

    /** Whether {@link #forward} needs the caller's buffer for the activations between the two products. */
    boolean needsInner() {
        return streamedIntermediate == null;
    }

    int hidden() {
        return intermediate != null ? intermediate.rows() : streamedIntermediate.rows();
    }

    int inner() {
        return intermediate != null ? intermediate.cols() : streamedIntermediate.cols();
    }

    /**
     * Floats of the buffer {@link #forward} needs for {@code rows} rows between the two products: they begin at
     * a cache line when objects are 64-byte aligned ({@link HeapAlignment}), which makes the 512-bit stores of
     * the first product and the epilogue's loads whole lines (the feed-forward 2 % faster at batch 8).
     */
    int innerSize(int rows) {
        return HeapAlignment.FLOAT_ARRAY_LINE_START + rows * inner();
    }

    /**
     * {@code out[r] = ffn(x[r]) (+ residual[r])} for {@code rows} contiguous rows of width H;
     * {@code residual} may be null.
     */
    void forward(ComputePool pool, Workspace ws, float[] x, int rows, float[] residual, float[] out) {
        forward(pool, x, 0, rows, ws.get(Workspace.Buffer.INNER, innerSize(rows)), residual, out, 0);
    }

    /**
     * The same on rows starting at {@code x[xOffset]}, written from {@code out[outOffset]}, with the
     * caller's {@code inner} buffer ({@link #innerSize} floats) for the activations between the two products
     * (null when {@link #needsInner} is false: the streamed form keeps its own, transposed).
     */
    void forward(ComputePool pool, float[] x, int xOffset, int rows, float[] inner, float[] residual,
                 float[] out, int outOffset) {
        int h = hidden();
        if (streamedIntermediate != null) {
            forwardStreamed(pool, x, xOffset, rows, residual, out, outOffset);
            return;
        }
        int start = HeapAlignment.FLOAT_ARRAY_LINE_START;
        Gemm.multiply(pool, x, xOffset, h, rows, intermediate, inner, start, inner(), Epilogue.biasGelu(intermediateBias));
        Epilogue last = residual == null ? Epilogue.bias(outputBias) : Epilogue.biasResidual(outputBias, residual, 0, h);
        Gemm.multiply(pool, inner, start, inner(), rows, output, out, outOffset, h, last);
    }

    /** The streamed form: rows transposed into blocks, the two products chained in transposed form, rows back. */
    private void forwardStreamed(ComputePool pool, float[] x, int xOffset, int rows, float[] residual, float[] out,
                                 int outOffset) {
        if (residual != null) {
            throw new IllegalStateException("a streamed expert adds no residual");
        }
        int h = hidden();
        int f = inner();
        float[] tokensT = TOKENS_T.get(StreamedGemm.transposedSize(rows, h));
        float[] innerT = INNER_T.get(StreamedGemm.transposedSize(rows, f));
        float[] outT = OUT_T.get(StreamedGemm.transposedSize(rows, h));
        StreamedGemm.transposeIn(x, xOffset, rows, h, tokensT);
        StreamedGemm.multiply(pool, tokensT, rows, streamedIntermediate, intermediateBias, true, innerT);
        StreamedGemm.multiply(pool, innerT, rows, streamedOutput, outputBias, false, outT);
        StreamedGemm.transposeOut(outT, rows, h, out, outOffset);
    }
}
