package org.sparsemixer.engine.graph;

import java.util.Locale;
import org.sparsemixer.engine.InvalidConfigException;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * Checks, before anything is allocated, that a model's tables and one call's buffers fit: every array
 * within Java's array limit and the total within the JVM's maximum heap. Sizes come from the config
 * and the batch size alone, so a config or a batch that claims huge sizes fails fast with a message
 * naming it instead of overflowing an int, throwing {@link NegativeArraySizeException} or running the
 * JVM out of memory after minutes.
 * <p>
 * The estimates count the large arrays of {@link SparseMixerEncoder#encode} (inputs, outputs, the
 * {@link Workspace} buffers, per-thread attention scores, GEMM packing and FFT scratch); they are upper
 * bounds up to small per-call objects.
 */
final class MemoryBudget {
    /** Largest Java array length the engine creates. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 16;

    private MemoryBudget() {
    }

    /** The JVM's heap limit, the ceiling the estimates are compared with. */
    static long heapLimit() {
        long max = Runtime.getRuntime().maxMemory();
        return max == Long.MAX_VALUE ? Long.MAX_VALUE / 4 : max;
    }

    /**
     * The constant tables an encoder builds beyond its weights (DFT matrices of spectral layers without
     * FFT) and one call with the smallest batch must fit; otherwise an {@link InvalidConfigException}
     * naming the key that makes them large.
     */
    static void checkModel(SparseMixerConfig c, int threads, long heapBytes) {
        long s = c.maxSequenceLength();
        long h = c.hiddenSize();
        int spectral = spectralLayers(c);
        if (spectral > 0 && !c.useFft()) {
            if (s * s > MAX_ARRAY) {
                throw new InvalidConfigException("max_sequence_length", "is " + s + ": mixing_mechanism "
                        + c.mixingMechanism().configName() + " with use_fft false needs " + s + " x " + s
                        + " DFT matrices, more than a Java array holds (use_fft true avoids them)");
            }
            if (h * h > MAX_ARRAY) {
                throw new InvalidConfigException("hidden_size", "is " + h + ": mixing_mechanism "
                        + c.mixingMechanism().configName() + " with use_fft false needs " + h + " x " + h
                        + " DFT matrices, more than a Java array holds (use_fft true avoids them)");
            }
            // per spectral layer: cos and sin [S, S], two packed [H, H]; while building: four [H, H]
            double tables = 4.0 * (spectral * (2.0 * s * s + 2.0 * h * h) + 4.0 * h * h);
            if (tables > heapBytes) {
                throw new InvalidConfigException(s * s >= h * h ? "max_sequence_length" : "hidden_size",
                        "gives " + spectral + " " + c.mixingMechanism().configName() + " layer(s) with use_fft false"
                        + " DFT tables of " + mib((long) Math.min(tables, Long.MAX_VALUE / 2)) + " (max_sequence_length " + s + ", hidden_size " + h
                        + "), more than the JVM's maximum heap of " + mib(heapBytes)
                        + " (use_fft true avoids them)");
            }
        }
        if (!c.attentionLayers().isEmpty() && s * s > MAX_ARRAY) {
            throw new InvalidConfigException("max_sequence_length", "is " + s + ": attention needs a " + s + " x "
                    + s + " score matrix, more than a Java array holds");
        }
        int batch = smallestBatch(c);
        String problem = problem(c, batch, threads, heapBytes);
        if (problem != null) {
            throw new InvalidConfigException("max_sequence_length", "is " + s + " (hidden_size " + h
                    + "): even the smallest batch (" + batch + ") " + problem);
        }
    }

    /**
     * Refuses a batch whose call would need an array longer than Java allows or more memory than the
     * JVM's maximum heap, with an {@link IllegalArgumentException} naming the batch size.
     */
    static void checkBatch(SparseMixerConfig c, int batch, int threads, long heapBytes) {
        String problem = problem(c, batch, threads, heapBytes);
        if (problem != null) {
            long most = largestBatch(c, threads, heapBytes);
            throw new IllegalArgumentException("batch size " + batch + " is too large for this model: it " + problem
                    + (most >= 1 ? "; give batches of at most " + most + " sequences" : ""));
        }
    }

