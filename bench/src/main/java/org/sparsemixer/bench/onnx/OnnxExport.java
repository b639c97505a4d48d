package org.sparsemixer.bench.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.bench.onnx.OnnxGraph.Attr;

/**
 * Writes an ONNX model (opset 20, standard ops only unless {@link Gelu#MS_FAST_GELU} is asked for)
 * that computes SPEC section 3 for one configuration and a fixed batch size: inputs
 * {@code input_word_ids}, {@code input_mask}, {@code input_type_ids} int32 [B, S]; outputs
 * {@code sequence_output} [B, S, H], {@code pooled_output} [B, H] and optionally
 * {@code encoder_outputs} [L, B, S, H]. Weights become float32 initializers read from the
 * {@link TensorSource} while the file is written.
 *
 * <p>Covered: embeddings (with the W != H projection), linear, Fourier and Hartley mixing (the
 * spectral ones as products with DFT cos/sin matrices), multi-head attention with the -1e9 additive
 * key mask, dense tanh-GELU feed-forward, expert-choice MoE (router softmax, TopK per group and
 * expert, Gather, batched expert MatMuls, then a one-hot combine MatMul weighted by the gates, or
 * ScatterND add), post- and pre-norm blocks,
 * the pooler. Not covered: dense inputs ({@code with_dense_inputs}).
 *
 * <p>Activations are kept as 2-D [B*S, H] matrices so that ONNX Runtime can fuse MatMul + bias into Gemm.
 */
public final class OnnxExport {
    /** How the tanh-approximate GELU is written. */
    public enum Gelu {
        /** ONNX opset-20 {@code Gelu(approximate="tanh")}. */
        ONNX,
        /** Spelled out with Mul/Add/Tanh (the pattern ORT's FastGelu fusion looks for). */
        SPELLED,
        /** ORT's contrib {@code com.microsoft.FastGelu} with the bias input (ORT-only). */
        MS_FAST_GELU
    }

    /** How the expert outputs are combined back into token order. */
    public enum Combine {
        /**
         * A one-hot combine tensor [G, E*C, T] (OneHot of the TopK indices times the gates) multiplied with the
         * expert outputs: one batched MatMul, deterministic and thread-safe. The default.
         */
        ONE_HOT,
        /**
         * {@code ScatterND(reduction="add")}. Correct by the ONNX spec, but ORT's CPU kernel (1.22) runs the
         * updates with a parallel-for and no atomics, so a token picked by several experts races when
         * intra-op threads > 1 and results are wrong at random. Only safe with one thread.
         */
        SCATTER_ND
    }

    /** Export options. */
    public record Options(int batch, boolean encoderOutputs, Gelu gelu, Combine combine) {
        public Options {
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be >= 1, got " + batch);
            }
        }

        public static Options batch(int batch) {
            return new Options(batch, false, Gelu.ONNX, Combine.ONE_HOT);
        }

        public Options withEncoderOutputs(boolean on) {
            return new Options(batch, on, gelu, combine);
        }

        public Options withGelu(Gelu g) {
            return new Options(batch, encoderOutputs, g, combine);
        }

