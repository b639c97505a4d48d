package org.sparsemixer.server;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntToLongFunction;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.ModelTokenizer;

/**
 * The one model a server serves: its name and version, and two views of its encoder over the same
 * weights, one that keeps every layer's output (for requests that ask for {@code encoder_outputs}) and
 * one that does not (the rest: no 14 MB-per-sequence copy for Base).
 */
final class ServedModel implements BatchEncoder {
    static final String VERSION = "1";

    final String name;
    final SparseMixerConfig config;
    /** The model's inputs: ids, and text when its directory has a tokenizer. */
    final InputTensors.Schema schema;
    private final SparseMixerEncoder lean;
    private final SparseMixerEncoder withLayers;

    /** @param tokenizer the model directory's tokenizer, or null when the model takes no text */
    ServedModel(String name, SparseMixerEncoder encoder, ModelTokenizer tokenizer) {
        this.name = name;
        this.config = encoder.config();
        this.schema = new InputTensors.Schema(config, tokenizer);
        this.lean = encoder.withEncoderOutputs(false);
        this.withLayers = encoder.withEncoderOutputs(true);
    }

    @Override
    public EncoderOutput encode(EncoderInput input, boolean layers) {
        return (layers ? withLayers : lean).encode(input);
    }

    /** 400 naming the rule when the model cannot encode {@code input} on its own (ids, masks, routing groups). */
    void validate(EncoderInput input) {
        try {
            lean.validate(input);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(e.getMessage(), e);
        }
    }

    /**
     * Whether a request of {@code sequences} sequences is one the model can encode alone (asked of the
     * engine's own input rules, on a sample batch of that size).
     */
    boolean acceptsBatch(int sequences) {
        try {
            lean.validate(EncoderInput.sample(config, sequences, 1));
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The smallest batch up to {@code limit} the model accepts (1 unless MoE routing groups span several examples), or -1. */
    int smallestBatch(int limit) {
        for (int b = 1; b <= limit; b++) {
            if (acceptsBatch(b)) {
                return b;
            }
        }
        return -1;
    }

    /**
     * The batch sizes to warm up: the smallest request and the largest merged call (compiled code differs
     * between a few rows and many; sizes in between run the same kernels).
     */
    int[] warmupBatchSizes(int maxBatch) {
        Set<Integer> sizes = new LinkedHashSet<>();
        sizes.add(smallestBatch(maxBatch));
        for (int b = maxBatch; b >= 1; b--) {
            if (acceptsBatch(b)) {
                sizes.add(b);
                break;
            }
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Relative difference between two consecutive warm-up calls at which a batch size counts as warm. */
    static final double STEADY_TOLERANCE = 0.10;

    /** What {@link #warmUp} did: the calls made at each batch size, and how long they took together. */
    record WarmUp(int[] calls, long nanos) {
    }

    /**
     * Warm-up calls at each batch size, at most {@code maxCalls} and at least two (one when maxCalls is 1): a
     * size is done once a call took within {@link #STEADY_TOLERANCE} of the one before, since that is when
     * C2 has compiled what the size runs (Base from a cold JVM: 5 calls at batch 1, where the times fall from
     * 2.3 s to 0.18 s, then 2 at batch 8, which reuses most of that code).
     */
    WarmUp warmUp(int maxCalls, int... batchSizes) {
        return warmUp(maxCalls, batchSizes, size -> lean.warmUp(1, size));
    }

    /** {@link #warmUp(int, int...)} with {@code call} making one call at a batch size and returning its nanoseconds. */
    static WarmUp warmUp(int maxCalls, int[] batchSizes, IntToLongFunction call) {
        int[] calls = new int[batchSizes.length];
        long total = 0;
        for (int i = 0; i < batchSizes.length; i++) {
            long previous = -1;
            while (calls[i] < maxCalls) {
                long nanos = call.applyAsLong(batchSizes[i]);
                total += nanos;
                calls[i]++;
                if (previous > 0 && Math.abs(nanos - previous) <= STEADY_TOLERANCE * previous) {
                    break;
                }
                previous = nanos;
            }
        }
        return new WarmUp(calls, total);
    }

    void checkBatchSize(int batch) {
        lean.checkBatchSize(batch);
    }

    /**
     * Input names, datatypes and shapes (-1 for the batch, and for the split of a dense model's sequence);
     * with a tokenizer also {@code text} and {@code text_pair}, BYTES of shape [-1] (one string per sequence).
     */
    List<TensorSpec> inputs() {
        List<TensorSpec> specs = new ArrayList<>();
        int s = config.withDenseInputs() ? -1 : config.maxSequenceLength();
        for (String n : schema.names()) {
            specs.add(switch (InputTensors.kind(n)) {
                case FLOAT -> new TensorSpec(n, Datatype.FP32, new long[] {-1, -1, config.embeddingWidth()});
                case INT -> new TensorSpec(n, Datatype.INT32, new long[] {-1, s});
                case TEXT -> new TensorSpec(n, Datatype.BYTES, new long[] {-1});
            });
        }
        return specs;
    }

    List<TensorSpec> outputs() {
        List<TensorSpec> specs = new ArrayList<>();
        for (OutputTensor o : OutputTensor.values()) {
            specs.add(new TensorSpec(o.tensorName(), Datatype.FP32, o.shape(config, -1)));
        }
        return specs;
    }

    record TensorSpec(String name, Datatype datatype, long[] shape) {
    }
}
