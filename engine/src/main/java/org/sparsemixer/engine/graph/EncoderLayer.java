package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.Stage;
import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.LayerNorm;

/**
 * One block of the encoder (SPEC section 3):
 * <pre>
 * post-norm                         pre-norm
 * a = LN_att(x + mix(x))            a = x + mix(q = LN_att(x), kv = x)
 * dense: out = LN_out(a + ffn(a))   dense: out = a + ffn(LN_out(a))
 * MoE:   out = moe(a)               MoE:   out = a + moe(LN_out(a))
 * </pre>
 * Post-norm MoE layers have neither residual nor output layer norm (TensorFlow's quirk), so a token no
 * expert took leaves the layer as zeros; their {@code outputGamma} and {@code outputBeta} are null. Exactly
 * one of {@code feedForward} and {@code moe} is set.
 */
final class EncoderLayer {
    private final boolean normFirst;
    private final int hidden;
    private final TokenMixer mixer;
    private final float[] attentionGamma;
    private final float[] attentionBeta;
    private final FeedForward feedForward;
    private final MixtureOfExperts moe;
    private final float[] outputGamma;
    private final float[] outputBeta;
    private final Stage mixStage;

    EncoderLayer(boolean normFirst, int hidden, TokenMixer mixer, float[] attentionGamma, float[] attentionBeta,
                 FeedForward feedForward, MixtureOfExperts moe, float[] outputGamma, float[] outputBeta) {
        if ((feedForward == null) == (moe == null)) {
            throw new IllegalArgumentException("a layer has either a dense feed-forward or a mixture of experts");
        }
        this.normFirst = normFirst;
        this.hidden = hidden;
        this.mixer = mixer;
        this.attentionGamma = attentionGamma;
        this.attentionBeta = attentionBeta;
        this.feedForward = feedForward;
        this.moe = moe;
        this.outputGamma = outputGamma;
        this.outputBeta = outputBeta;
        this.mixStage = mixer instanceof MultiHeadAttention ? Stage.ATTENTION : Stage.MIXING;
    }

    /** {@code out} [B * S, H] = this layer applied to {@code x}; {@code mask} [B * S]. */
    void forward(ComputePool pool, Workspace ws, float[] x, int[] mask, int batch, int rows, float[] out) {
        int size = rows * hidden;
        float[] a = ws.get(Workspace.Buffer.RESIDUAL, size);
        float[] mixed = ws.get(Workspace.Buffer.MIXED, size);
        ws.begin();
        if (normFirst) {
            float[] normed = ws.get(Workspace.Buffer.NORMED, size);
            LayerNorm.apply(pool, x, null, attentionGamma, attentionBeta, normed, rows, hidden);
            ws.end(Stage.NORMS_AND_RESIDUALS);
            mixer.mix(pool, ws, normed, x, mask, batch, mixed);
            ws.end(mixStage);
            for (int i = 0; i < size; i++) {
                a[i] = x[i] + mixed[i];
            }
            // 'normed' is free again: it holds LN_out(a)
            LayerNorm.apply(pool, a, null, outputGamma, outputBeta, normed, rows, hidden);
            ws.end(Stage.NORMS_AND_RESIDUALS);
            if (moe != null) {
                moe.forward(pool, ws, normed, rows, out);
                for (int i = 0; i < size; i++) {
                    out[i] = a[i] + out[i];
                }
                ws.end(Stage.NORMS_AND_RESIDUALS);
            } else {
                feedForward.forward(pool, ws, normed, rows, a, out);
                ws.end(Stage.FEED_FORWARD);
            }
        } else {
            mixer.mix(pool, ws, x, x, mask, batch, mixed);
            ws.end(mixStage);
            LayerNorm.apply(pool, x, mixed, attentionGamma, attentionBeta, a, rows, hidden);
            ws.end(Stage.NORMS_AND_RESIDUALS);
            if (moe != null) {
                moe.forward(pool, ws, a, rows, out);
            } else {
                feedForward.forward(pool, ws, a, rows, a, mixed);
                ws.end(Stage.FEED_FORWARD);
                LayerNorm.apply(pool, mixed, null, outputGamma, outputBeta, out, rows, hidden);
                ws.end(Stage.NORMS_AND_RESIDUALS);
            }
        }
    }
}
