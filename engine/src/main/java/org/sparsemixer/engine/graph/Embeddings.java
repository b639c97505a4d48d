package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.LayerNorm;
import org.sparsemixer.engine.kernels.PackedMatrix;
import org.sparsemixer.engine.kernels.WeightTable;

/**
 * {@code LN(word[id] + position[t] + type[type_id])} at width W, then the projection to H when W != H.
 * Dense tokens follow the word tokens and take the place of {@code word[id]}.
 */
final class Embeddings {
    private final int width;
    private final int hidden;
    private final WeightTable word;
    private final WeightTable position;
    private final WeightTable type;
    private final float[] gamma;
    private final float[] beta;
    private final PackedMatrix projection;
    private final float[] projectionBias;

    Embeddings(SparseMixerConfig config, Weights weights) {
        width = config.embeddingWidth();
        hidden = config.hiddenSize();
        word = weights.table(ModelLayout.WORD_EMBEDDINGS);
        position = weights.table(ModelLayout.POSITION_EMBEDDINGS);
        type = weights.table(ModelLayout.TYPE_EMBEDDINGS);
        gamma = weights.floats(ModelLayout.EMBEDDING_LN + "gamma");
        beta = weights.floats(ModelLayout.EMBEDDING_LN + "beta");
        if (config.hasEmbeddingProjection()) {
            projection = weights.matrix(ModelLayout.EMBEDDING_PROJECTION + "kernel", width, hidden);
            projectionBias = weights.floats(ModelLayout.EMBEDDING_PROJECTION + "bias");
        } else {
            projection = null;
            projectionBias = null;
        }
    }

    /** Writes the [B * S, H] embedded sequence into {@code out}. Input ids are already validated. */
    void forward(ComputePool pool, Workspace ws, EncoderInput input, float[] out) {
        int batch = input.batchSize();
        int sw = input.wordLength();
        int sd = input.denseLength();
        int s = sw + sd;
        float[] sum = projection == null ? out : ws.get(Workspace.Buffer.EMBEDDING_SUM, batch * s * width);
        pool.forRange(batch * s, 16, (from, to) -> {
            for (int row = from; row < to; row++) {
                int b = row / s;
                int t = row % s;
                int o = row * width;
                int typeId;
                if (t < sw) {
                    word.copyTo(input.wordIds()[b * sw + t] * width, sum, o, width);
                    typeId = input.typeIds()[b * sw + t];
                } else {
                    System.arraycopy(input.denseInputs(), (b * sd + t - sw) * width, sum, o, width);
                    typeId = input.denseTypeIds()[b * sd + t - sw];
                }
                // (token + position) + type, one float addition at a time
                position.addTo(t * width, sum, o, width);
                type.addTo(typeId * width, sum, o, width);
                LayerNorm.row(sum, null, o, gamma, beta, sum, width);
            }
        });
        if (projection != null) {
            Gemm.multiply(pool, sum, 0, width, batch * s, projection, out, 0, hidden, Epilogue.bias(projectionBias));
        }
    }
}
