package org.sparsemixer.engine.graph;

import java.util.Arrays;
import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.HeapAlignment;
import org.sparsemixer.engine.kernels.MatrixView;
import org.sparsemixer.engine.kernels.PackedMatrix;
import org.sparsemixer.engine.kernels.Softmax;

/**
 * Keras MultiHeadAttention: per head, {@code softmax((q / sqrt(D)) k^T + maskPenalty) v}, then the
 * output projection. The [H, N, D] kernels are read as [H, N*D] matrices, so the heads of Q and of the
 * context sit side by side in rows of width H, those of K and then V in rows of width 2H.
 */
final class MultiHeadAttention implements TokenMixer {
    /** Query rows whose scores are computed, normalized and applied together (192 KB of scores at S = 512). */
    private static final int QUERY_BLOCK = 96;

    private final int sequenceLength;
    private final int hidden;
    private final int heads;
    private final int headSize;
    private final PackedMatrix query;
    private final float[] queryBias;
    private final PackedMatrix keyValue;
    private final float[] keyValueBias;
    private final PackedMatrix output;
    private final float[] outputBias;
    private final ThreadScratch scoreScratch = new ThreadScratch();
    private final ThreadScratch keyScratch = new ThreadScratch();
    private final ThreadScratch valueScratch = new ThreadScratch();

    MultiHeadAttention(int sequenceLength, int heads, Weights weights, String prefix, int hidden) {
        this.sequenceLength = sequenceLength;
        this.hidden = hidden;
        this.heads = heads;
        this.headSize = hidden / heads;
        String p = prefix + "self_attention/";
        // Keras scales the projected query by 1/sqrt(D); folding the scale into the query kernel and
        // bias at load saves a pass over Q on every call. (A 16-bit query kernel keeps the rounded weights and
        // applies the scale while widening: the same float products, bit for bit.)
        float scale = (float) (1.0 / Math.sqrt(headSize));
        query = weights.scaledMatrix(p + "query/kernel", hidden, hidden, scale);
        queryBias = scaled(weights.floats(p + "query/bias"), scale);
        // K and V project the same input: one product with their kernels side by side, [H, 2H].
        keyValue = weights.sideBySide(p + "key/kernel", p + "value/kernel", hidden, hidden);
        float[] kb = weights.floats(p + "key/bias");
        float[] vb = weights.floats(p + "value/bias");
        keyValueBias = Arrays.copyOf(kb, 2 * hidden);
        System.arraycopy(vb, 0, keyValueBias, hidden, hidden);
        output = weights.matrix(p + "attention_output/kernel", hidden, hidden);
        outputBias = weights.floats(p + "attention_output/bias");
    }

    @Override
    public void mix(ComputePool pool, Workspace ws, float[] x, float[] keyValue, int[] mask, int batch, float[] out) {
        int s = sequenceLength;
        int rows = batch * s;
        float[] q = ws.get(Workspace.Buffer.QUERY, rows * hidden);
        // row t of kv: the keys of token t, then its values
        float[] kv = ws.get(Workspace.Buffer.KEY_VALUE, rows * 2 * hidden);
        Gemm.multiply(pool, x, 0, hidden, rows, query, q, 0, hidden, Epilogue.bias(queryBias));
        Gemm.multiply(pool, keyValue, 0, hidden, rows, this.keyValue, kv, 0, 2 * hidden, Epilogue.bias(keyValueBias));
        float[] context = ws.get(Workspace.Buffer.CONTEXT, rows * hidden);
        pool.forEachIndex(batch * heads, bh -> {
            int b = bh / heads;
            int h = bh % heads;
            int base = b * s * hidden + h * headSize;
            int kvBase = b * s * 2 * hidden + h * headSize;
            // K^T and V of the head are packed once; then blocks of query rows go through scores, softmax and
            // P x V while their scores are in L2 (the whole [S, S] score matrix would pass through L3 three times).
            PackedMatrix keysT = PackedMatrix.packScratch(
                    new MatrixView(kv, kvBase, s, headSize, 2 * hidden, 1).transpose(),
                    keyScratch.get(PackedMatrix.scratchSize(headSize, s)));
            PackedMatrix values = PackedMatrix.packScratch(new MatrixView(kv, kvBase + hidden, s, headSize, 2 * hidden, 1),
                    valueScratch.get(PackedMatrix.scratchSize(s, headSize)));
            // the scores from a cache line (HeapAlignment): whole-line vectors for softmax's three passes
            int start = HeapAlignment.FLOAT_ARRAY_LINE_START;
            float[] scores = scoreScratch.get(start + Math.min(QUERY_BLOCK, s) * s);
            for (int r0 = 0; r0 < s; r0 += QUERY_BLOCK) {
                int n = Math.min(QUERY_BLOCK, s - r0);
                Gemm.multiply(q, base + r0 * hidden, hidden, n, keysT, scores, start, s, Epilogue.none());
                Softmax.maskedRows(scores, start, n, s, mask, b * s);
                Gemm.multiply(scores, start, s, n, values, context, base + r0 * hidden, hidden, Epilogue.none());
            }
        });
        Gemm.multiply(pool, context, 0, hidden, rows, output, out, 0, hidden, Epilogue.bias(outputBias));
    }

    /** A scaled copy: the weight source may hand out arrays it keeps. */
    private static float[] scaled(float[] values, float scale) {
        float[] copy = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            copy[i] = values[i] * scale;
        }
        return copy;
    }
}
