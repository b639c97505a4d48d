package org.sparsemixer.engine;

import java.util.Objects;

/**
 * How an encoder runs. The thread count never changes a result; the weight precision does (it rounds
 * the weights, see {@link WeightPrecision}), and is otherwise deterministic too.
 *
 * @param threads         compute threads shared by all calls of one encoder (>= 1)
 * @param weightPrecision what the weights are kept in: {@link WeightPrecision#F32} (default, exact) or
 *                        16-bit {@link WeightPrecision#BF16} / {@link WeightPrecision#F16} (half the memory)
 * @param encoderOutputs  whether a call returns every layer's output ({@link EncoderOutput#encoderOutputs()},
 *                        L x B x S x H floats, 14 MB per sequence for Base). Default true; a service that only
 *                        needs {@code sequence_output} and {@code pooled_output} saves that allocation and the
 *                        copies (about 2 % of a Base call). The other outputs are the same either way.
 */
public record EncoderOptions(int threads, WeightPrecision weightPrecision, boolean encoderOutputs) {
    public EncoderOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Objects.requireNonNull(weightPrecision, "weightPrecision");
    }

    /** {@code threads} threads, weights in {@code weightPrecision}, every layer's output returned. */
    public EncoderOptions(int threads, WeightPrecision weightPrecision) {
        this(threads, weightPrecision, true);
    }

    /** {@code threads} threads, F32 weights, every layer's output returned. */
    public EncoderOptions(int threads) {
        this(threads, WeightPrecision.F32);
    }

    /** One thread per available processor, F32 weights, every layer's output returned. */
    public static EncoderOptions defaults() {
        return new EncoderOptions(Runtime.getRuntime().availableProcessors());
    }

    /** {@code threads} threads, F32 weights, every layer's output returned. */
    public static EncoderOptions threads(int threads) {
        return new EncoderOptions(threads);
    }

    /** These options with the weights kept in {@code precision}. */
    public EncoderOptions withWeightPrecision(WeightPrecision precision) {
        return new EncoderOptions(threads, precision, encoderOutputs);
    }

    /** These options with every layer's output returned ({@code true}) or not ({@code false}). */
    public EncoderOptions withEncoderOutputs(boolean keep) {
        return new EncoderOptions(threads, weightPrecision, keep);
    }
}
