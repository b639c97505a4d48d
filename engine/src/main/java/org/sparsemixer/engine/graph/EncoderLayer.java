package org.sparsemixer.engine.graph;

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
 * expert took leaves the layer as zeros. Exactly one of {@code feedForward} and {@code moe} is set.
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
    }

    /** {@code out} [B * S, H] = this layer applied to {@code x}; {@code mask} [B * S]. */
    void forward(ComputePool pool, float[] x, int[] mask, int batch, float[] out) {
        int rows = x.length / hidden;
        float[] a = new float[x.length];
        float[] mixed = new float[x.length];
        if (normFirst) {
            float[] normed = new float[x.length];
            LayerNorm.apply(pool, x, null, attentionGamma, attentionBeta, normed, rows, hidden);
            mixer.mix(pool, normed, x, mask, batch, mixed);
            for (int i = 0; i < a.length; i++) {
                a[i] = x[i] + mixed[i];
            }
            // 'normed' is free again: it holds LN_out(a)
            LayerNorm.apply(pool, a, null, outputGamma, outputBeta, normed, rows, hidden);
            if (moe != null) {
                moe.forward(pool, normed, rows, out);
                for (int i = 0; i < out.length; i++) {
                    out[i] = a[i] + out[i];
                }
            } else {
                feedForward.forward(pool, normed, rows, a, out);
            }
        } else {
            mixer.mix(pool, x, x, mask, batch, mixed);
            LayerNorm.apply(pool, x, mixed, attentionGamma, attentionBeta, a, rows, hidden);
            if (moe != null) {
                moe.forward(pool, a, rows, out);
            } else {
                feedForward.forward(pool, a, rows, a, mixed);
                LayerNorm.apply(pool, mixed, null, outputGamma, outputBeta, out, rows, hidden);
            }
        }
    }
}
