package org.sparsemixer.engine.graph;

import static org.sparsemixer.engine.EncoderInput.DENSE_INPUTS;
import static org.sparsemixer.engine.EncoderInput.DENSE_MASK;
import static org.sparsemixer.engine.EncoderInput.DENSE_TYPE_IDS;
import static org.sparsemixer.engine.EncoderInput.INPUT_MASK;
import static org.sparsemixer.engine.EncoderInput.INPUT_TYPE_IDS;
import static org.sparsemixer.engine.EncoderInput.INPUT_WORD_IDS;

import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * The input rules of SPEC section 4. Stricter than TensorFlow where it would silently compute
 * nonsense; every violation is an {@link IllegalArgumentException} naming the input, the position
 * and the allowed range.
 */
final class InputValidator {
    private InputValidator() {
    }

    static void validate(SparseMixerConfig config, EncoderInput input) {
        if (input == null) {
            throw new IllegalArgumentException("input batch is missing (null)");
        }
        int batch = input.batchSize();
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        }
        int sw = input.wordLength();
        int sd = input.denseLength();
        if (sw < 0 || sd < 0) {
            throw new IllegalArgumentException("sequence lengths must be >= 0, got " + INPUT_WORD_IDS + " " + sw
                    + " and " + DENSE_INPUTS + " " + sd);
        }
        requireLength(INPUT_WORD_IDS, input.wordIds(), batch, sw);
        requireLength(INPUT_MASK, input.mask(), batch, sw);
        requireLength(INPUT_TYPE_IDS, input.typeIds(), batch, sw);
        if (config.withDenseInputs()) {
            requireLength(DENSE_INPUTS, input.denseInputs(), batch, (long) sd * config.embeddingWidth(),
                    "[" + batch + ", " + sd + ", " + config.embeddingWidth() + "]");
            requireLength(DENSE_MASK, input.denseMask(), batch, sd);
            requireLength(DENSE_TYPE_IDS, input.denseTypeIds(), batch, sd);
        } else if (input.hasDenseInputs() || sd != 0) {
            throw new IllegalArgumentException(DENSE_INPUTS + " were given but the model has with_dense_inputs = false");
        }
        int s = config.maxSequenceLength();
        if (sw + sd != s) {
            throw new IllegalArgumentException("sequence length " + INPUT_WORD_IDS + " " + sw
                    + (config.withDenseInputs() ? " + " + DENSE_INPUTS + " " + sd : "") + " = " + (sw + sd)
                    + ", but the model accepts exactly max_sequence_length = " + s);
        }
        checkRange(INPUT_WORD_IDS, input.wordIds(), sw, config.vocabSize(), "vocab_size");
        checkRange(INPUT_TYPE_IDS, input.typeIds(), sw, config.typeVocabSize(), "type_vocab_size");
        checkMask(INPUT_MASK, input.mask(), sw);
        if (config.withDenseInputs()) {
            checkRange(DENSE_TYPE_IDS, input.denseTypeIds(), sd, config.typeVocabSize(), "type_vocab_size");
            checkMask(DENSE_MASK, input.denseMask(), sd);
            float[] dense = input.denseInputs();
            int w = config.embeddingWidth();
            for (int i = 0; i < dense.length; i++) {
                if (!Float.isFinite(dense[i])) {
                    int row = i / w;
                    throw new IllegalArgumentException(DENSE_INPUTS + "[" + row / sd + "][" + row % sd + "][" + i % w
                            + "] = " + dense[i] + " is not a finite number");
                }
            }
        }
        if (!config.moeLayers().isEmpty()) {
            if (config.examplesPerGroup() > batch) {
                throw new IllegalArgumentException("examples_per_group = " + config.examplesPerGroup()
                        + " is larger than the batch size " + batch + "; give a batch of at least "
                        + (int) Math.ceil(config.examplesPerGroup()) + " examples");
            }
            long tokens = (long) batch * s;
            int group = config.tokensPerGroup();
            if (tokens % group != 0) {
                throw new IllegalArgumentException("batch size " + batch + " gives " + tokens
                        + " tokens, not a multiple of the routing group of " + group
                        + " tokens (floor(max_sequence_length * examples_per_group))");
            }
        }
    }

    private static void requireLength(String name, int[] values, int batch, int length) {
        requireLength(name, values == null ? null : values.length, batch, length, "[" + batch + ", " + length + "]");
    }

    private static void requireLength(String name, float[] values, int batch, long perExample, String shape) {
        requireLength(name, values == null ? null : values.length, batch, perExample, shape);
    }

    private static void requireLength(String name, Integer actual, int batch, long perExample, String shape) {
        if (actual == null) {
            throw new IllegalArgumentException(name + " is missing");
        }
        if (actual != batch * perExample) {
            throw new IllegalArgumentException(name + " has " + actual + " values, expected " + shape
                    + " = " + batch * perExample);
        }
    }

    private static void checkRange(String name, int[] values, int length, int limit, String limitKey) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= limit) {
                throw new IllegalArgumentException(name + "[" + i / length + "][" + i % length + "] = " + values[i]
                        + " is outside [0, " + limit + ") (" + limitKey + " = " + limit + ")");
            }
        }
    }

    private static void checkMask(String name, int[] values, int length) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0 && values[i] != 1) {
                throw new IllegalArgumentException(name + "[" + i / length + "][" + i % length + "] = " + values[i]
                        + " is not a valid mask value (0 or 1)");
            }
        }
    }
}
