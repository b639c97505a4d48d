package org.sparsemixer.engine.graph;

import java.util.concurrent.CancellationException;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.Stage;
import org.sparsemixer.engine.StageTimes;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.WeightPrecision;
import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.StreamedMatrix;

/**
 * The frozen Sparse Mixer encoder. Weights are copied into kernel-ready form when it is built and
 * never change; every call works on its own buffers, so one encoder serves many threads at once.
 * Its compute threads live until {@link #close()}.
 */
public final class SparseMixerEncoder implements AutoCloseable {
    /** Smallest share of an output copy worth a thread of its own (256 KB). */
    private static final int COPY_MIN_FLOATS = 1 << 16;
    /** Seed of the sample batches {@link #warmUp} encodes. */
    private static final long WARMUP_SEED = 7;

    private final SparseMixerConfig config;
    private final ComputePool pool;
    private final Embeddings embeddings;
    private final EncoderLayer[] layers;
    private final Pooler pooler;
    private final WeightPrecision weightPrecision;
    private final long weightBytes;
    private final boolean keepEncoderOutputs;
    private final Workspace.Pool workspaces = new Workspace.Pool();
    private volatile boolean closed;

    private SparseMixerEncoder(SparseMixerConfig config, ComputePool pool, Embeddings embeddings,
                               EncoderLayer[] layers, Pooler pooler, WeightPrecision weightPrecision,
                               long weightBytes, boolean keepEncoderOutputs) {
        this.config = config;
        this.pool = pool;
        this.embeddings = embeddings;
        this.layers = layers;
        this.pooler = pooler;
        this.weightPrecision = weightPrecision;
        this.weightBytes = weightBytes;
        this.keepEncoderOutputs = keepEncoderOutputs;
    }

    /** Builds the graph, reading every tensor of {@link ModelLayout#expectedTensors} from {@code weights}. */
    public static SparseMixerEncoder create(SparseMixerConfig config, TensorSource weights, EncoderOptions options) {
        MemoryBudget.checkModel(config, options.threads(), MemoryBudget.heapLimit());
        // a second thread packs experts' kernels while this one reads the next (the encoder will use as many)
        try (Weights w = new Weights(config, weights, options.weightPrecision(), options.threads() > 1)) {
            int h = config.hiddenSize();
            Embeddings embeddings = new Embeddings(config, w);
            EncoderLayer[] layers = new EncoderLayer[config.numLayers()];
            for (int i = 0; i < layers.length; i++) {
                layers[i] = layer(config, w, i);
            }
            Pooler pooler = new Pooler(w.matrix(ModelLayout.POOLER + "kernel", h, h),
                    w.floats(ModelLayout.POOLER + "bias"));
            return new SparseMixerEncoder(config, new ComputePool(options.threads()), embeddings, layers, pooler,
                    options.weightPrecision(), w.bytes(), options.encoderOutputs());
        }
    }

