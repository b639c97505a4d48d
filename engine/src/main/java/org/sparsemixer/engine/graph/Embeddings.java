package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.LayerNorm;
import org.sparsemixer.engine.kernels.PackedMatrix;

/**
 * {@code LN(word[id] + position[t] + type[type_id])} at width W, then the projection to H when W != H.
 * Dense tokens follow the word tokens and take the place of {@code word[id]}.
 */
final class Embeddings {
    private final int width;
    private final int hidden;
    private final float[] word;
    private final float[] position;
    private final float[] type;
    private final float[] gamma;
    private final float[] beta;
    private final PackedMatrix projection;
    private final float[] projectionBias;

    Embeddings(SparseMixerConfig config, Weights weights) {
        width = config.embeddingWidth();
        hidden = config.hiddenSize();
        word = weights.floats(ModelLayout.WORD_EMBEDDINGS);
        position = weights.floats(ModelLayout.POSITION_EMBEDDINGS);
        type = weights.floats(ModelLayout.TYPE_EMBEDDINGS);
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
                float[] token;
                int tokenOffset;
                int typeId;
                if (t < sw) {
                    token = word;
                    tokenOffset = input.wordIds()[b * sw + t] * width;
                    typeId = input.typeIds()[b * sw + t];
                } else {
                    token = input.denseInputs();
                    tokenOffset = (b * sd + t - sw) * width;
                    typeId = input.denseTypeIds()[b * sd + t - sw];
                }
                int o = row * width;
                for (int j = 0; j < width; j++) {
                    sum[o + j] = token[tokenOffset + j] + position[t * width + j] + type[typeId * width + j];
                }
                LayerNorm.row(sum, null, o, gamma, beta, sum, width);
            }
        });
        if (projection != null) {
            Gemm.multiply(pool, sum, 0, width, batch * s, projection, out, 0, hidden, Epilogue.bias(projectionBias));
        }
    }
}