        public Options withCombine(Combine c) {
            return new Options(batch, encoderOutputs, gelu, c);
        }
    }

    public static final long IR_VERSION = 9;
    public static final long OPSET = 20;

    private final SparseMixerConfig c;
    private final TensorSource source;
    private final Options options;
    private final Map<String, int[]> layout;
    private final OnnxGraph g = new OnnxGraph();
    private final int b;
    private final int s;
    private final int h;
    private final int rows;

    private OnnxExport(SparseMixerConfig config, TensorSource source, Options options) {
        if (config.withDenseInputs()) {
            throw new UnsupportedOperationException("with_dense_inputs is not covered by the ONNX export");
        }
        this.c = config;
        this.source = source;
        this.options = options;
        this.layout = ModelLayout.expectedTensors(config);
        this.b = options.batch();
        this.s = config.maxSequenceLength();
        this.h = config.hiddenSize();
        this.rows = b * s;
        if (!config.moeLayers().isEmpty()) {
            long t = config.tokensPerGroup();
            if (config.examplesPerGroup() > b || ((long) rows) % t != 0) {
                throw new IllegalArgumentException("batch " + b + " does not fit routing groups of " + t
                        + " tokens (examples_per_group " + config.examplesPerGroup() + ")");
            }
        }
    }

    /** Writes the model for {@code config} with weights from {@code source} to {@code file}. */
    public static void export(SparseMixerConfig config, TensorSource source, Options options, Path file)
            throws IOException {
        new OnnxExport(config, source, options).build().write(file, "sparse_mixer", IR_VERSION, OPSET);
    }

    private OnnxGraph build() {
        g.input(EncoderInput.INPUT_WORD_IDS, OnnxGraph.INT32, b, s);
        g.input(EncoderInput.INPUT_MASK, OnnxGraph.INT32, b, s);
        g.input(EncoderInput.INPUT_TYPE_IDS, OnnxGraph.INT32, b, s);

        String x = embeddings();
        String penalty = c.attentionLayers().isEmpty() ? null : maskPenalty();
        List<String> layerOutputs = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            x = layer(i, x, penalty);
            layerOutputs.add(x);
        }
        String seq = reshape(x, b, s, h);
        g.output(seq, EncoderOutput.SEQUENCE_OUTPUT, OnnxGraph.FLOAT, b, s, h);

        String first = g.op("Gather", new String[] {seq, g.int64Tensor(new long[0], new long[] {0})},
                Attr.i("axis", 1));
        String pooled = g.op("Tanh", new String[] {dense(first, ModelLayout.POOLER, h, h)});
        g.output(pooled, EncoderOutput.POOLED_OUTPUT, OnnxGraph.FLOAT, b, h);

        if (options.encoderOutputs()) {
            String[] unsq = new String[layerOutputs.size()];
            String axis0 = g.int64s(0);
            for (int i = 0; i < unsq.length; i++) {
                unsq[i] = g.op("Unsqueeze", new String[] {reshape(layerOutputs.get(i), b, s, h), axis0});
            }
            String all = g.op("Concat", unsq, Attr.i("axis", 0));
            g.output(all, EncoderOutput.ENCODER_OUTPUTS, OnnxGraph.FLOAT, c.numLayers(), b, s, h);
        }
        return g;
    }

    // ---- building blocks -------------------------------------------------------------------------

    private String weight(String name) {
        int[] shape = layout.get(name);
        if (shape == null) {
            throw new IllegalStateException("no tensor " + name + " in the layout of this config");
        }
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        return weight(name, dims);
    }

    /** The tensor {@code name} stored with {@code dims} (same element count as the layout shape). */
    private String weight(String name, long... dims) {
        int[] shape = layout.get(name);
        return g.floats(name.replace('/', '.'), dims, () -> source.floats(name, shape));
    }

    private String reshape(String x, long... dims) {
        return g.op("Reshape", new String[] {x, g.int64s(dims)});
    }

    private String transpose(String x, long... perm) {
        return g.op("Transpose", new String[] {x}, Attr.ints("perm", perm));
    }

    private String add(String x, String y) {
        return g.op("Add", new String[] {x, y});
    }

    private String mul(String x, String y) {
        return g.op("Mul", new String[] {x, y});
    }

    private String matmul(String x, String y) {
        return g.op("MatMul", new String[] {x, y});
    }

    /** {@code x @ prefix+"kernel" + prefix+"bias"}, kernel stored as [in, out]. */
    private String dense(String x, String prefix, int in, int out) {
        return add(matmul(x, weight(prefix + "kernel", in, out)), weight(prefix + "bias", out));
    }

    private String layerNorm(String x, String prefix) {
        return g.op("LayerNormalization", new String[] {x, weight(prefix + "gamma"), weight(prefix + "beta")},
                Attr.i("axis", -1), Attr.f("epsilon", 1e-12f));
    }

    /**
     * gelu(x @ kernel + bias) for any rank of x; kernel/bias already initializers, {@code vectorBias}
     * when the bias is 1-D (ORT's FastGelu only takes a 1-D bias input).
     */
    private String linearGelu(String x, String kernel, String bias, boolean vectorBias) {
        String mm = matmul(x, kernel);
        return switch (options.gelu()) {
            case ONNX -> g.op("Gelu", new String[] {add(mm, bias)}, Attr.s("approximate", "tanh"));
            case MS_FAST_GELU -> vectorBias
                    ? g.opIn(OnnxGraph.MS_DOMAIN, "FastGelu", new String[] {mm, bias})
                    : g.opIn(OnnxGraph.MS_DOMAIN, "FastGelu", new String[] {add(mm, bias)});
            case SPELLED -> {
                // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
                String y = add(mm, bias);
                String cube = mul(mul(y, y), y);
                String inner = add(y, mul(cube, g.scalar(0.044715f)));
                String t = g.op("Tanh", new String[] {mul(inner, g.scalar((float) Math.sqrt(2 / Math.PI)))});
                yield mul(mul(y, g.scalar(0.5f)), add(t, g.scalar(1f)));
            }
        };
    }

    // ---- the model ---------------------------------------------------------------------------------

    /** LN_emb(word[id] + position[t] + type[type_id]) [+ projection], as [B*S, H]. */
    private String embeddings() {
        int w = c.embeddingWidth();
        String word = g.op("Gather", new String[] {weight(ModelLayout.WORD_EMBEDDINGS), EncoderInput.INPUT_WORD_IDS});
        String type = g.op("Gather", new String[] {weight(ModelLayout.TYPE_EMBEDDINGS), EncoderInput.INPUT_TYPE_IDS});
        String sum = add(add(word, weight(ModelLayout.POSITION_EMBEDDINGS)), type);
        String e = reshape(layerNorm(sum, ModelLayout.EMBEDDING_LN), rows, w);
        if (c.hasEmbeddingProjection()) {
            e = dense(e, ModelLayout.EMBEDDING_PROJECTION, w, h);
        }
        return e;
    }

    /** (mask - 1) * 1e9 as [B, 1, 1, S]: 0 for keys that may be attended, -1e9 for masked ones. */
    private String maskPenalty() {
        String m = g.op("Cast", new String[] {EncoderInput.INPUT_MASK}, Attr.i("to", OnnxGraph.FLOAT));
        String p = mul(g.op("Sub", new String[] {m, g.scalar(1f)}), g.scalar(1e9f));
        return reshape(p, b, 1, 1, s);
    }

    private String layer(int i, String x, String penalty) {
        String p = ModelLayout.layerPrefix(i);
        boolean moe = c.isMoeLayer(i);
        if (c.normFirst()) {
            String q = layerNorm(x, p + "self_attention_layer_norm/");
            String a = add(x, mix(i, q, x, penalty));
            String n = layerNorm(a, p + "output_layer_norm/");
            return add(a, moe ? moe(i, n) : ffn(p, n));
        }
        String a = layerNorm(add(x, mix(i, x, x, penalty)), p + "self_attention_layer_norm/");
        if (moe) {
            return moe(i, a); // SPEC quirk: no residual and no output layer norm
        }
        return layerNorm(add(a, ffn(p, a)), p + "output_layer_norm/");
    }

    private String ffn(String p, String x) {
        int f = c.innerDim();
        String inner = linearGelu(x, weight(p + "intermediate/kernel"), weight(p + "intermediate/bias"), true);
        return dense(inner, p + "output/", f, h);
    }

    private String mix(int i, String q, String kv, String penalty) {
        if (c.isAttentionLayer(i)) {
            return attention(ModelLayout.layerPrefix(i) + "self_attention/", q, kv, penalty);
        }
        return switch (c.mixingMechanism()) {
            case LINEAR -> linearMixing(ModelLayout.layerPrefix(i) + "linear_transform/", q);
            case FOURIER, HARTLEY -> spectralMixing(q);
        };
    }

    /** out[b] = seq_kernel @ x[b] @ hidden_kernel. */
    private String linearMixing(String p, String x) {
        String projected = reshape(matmul(x, weight(p + "hidden_kernel")), b, s, h);
        return reshape(matmul(weight(p + "seq_kernel"), projected), rows, h);
    }

    private String dftCos;
    private String dftSin;
    private String dftCosH;
    private String dftSinH;

    /** Re / Re - Im of the unnormalized 2-D DFT, as products with cos/sin matrices (shared by all layers). */
    private String spectralMixing(String x) {
        if (dftCos == null) {
            dftCos = g.floats("dft_cos_s", new long[] {s, s}, dft(s, true));
            dftSin = g.floats("dft_sin_s", new long[] {s, s}, dft(s, false));
            dftCosH = g.floats("dft_cos_h", new long[] {h, h}, dft(h, true));
            dftSinH = g.floats("dft_sin_h", new long[] {h, h}, dft(h, false));
        }
        String x3 = reshape(x, b, s, h);
        String xc = matmul(x3, dftCosH);
        String xs = matmul(x3, dftSinH);
        // Y = (Cs - i Ss) X (Ch - i Sh): Re Y = Cs X Ch - Ss X Sh, Im Y = -(Ss X Ch + Cs X Sh)
        String out;
        if (c.mixingMechanism() == MixingMechanism.FOURIER) {
            out = g.op("Sub", new String[] {matmul(dftCos, xc), matmul(dftSin, xs)});
        } else {
            // Re - Im = Cs (X Ch + X Sh) + Ss (X Ch - X Sh)
            out = add(matmul(dftCos, add(xc, xs)), matmul(dftSin, g.op("Sub", new String[] {xc, xs})));
        }
        return reshape(out, rows, h);
    }

    static float[] dft(int n, boolean cos) {
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double angle = 2 * Math.PI * (((long) i * j) % n) / n;
                m[i * n + j] = (float) (cos ? Math.cos(angle) : Math.sin(angle));
            }
        }
        return m;
    }

    private String attention(String p, String q, String kv, String penalty) {
        int n = c.numAttentionHeads();
        int d = c.headSize();
        String query = reshape(dense(q, p + "query/", h, h), b, s, n, d);
        String key = reshape(dense(kv, p + "key/", h, h), b, s, n, d);
        String value = reshape(dense(kv, p + "value/", h, h), b, s, n, d);
        String qh = mul(transpose(query, 0, 2, 1, 3), g.scalar((float) (1.0 / Math.sqrt(d)))); // [B,N,S,D]
        String kt = transpose(key, 0, 2, 3, 1); // [B,N,D,S]
        String vh = transpose(value, 0, 2, 1, 3); // [B,N,S,D]
        String scores = add(matmul(qh, kt), penalty); // [B,N,S,S]
        String probs = g.op("Softmax", new String[] {scores}, Attr.i("axis", -1));
        String context = reshape(transpose(matmul(probs, vh), 0, 2, 1, 3), rows, h);
        return add(matmul(context, weight(p + "attention_output/kernel", h, h)), weight(p + "attention_output/bias", h));
    }

    /** Expert-choice MoE on x [B*S, H]. */
    private String moe(int i, String x) {
        String p = ModelLayout.layerPrefix(i) + "moe/";
        int e = c.numExperts();
        int f = c.innerDim();
        int t = c.tokensPerGroup();
        int cap = c.expertCapacity();
        int groups = rows / t;
        if (cap == 0) {
            return g.op("ConstantOfShape", new String[] {g.int64s(rows, h)},
                    Attr.tensor("value", OnnxGraph.floatLiteral(0f)));
        }
        String probs = g.op("Softmax", new String[] {dense(x, p + "router/router_weights/", h, e)},
                Attr.i("axis", -1)); // [B*S, E]
        String perExpert = transpose(reshape(probs, groups, t, e), 0, 2, 1); // [G, E, T]
        String[] top = g.opMulti("", "TopK", new String[] {perExpert, g.int64s(cap)}, 2,
                Attr.i("axis", -1), Attr.i("largest", 1), Attr.i("sorted", 0)); // [G, E, C] values, indices
        long[] offsets = new long[groups];
        for (int gi = 0; gi < groups; gi++) {
            offsets[gi] = (long) gi * t;
        }
        String tokens = add(top[1], g.int64Tensor(new long[] {groups, 1, 1}, offsets)); // global token ids
        String tokensByExpert = transpose(tokens, 1, 0, 2); // [E, G, C]
        String chosen = g.op("Gather", new String[] {x, reshape(tokensByExpert, e, (long) groups * cap)},
                Attr.i("axis", 0)); // [E, G*C, H]
        String inner = linearGelu(chosen, weight(p + "experts/intermediate/kernel"),
                weight(p + "experts/intermediate/bias", e, 1, f), false);
        String y = add(matmul(inner, weight(p + "experts/output/kernel")),
                weight(p + "experts/output/bias", e, 1, h)); // [E, G*C, H]
        if (options.combine() == Combine.SCATTER_ND) {
            String gates = reshape(transpose(top[0], 1, 0, 2), e, (long) groups * cap, 1);
            String weighted = reshape(mul(y, gates), (long) e * groups * cap, h);
            String zeros = g.op("ConstantOfShape", new String[] {g.int64s(rows, h)},
                    Attr.tensor("value", OnnxGraph.floatLiteral(0f)));
            return g.op("ScatterND", new String[] {zeros, reshape(tokensByExpert, (long) e * groups * cap, 1), weighted},
                    Attr.s("reduction", "add"));
        }
        // combine[g, e*C + c, t] = gate of (e, c) if expert e's c-th pick in group g is token t, else 0
        String oneHot = g.op("OneHot", new String[] {top[1], g.int64s(t), g.floats("onehot_values", new long[] {2},
                new float[] {0f, 1f})}, Attr.i("axis", -1)); // [G, E, C, T]
        String combine = reshape(mul(oneHot, g.op("Unsqueeze", new String[] {top[0], g.int64s(-1)})),
                groups, (long) e * cap, t); // [G, E*C, T]
        String yByGroup = reshape(transpose(reshape(y, e, groups, cap, h), 1, 0, 2, 3), groups, (long) e * cap, h);
        String out = matmul(transpose(combine, 0, 2, 1), yByGroup); // [G, T, H]
        return reshape(out, rows, h);
    }
}