    /** Why one call with {@code batch} sequences cannot run, or null when it fits. */
    static String problem(SparseMixerConfig c, long batch, int threads, long heapBytes) {
        long s = c.maxSequenceLength();
        long h = c.hiddenSize();
        long layers = c.numLayers();
        long rows = batch * s;                      // both < 2^31: no overflow
        long widest = Math.max(Math.max(h, c.embeddingWidth()), Math.max(c.innerDim(), c.numExperts()));
        if (rows > MAX_ARRAY || rows * widest > MAX_ARRAY || layers * rows * h > MAX_ARRAY
                || moeTokens(c, batch) * h > MAX_ARRAY) {
            return "needs arrays longer than Java allows (encoder_outputs alone would hold " + layers + " x "
                    + batch + " x " + s + " x " + h + " = " + String.format(Locale.ROOT, "%.3g", (double) layers * rows * h)
                    + " floats)";
        }
        double bytes = 4 * callFloats(c, batch, threads);
        if (bytes > heapBytes) {
            return "needs about " + mib((long) Math.min(bytes, Long.MAX_VALUE / 2)) + " per call, more than the JVM's"
                    + " maximum heap of " + mib(heapBytes) + " (JAVA_OPTS=-Xmx... raises it)";
        }
        return null;
    }

    /** Floats (and ints, same size) one call allocates or uses, counted generously; in double (no overflow). */
    static double callFloats(SparseMixerConfig c, long batch, int threads) {
        double s = c.maxSequenceLength();
        double h = c.hiddenSize();
        double w = c.embeddingWidth();
        double rows = batch * s;
        double block = rows * h;
        double total = 0;
        total += 3 * rows + (c.withDenseInputs() ? rows * w + 2 * rows : 0);   // the inputs, as given
        total += rows;                                                        // combined mask
        total += (c.numLayers() + 1.0) * block + batch * h;                   // outputs
        total += 5 * block;                                                   // X, LAYER_OUT, RESIDUAL, MIXED, NORMED
        if (c.hasEmbeddingProjection()) {
            total += rows * w;
        }
        double mixing = 0;
        if (!c.attentionLayers().isEmpty()) {
            // Q, then K and V side by side, context; per thread a block of scores and the packed K^T and V
            mixing = Math.max(mixing, 4 * block + threads * (s * s + s * h));
        }
        if (c.attentionLayers().size() < c.numLayers()) {
            if (c.mixingMechanism() == MixingMechanism.LINEAR) {
                mixing = Math.max(mixing, s * (h + 64));                         // one example projected, in panels
            } else if (c.useFft()) {
                mixing = Math.max(mixing, threads * 4 * (s + 2) * (h + 2));      // FFT scratch per thread
            } else {
                mixing = Math.max(mixing, 2 * block + s * h);                    // projected, sine product, packing
            }
        }
        total += mixing;
        double feedForward = rows * c.innerDim();                             // dense FFN
        if (!c.moeLayers().isEmpty()) {
            double taken = moeTokens(c, batch);                               // every expert's tokens, gathered
            feedForward = Math.max(feedForward, threads * taken / c.numExperts() * c.innerDim())
                    + rows * c.numExperts() + 2 * taken * h + 2 * taken;      // router, gathered, expert out, assignment
        }
        total += feedForward;
        return total;
    }

    /** Tokens all experts of one MoE layer take together: E x (B S / T) x C (up to E x B S); 0 without MoE. */
    static double moeTokens(SparseMixerConfig c, long batch) {
        if (c.moeLayers().isEmpty()) {
            return 0;
        }
        double groups = Math.ceil((double) batch * c.maxSequenceLength() / Math.max(1, c.tokensPerGroup()));
        return (double) c.numExperts() * groups * c.expertCapacity();
    }

    /** The largest batch that passes {@link #problem}, 0 if none does. */
    static long largestBatch(SparseMixerConfig c, int threads, long heapBytes) {
        long lo = 0;
        long hi = MAX_ARRAY;
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            if (problem(c, mid, threads, heapBytes) == null) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** 1, or the smallest batch the MoE routing groups allow (at least examples_per_group). */
    private static int smallestBatch(SparseMixerConfig c) {
        return c.moeLayers().isEmpty() ? 1 : Math.max(1, (int) Math.min(1 << 20, Math.ceil(c.examplesPerGroup())));
    }

    private static int spectralLayers(SparseMixerConfig c) {
        return c.mixingMechanism() == MixingMechanism.LINEAR ? 0 : c.numLayers() - c.attentionLayers().size();
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,d MiB", (bytes + (1 << 20) - 1) >> 20);
    }
}