    private static EncoderLayer layer(SparseMixerConfig c, Weights w, int i) {
        String p = ModelLayout.layerPrefix(i);
        int h = c.hiddenSize();
        int s = c.maxSequenceLength();
        TokenMixer mixer;
        if (c.isAttentionLayer(i)) {
            mixer = new MultiHeadAttention(s, c.numAttentionHeads(), w, p, h);
        } else if (c.mixingMechanism() == MixingMechanism.LINEAR) {
            mixer = new LinearMixing(s, h, w.matrix(p + "linear_transform/hidden_kernel", h, h),
                    w.floats(p + "linear_transform/seq_kernel"));
        } else {
            mixer = new SpectralMixing(c.mixingMechanism(), c.useFft(), s, h);
        }
        FeedForward ffn = null;
        MixtureOfExperts moe = null;
        int f = c.innerDim();
        if (c.isMoeLayer(i)) {
            String m = p + "moe/";
            ExpertChoiceRouter router = new ExpertChoiceRouter(w.matrix(m + "router/router_weights/kernel", h, c.numExperts()),
                    w.floats(m + "router/router_weights/bias"), c.tokensPerGroup(), c.expertCapacity());
            float[] innerBias = w.floats(m + "experts/intermediate/bias");
            float[] outerBias = w.floats(m + "experts/output/bias");
            FeedForward[] experts = new FeedForward[c.numExperts()];
            String innerKernel = m + "experts/intermediate/kernel";
            String outerKernel = m + "experts/output/kernel";
            StreamedMatrix[] inner = w.streamsExperts() ? w.slicesStreamed(innerKernel, experts.length, h, f) : null;
            StreamedMatrix[] outer = w.streamsExperts() ? w.slicesStreamed(outerKernel, experts.length, f, h) : null;
            for (int e = 0; e < experts.length; e++) {
                float[] b1 = Weights.sliceVector(innerBias, e, f);
                float[] b2 = Weights.sliceVector(outerBias, e, h);
                experts[e] = w.streamsExperts()
                        ? new FeedForward(inner[e], b1, outer[e], b2)
                        : new FeedForward(w.sliceMatrix(innerKernel, e, h, f), b1,
                                w.sliceMatrix(outerKernel, e, f, h), b2);
            }
            w.endOfStacks();
            moe = new MixtureOfExperts(router, experts);
        } else {
            ffn = new FeedForward(w.matrix(p + "intermediate/kernel", h, f), w.floats(p + "intermediate/bias"),
                    w.matrix(p + "output/kernel", f, h), w.floats(p + "output/bias"));
        }
        boolean outputNorm = ModelLayout.hasOutputLayerNorm(c, i);
        return new EncoderLayer(c.normFirst(), h, mixer,
                w.floats(p + "self_attention_layer_norm/gamma"), w.floats(p + "self_attention_layer_norm/beta"),
                ffn, moe, outputNorm ? w.floats(p + "output_layer_norm/gamma") : null,
                outputNorm ? w.floats(p + "output_layer_norm/beta") : null);
    }

    public SparseMixerConfig config() {
        return config;
    }

    /** The precision the weights are kept in ({@link EncoderOptions#weightPrecision()}). */
    public WeightPrecision weightPrecision() {
        return weightPrecision;
    }

    /**
     * Bytes of the weights as this encoder keeps them: matrices (padding included) and embedding tables at
     * 4 or 2 bytes per element, the small float32 vectors at 4.
     */
    public long weightBytes() {
        return weightBytes;
    }

    /** Compute threads this encoder uses. */
    public int threads() {
        return pool.threads();
    }

    /**
     * Runs the encoder on one batch.
     *
     * @throws IllegalArgumentException when the input breaks a rule of SPEC section 4 (the message names it),
     *                                  or its batch is too large to fit ({@link #checkBatchSize})
     * @throws IllegalStateException    when the encoder is closed
     */
    public EncoderOutput encode(EncoderInput input) {
        return encode(input, null);
    }

