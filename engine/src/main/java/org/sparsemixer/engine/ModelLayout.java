package org.sparsemixer.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weight tensors a config needs (SPEC section 2): Keras variable names without ":0", and shapes.
 * The one place that knows the export layout; the loader checks files against it and the encoder
 * reads weights by these names.
 */
public final class ModelLayout {
    public static final String WORD_EMBEDDINGS = "word_embeddings/embeddings";
    public static final String POSITION_EMBEDDINGS = "position_embedding/embeddings";
    public static final String TYPE_EMBEDDINGS = "type_embeddings/embeddings";
    public static final String EMBEDDING_LN = "embeddings/layer_norm/";
    public static final String EMBEDDING_PROJECTION = "embedding_projection/";
    public static final String POOLER = "pooler_transform/";

    /**
     * Every name a layout of any config may hold (the names of {@link #expectedTensors} for all configs, and
     * of {@link #unusedOptionalTensors}): recognises the encoder's weights among other variables.
     */
    public static final java.util.regex.Pattern ANY_LAYOUT_NAME = java.util.regex.Pattern.compile(
            "word_embeddings/embeddings|position_embedding/embeddings|type_embeddings/embeddings"
            + "|embeddings/layer_norm/(gamma|beta)|embedding_projection/(kernel|bias)|pooler_transform/(kernel|bias)"
            + "|transformer/layer_(0|[1-9][0-9]{0,8})/(linear_transform/(hidden_kernel|seq_kernel)"
            + "|self_attention/(query|key|value|attention_output)/(kernel|bias)"
            + "|(self_attention_layer_norm|output_layer_norm)/(gamma|beta)|(intermediate|output)/(kernel|bias)"
            + "|moe/router/router_weights/(kernel|bias)|moe/experts/(intermediate|output)/(kernel|bias))");

    private ModelLayout() {
    }

    /** Prefix of layer {@code i}'s tensors, e.g. "transformer/layer_3/". */
    public static String layerPrefix(int layer) {
        return "transformer/layer_" + layer + "/";
    }

    /** Every tensor the config needs, in a stable order, with its shape. */
    public static Map<String, int[]> expectedTensors(SparseMixerConfig c) {
        int w = c.embeddingWidth();
        int h = c.hiddenSize();
        int s = c.maxSequenceLength();
        int n = c.numAttentionHeads();
        int d = c.headSize();
        int f = c.innerDim();
        int e = c.numExperts();
        Map<String, int[]> t = new LinkedHashMap<>();
        t.put(WORD_EMBEDDINGS, new int[] {c.vocabSize(), w});
        t.put(POSITION_EMBEDDINGS, new int[] {s, w});
        t.put(TYPE_EMBEDDINGS, new int[] {c.typeVocabSize(), w});
        t.put(EMBEDDING_LN + "gamma", new int[] {w});
        t.put(EMBEDDING_LN + "beta", new int[] {w});
        if (c.hasEmbeddingProjection()) {
            t.put(EMBEDDING_PROJECTION + "kernel", new int[] {w, h});
            t.put(EMBEDDING_PROJECTION + "bias", new int[] {h});
        }
        for (int i = 0; i < c.numLayers(); i++) {
            String p = layerPrefix(i);
            if (c.isAttentionLayer(i)) {
                for (String proj : new String[] {"query", "key", "value"}) {
                    t.put(p + "self_attention/" + proj + "/kernel", new int[] {h, n, d});
                    t.put(p + "self_attention/" + proj + "/bias", new int[] {n, d});
                }
                t.put(p + "self_attention/attention_output/kernel", new int[] {n, d, h});
                t.put(p + "self_attention/attention_output/bias", new int[] {h});
            } else if (c.mixingMechanism() == MixingMechanism.LINEAR) {
                t.put(p + "linear_transform/hidden_kernel", new int[] {h, h});
                t.put(p + "linear_transform/seq_kernel", new int[] {s, s});
            }
            t.put(p + "self_attention_layer_norm/gamma", new int[] {h});
            t.put(p + "self_attention_layer_norm/beta", new int[] {h});
            if (c.isMoeLayer(i)) {
                t.put(p + "moe/router/router_weights/kernel", new int[] {h, e});
                t.put(p + "moe/router/router_weights/bias", new int[] {e});
                t.put(p + "moe/experts/intermediate/kernel", new int[] {e, h, f});
                t.put(p + "moe/experts/intermediate/bias", new int[] {e, f});
                t.put(p + "moe/experts/output/kernel", new int[] {e, f, h});
                t.put(p + "moe/experts/output/bias", new int[] {e, h});
            } else {
                t.put(p + "intermediate/kernel", new int[] {h, f});
                t.put(p + "intermediate/bias", new int[] {f});
                t.put(p + "output/kernel", new int[] {f, h});
                t.put(p + "output/bias", new int[] {h});
            }
            if (hasOutputLayerNorm(c, i)) {
                t.put(p + "output_layer_norm/gamma", new int[] {h});
                t.put(p + "output_layer_norm/beta", new int[] {h});
            }
        }
        t.put(POOLER + "kernel", new int[] {h, h});
        t.put(POOLER + "bias", new int[] {h});
        return Collections.unmodifiableMap(t);
    }

    /**
     * Whether layer {@code i} uses its output layer norm: every dense layer, and MoE layers of pre-norm
     * models. A post-norm MoE layer never calls it, so Keras never builds it and TensorFlow checkpoints have
     * no such weights (SPEC section 2).
     */
    public static boolean hasOutputLayerNorm(SparseMixerConfig c, int layer) {
        return c.normFirst() || !c.isMoeLayer(layer);
    }

    /**
     * Tensors a model directory may hold although the config does not use them: the output layer norm of
     * post-norm MoE layers, which older exports wrote. Accepted when their shape is right, never read.
     */
    public static Map<String, int[]> unusedOptionalTensors(SparseMixerConfig c) {
        Map<String, int[]> t = new LinkedHashMap<>();
        for (int i = 0; i < c.numLayers(); i++) {
            if (!hasOutputLayerNorm(c, i)) {
                t.put(layerPrefix(i) + "output_layer_norm/gamma", new int[] {c.hiddenSize()});
                t.put(layerPrefix(i) + "output_layer_norm/beta", new int[] {c.hiddenSize()});
            }
        }
        return Collections.unmodifiableMap(t);
    }

    /**
     * Whether a stored shape is acceptable for a layout tensor of shape {@code layout}: the same shape, or,
     * for the expert biases, TensorFlow's [E, 1, F] / [E, 1, H] (EinsumDense's bias over its output spec),
     * which holds the same values in the same order.
     */
    public static boolean acceptsShape(String name, int[] layout, int[] stored) {
        if (java.util.Arrays.equals(layout, stored)) {
            return true;
        }
        return isExpertBias(name) && layout.length == 2 && stored.length == 3
                && stored[0] == layout[0] && stored[1] == 1 && stored[2] == layout[1];
    }

    /** The stacked expert biases ({@code moe/experts/intermediate/bias}, {@code moe/experts/output/bias}). */
    public static boolean isExpertBias(String name) {
        return name.endsWith("/moe/experts/intermediate/bias") || name.endsWith("/moe/experts/output/bias");
    }

    /** Number of elements of a shape, checked against overflow. */
    public static long elementCount(int[] shape) {
        long count = 1;
        for (int dim : shape) {
            count = Math.multiplyExact(count, (long) dim);
        }
        return count;
    }
}
