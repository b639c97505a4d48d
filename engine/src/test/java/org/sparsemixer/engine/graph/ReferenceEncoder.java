package org.sparsemixer.engine.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;

/**
 * A plain float64 transcription of SPEC section 3, written independently of the engine: nested
 * loops, no kernels, no packing, direct DFT sums. Tests compare the engine against it on configs the
 * golden fixtures do not cover. It also records the smallest routing margin (the gap between an
 * expert's C-th and (C+1)-th probability) so a test can tell a real mismatch from a near tie.
 * Public for the whole-pipeline tests of src-test, which get it through the engine's test-jar.
 */
public final class ReferenceEncoder {
    /** Outputs in float64: sequence [B][S][H], pooled [B][H], layers [L][B][S][H]. */
    public record Result(double[][][] sequence, double[][] pooled, double[][][][] layers, double minRoutingMargin) {
    }

    private final SparseMixerConfig c;
    private final TensorSource w;
    private double minMargin = Double.POSITIVE_INFINITY;

    public ReferenceEncoder(SparseMixerConfig config, TensorSource weights) {
        this.c = config;
        this.w = weights;
    }

    private double[] t(String name) {
        int[] shape = ModelLayout.expectedTensors(c).get(name);
        float[] f = w.floats(name, shape);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    public Result run(EncoderInput in) {
        int bsz = in.batchSize();
        int s = c.maxSequenceLength();
        int h = c.hiddenSize();
        int wd = c.embeddingWidth();
        int sw = in.wordLength();
        int sd = in.denseLength();
        double[] word = t(ModelLayout.WORD_EMBEDDINGS);
        double[] pos = t(ModelLayout.POSITION_EMBEDDINGS);
        double[] typ = t(ModelLayout.TYPE_EMBEDDINGS);
        double[][][] x = new double[bsz][s][];
        int[][] mask = new int[bsz][s];
        for (int b = 0; b < bsz; b++) {
            for (int i = 0; i < s; i++) {
                double[] e = new double[wd];
                int typeId;
                if (i < sw) {
                    int id = in.wordIds()[b * sw + i];
                    typeId = in.typeIds()[b * sw + i];
                    mask[b][i] = in.mask()[b * sw + i];
                    for (int j = 0; j < wd; j++) {
                        e[j] = word[id * wd + j];
                    }
                } else {
                    int k = b * sd + (i - sw);
                    typeId = in.denseTypeIds()[k];
                    mask[b][i] = in.denseMask()[k];
                    for (int j = 0; j < wd; j++) {
                        e[j] = in.denseInputs()[k * wd + j];
                    }
                }
                for (int j = 0; j < wd; j++) {
                    e[j] += pos[i * wd + j] + typ[typeId * wd + j];
                }
                e = ln(e, t(ModelLayout.EMBEDDING_LN + "gamma"), t(ModelLayout.EMBEDDING_LN + "beta"));
                if (c.hasEmbeddingProjection()) {
                    e = dense(e, t(ModelLayout.EMBEDDING_PROJECTION + "kernel"), t(ModelLayout.EMBEDDING_PROJECTION + "bias"), h);
                }
                x[b][i] = e;
            }
        }
        double[][][][] layers = new double[c.numLayers()][][][];
        for (int l = 0; l < c.numLayers(); l++) {
            x = layer(l, x, mask);
            layers[l] = x;
        }
        double[][] pooled = new double[bsz][];
        for (int b = 0; b < bsz; b++) {
            double[] p = dense(x[b][0], t(ModelLayout.POOLER + "kernel"), t(ModelLayout.POOLER + "bias"), h);
            for (int j = 0; j < h; j++) {
                p[j] = Math.tanh(p[j]);
            }
            pooled[b] = p;
        }
        return new Result(x, pooled, layers, minMargin);
    }

    private double[][][] layer(int l, double[][][] x, int[][] mask) {
        String p = ModelLayout.layerPrefix(l);
        double[] g1 = t(p + "self_attention_layer_norm/gamma");
        double[] b1 = t(p + "self_attention_layer_norm/beta");
        // a post-norm MoE layer has no output layer norm (SPEC section 2)
        boolean outputNorm = ModelLayout.hasOutputLayerNorm(c, l);
        double[] g2 = outputNorm ? t(p + "output_layer_norm/gamma") : null;
        double[] b2 = outputNorm ? t(p + "output_layer_norm/beta") : null;
        int bsz = x.length;
        int s = x[0].length;
        double[][][] a = new double[bsz][s][];
        double[][][] q = c.normFirst() ? map(x, v -> ln(v, g1, b1)) : x;
        double[][][] m = c.isAttentionLayer(l) ? attention(p, q, x, mask) : mixing(p, q);
        for (int b = 0; b < bsz; b++) {
            for (int i = 0; i < s; i++) {
                a[b][i] = add(x[b][i], m[b][i]);
                if (!c.normFirst()) {
                    a[b][i] = ln(a[b][i], g1, b1);
                }
            }
        }
        double[][][] ffIn = c.normFirst() ? map(a, v -> ln(v, g2, b2)) : a;
        double[][][] f = c.isMoeLayer(l) ? moe(p, ffIn) : map(ffIn, v -> ffn(v, t(p + "intermediate/kernel"),
                t(p + "intermediate/bias"), t(p + "output/kernel"), t(p + "output/bias"), 0));
        double[][][] out = new double[bsz][s][];
        for (int b = 0; b < bsz; b++) {
            for (int i = 0; i < s; i++) {
                if (c.normFirst()) {
                    out[b][i] = add(a[b][i], f[b][i]);
                } else if (c.isMoeLayer(l)) {
                    out[b][i] = f[b][i];
                } else {
                    out[b][i] = ln(add(a[b][i], f[b][i]), g2, b2);
                }
            }
        }
        return out;
    }

    private double[][][] mixing(String p, double[][][] x) {
        int s = c.maxSequenceLength();
        int h = c.hiddenSize();
        double[][][] out = new double[x.length][s][h];
        for (int b = 0; b < x.length; b++) {
            if (c.mixingMechanism() == MixingMechanism.LINEAR) {
                double[] seqK = t(p + "linear_transform/seq_kernel");
                double[] hidK = t(p + "linear_transform/hidden_kernel");
                for (int i = 0; i < s; i++) {
                    for (int k = 0; k < h; k++) {
                        double sum = 0;
                        for (int j = 0; j < s; j++) {
                            for (int m = 0; m < h; m++) {
                                sum += seqK[i * s + j] * x[b][j][m] * hidK[m * h + k];
                            }
                        }
                        out[b][i][k] = sum;
                    }
                }
            } else {
                for (int n = 0; n < s; n++) {
                    for (int k = 0; k < h; k++) {
                        double re = 0;
                        double im = 0;
                        for (int i = 0; i < s; i++) {
                            for (int j = 0; j < h; j++) {
                                double angle = -2 * Math.PI * ((double) n * i / s + (double) k * j / h);
                                re += x[b][i][j] * Math.cos(angle);
                                im += x[b][i][j] * Math.sin(angle);
                            }
                        }
                        out[b][n][k] = c.mixingMechanism() == MixingMechanism.FOURIER ? re : re - im;
                    }
                }
            }
        }
        return out;
    }

    private double[][][] attention(String p, double[][][] xq, double[][][] xkv, int[][] mask) {
        String a = p + "self_attention/";
        int n = c.numAttentionHeads();
        int d = c.headSize();
        int h = c.hiddenSize();
        int s = c.maxSequenceLength();
        double[] wq = t(a + "query/kernel");
        double[] bq = t(a + "query/bias");
        double[] wk = t(a + "key/kernel");
        double[] bk = t(a + "key/bias");
        double[] wv = t(a + "value/kernel");
        double[] bv = t(a + "value/bias");
        double[] wo = t(a + "attention_output/kernel");
        double[] bo = t(a + "attention_output/bias");
        double[][][] out = new double[xq.length][s][];
        for (int b = 0; b < xq.length; b++) {
            double[][] ctx = new double[s][h];
            for (int head = 0; head < n; head++) {
                double[][] qh = project(xq[b], wq, bq, head);
                double[][] kh = project(xkv[b], wk, bk, head);
                double[][] vh = project(xkv[b], wv, bv, head);
                for (int i = 0; i < s; i++) {
                    float[] scores = new float[s];
                    for (int j = 0; j < s; j++) {
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += qh[i][e] / Math.sqrt(d) * kh[j][e];
                        }
                        // the -1e9 penalty is added in float32, as TensorFlow does
                        scores[j] = mask[b][j] == 0 ? (float) dot + -1e9f : (float) dot;
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (float sc : scores) {
                        max = Math.max(max, sc);
                    }
                    double[] prob = new double[s];
                    double total = 0;
                    for (int j = 0; j < s; j++) {
                        prob[j] = Math.exp(scores[j] - max);
                        total += prob[j];
                    }
                    for (int j = 0; j < s; j++) {
                        for (int e = 0; e < d; e++) {
                            ctx[i][head * d + e] += prob[j] / total * vh[j][e];
                        }
                    }
                }
            }
            for (int i = 0; i < s; i++) {
                out[b][i] = dense(ctx[i], wo, bo, h);
            }
        }
        return out;
    }

    /** x [S, H] through a [H, N, D] kernel and [N, D] bias, head {@code head}: [S, D]. */
    private double[][] project(double[][] x, double[] kernel, double[] bias, int head) {
        int n = c.numAttentionHeads();
        int d = c.headSize();
        int h = c.hiddenSize();
        double[][] r = new double[x.length][d];
        for (int i = 0; i < x.length; i++) {
            for (int e = 0; e < d; e++) {
                double sum = bias[head * d + e];
                for (int k = 0; k < h; k++) {
                    sum += x[i][k] * kernel[(k * n + head) * d + e];
                }
                r[i][e] = sum;
            }
        }
        return r;
    }

    private double[][][] moe(String p, double[][][] x) {
        String m = p + "moe/";
        int bsz = x.length;
        int s = x[0].length;
        int h = c.hiddenSize();
        int e = c.numExperts();
        int f = c.innerDim();
        double[] rk = t(m + "router/router_weights/kernel");
        double[] rb = t(m + "router/router_weights/bias");
        List<double[]> tokens = new ArrayList<>();
        for (double[][] ex : x) {
            tokens.addAll(Arrays.asList(ex));
        }
        int total = tokens.size();
        double[][] probs = new double[total][];
        for (int i = 0; i < total; i++) {
            double[] logits = dense(tokens.get(i), rk, rb, e);
            double max = Arrays.stream(logits).max().orElseThrow();
            double sum = 0;
            for (int k = 0; k < e; k++) {
                logits[k] = Math.exp(logits[k] - max);
                sum += logits[k];
            }
            for (int k = 0; k < e; k++) {
                logits[k] /= sum;
            }
            probs[i] = logits;
        }
        int groupSize = (int) Math.floor(s * c.examplesPerGroup());
        int capacity = (int) Math.rint(c.evalCapacityFactor() * groupSize / e);
        double[][] out = new double[total][h];
        double[] k1 = t(m + "experts/intermediate/kernel");
        double[] b1 = t(m + "experts/intermediate/bias");
        double[] k2 = t(m + "experts/output/kernel");
        double[] b2 = t(m + "experts/output/bias");
        for (int g = 0; g < total / groupSize; g++) {
            for (int ex = 0; ex < e; ex++) {
                final int expert = ex;
                Integer[] order = new Integer[groupSize];
                for (int i = 0; i < groupSize; i++) {
                    order[i] = g * groupSize + i;
                }
                Arrays.sort(order, (u, v) -> Double.compare(probs[v][expert], probs[u][expert]));
                if (capacity > 0 && capacity < groupSize) {
                    minMargin = Math.min(minMargin, probs[order[capacity - 1]][ex] - probs[order[capacity]][ex]);
                }
                for (int r = 0; r < capacity; r++) {
                    int tok = order[r];
                    double[] y = ffnExpert(tokens.get(tok), k1, b1, k2, b2, ex, h, f);
                    for (int j = 0; j < h; j++) {
                        out[tok][j] += probs[tok][ex] * y[j];
                    }
                }
            }
        }
        double[][][] r = new double[bsz][s][];
        for (int i = 0; i < total; i++) {
            r[i / s][i % s] = out[i];
        }
        return r;
    }

    private double[] ffnExpert(double[] x, double[] k1, double[] b1, double[] k2, double[] b2, int ex, int h, int f) {
        return ffn(x, Arrays.copyOfRange(k1, ex * h * f, (ex + 1) * h * f), Arrays.copyOfRange(b1, ex * f, (ex + 1) * f),
                Arrays.copyOfRange(k2, ex * f * h, (ex + 1) * f * h), Arrays.copyOfRange(b2, ex * h, (ex + 1) * h), 0);
    }

    private double[] ffn(double[] x, double[] k1, double[] b1, double[] k2, double[] b2, int unused) {
        double[] inner = dense(x, k1, b1, b1.length);
        for (int j = 0; j < inner.length; j++) {
            double v = inner[j];
            inner[j] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        }
        return dense(inner, k2, b2, b2.length);
    }

    private static double[] dense(double[] x, double[] kernel, double[] bias, int n) {
        double[] r = new double[n];
        for (int j = 0; j < n; j++) {
            double sum = bias[j];
            for (int k = 0; k < x.length; k++) {
                sum += x[k] * kernel[k * n + j];
            }
            r[j] = sum;
        }
        return r;
    }

    private static double[] ln(double[] x, double[] gamma, double[] beta) {
        double mean = Arrays.stream(x).average().orElseThrow();
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= x.length;
        double[] r = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            r[j] = (x[j] - mean) / Math.sqrt(var + 1e-12) * gamma[j] + beta[j];
        }
        return r;
    }

    private static double[] add(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int j = 0; j < a.length; j++) {
            r[j] = a[j] + b[j];
        }
        return r;
    }

    private static double[][][] map(double[][][] x, java.util.function.UnaryOperator<double[]> f) {
        double[][][] r = new double[x.length][x[0].length][];
        for (int b = 0; b < x.length; b++) {
            for (int i = 0; i < x[b].length; i++) {
                r[b][i] = f.apply(x[b][i]);
            }
        }
        return r;
    }
}