    /**
     * Runs the encoder on one batch and adds the time of each stage to {@code times} (may be null).
     *
     * @throws IllegalArgumentException when the input breaks a rule of SPEC section 4 (the message names it),
     *                                  or its batch is too large to fit ({@link #checkBatchSize})
     * @throws IllegalStateException    when the encoder is closed
     * @throws CancellationException    when the calling thread is interrupted (its interrupt flag stays set;
     *                                  the encoder stays usable)
     */
    public EncoderOutput encode(EncoderInput input, StageTimes times) {
        if (closed) {
            throw new IllegalStateException("this encoder is closed");
        }
        InputValidator.validate(config, input);
        int batch = input.batchSize();
        MemoryBudget.checkBatch(config, batch, pool.threads(), MemoryBudget.heapLimit());
        int s = config.maxSequenceLength();
        int h = config.hiddenSize();
        int rows = batch * s;
        int block = rows * h;
        int[] mask = combinedMask(input);
        float[] encoderOutputs = keepEncoderOutputs ? new float[Math.multiplyExact(layers.length, block)] : null;
        float[] sequenceOutput = new float[block];
        float[] pooled;
        Workspace ws = workspaces.acquire(times);
        try {
            float[] x = ws.get(Workspace.Buffer.X, block);
            float[] out = ws.get(Workspace.Buffer.LAYER_OUT, block);
            ws.begin();
            embeddings.forward(pool, ws, input, x);
            ws.end(Stage.EMBEDDINGS);
            for (int i = 0; i < layers.length; i++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("interrupted before layer " + i);
                }
                layers[i].forward(pool, ws, x, mask, batch, rows, out);
                if (encoderOutputs != null) {
                    copy(out, encoderOutputs, i * block, block);
                }
                float[] next = out;
                out = x;
                x = next;
            }
            copy(x, sequenceOutput, 0, block);
            ws.begin();
            pooled = pooler.forward(pool, sequenceOutput, batch, s);
            ws.end(Stage.POOLER);
        } finally {
            workspaces.release(ws);
        }
        return new EncoderOutput(batch, s, h, layers.length, sequenceOutput, pooled, encoderOutputs);
    }

    /** {@code to[at, at + length) = from[0, length)}, a share on each thread (a layer is 1 MB for Base). */
    private void copy(float[] from, float[] to, int at, int length) {
        pool.forRange(length, COPY_MIN_FLOATS, (lo, hi) -> System.arraycopy(from, lo, to, at + lo, hi - lo));
    }

    /** [B * S]: the word mask followed by the dense mask of every example. */
    private static int[] combinedMask(EncoderInput input) {
        int sw = input.wordLength();
        int sd = input.denseLength();
        int[] mask = new int[input.batchSize() * (sw + sd)];
        for (int b = 0; b < input.batchSize(); b++) {
            System.arraycopy(input.mask(), b * sw, mask, b * (sw + sd), sw);
            if (sd > 0) {
                System.arraycopy(input.denseMask(), b * sd, mask, b * (sw + sd) + sw, sd);
            }
        }
        return mask;
    }

    /**
     * Checks {@code input} against the rules {@link #encode} applies (SPEC section 4: shapes, id and mask
     * ranges, routing groups) without computing anything, so a caller that merges several inputs into one
     * call can refuse a bad one alone.
     *
     * @throws IllegalArgumentException naming the input, position and allowed range when a rule is broken
     */
    public void validate(EncoderInput input) {
        InputValidator.validate(config, input);
    }

    /**
     * This encoder with every layer's output kept ({@code true}) or not ({@code false}), sharing the
     * weights and compute threads: no copy is made, so a server can answer requests that ask for
     * {@code encoder_outputs} and requests that do not from one set of weights. Returns {@code this} when
     * the setting is already {@code keep}. Closing either encoder stops the compute threads of both.
     */
    public SparseMixerEncoder withEncoderOutputs(boolean keep) {
        if (keep == keepEncoderOutputs) {
            return this;
        }
        return new SparseMixerEncoder(config, pool, embeddings, layers, pooler, weightPrecision, weightBytes, keep);
    }

    /** Whether a call returns every layer's output ({@link EncoderOptions#encoderOutputs()}). */
    public boolean keepsEncoderOutputs() {
        return keepEncoderOutputs;
    }

    /**
     * Checks that a call with {@code batchSize} sequences fits: no buffer longer than a Java array and
     * the call's memory (inputs, outputs, scratch) within the JVM's maximum heap. {@link #encode} does
     * the same check; callers that build a batch can ask first.
     *
     * @throws IllegalArgumentException naming the batch size (and the largest that fits) when it does not
     */
    public void checkBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        MemoryBudget.checkBatch(config, batchSize, pool.threads(), MemoryBudget.heapLimit());
    }

    /**
     * Runs {@code callsPerBatchSize} untimed forward passes on a deterministic sample batch of each given
     * size, so that C2 has compiled the Vector API kernels at those shapes before real traffic arrives
     * (a cold JVM runs the first calls of Base 10-20x slower than steady state). Results are discarded;
     * the encoder's weights and later outputs are unaffected.
     *
     * @return the wall-clock time the warm-up took, in nanoseconds
     * @throws IllegalArgumentException when {@code callsPerBatchSize < 0} or a batch size is not one the
     *                                  model accepts (see {@link #encode})
     */
    public long warmUp(int callsPerBatchSize, int... batchSizes) {
        if (callsPerBatchSize < 0) {
            throw new IllegalArgumentException("warm-up calls must be >= 0, got " + callsPerBatchSize);
        }
        long start = System.nanoTime();
        for (int batchSize : batchSizes) {
            checkBatchSize(batchSize);
            EncoderInput sample = EncoderInput.sample(config, batchSize, WARMUP_SEED);
            for (int call = 0; call < callsPerBatchSize; call++) {
                encode(sample);
            }
        }
        return System.nanoTime() - start;
    }

    /** Stops the compute threads; later calls of {@link #encode} throw {@link IllegalStateException}. */
    @Override
    public void close() {
        closed = true;
        pool.close();
        workspaces.clear();
    }
}
