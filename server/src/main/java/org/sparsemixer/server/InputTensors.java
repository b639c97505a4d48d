package org.sparsemixer.server;

import static org.sparsemixer.engine.EncoderInput.DENSE_INPUTS;
import static org.sparsemixer.engine.EncoderInput.DENSE_MASK;
import static org.sparsemixer.engine.EncoderInput.DENSE_TYPE_IDS;
import static org.sparsemixer.engine.EncoderInput.INPUT_MASK;
import static org.sparsemixer.engine.EncoderInput.INPUT_TYPE_IDS;
import static org.sparsemixer.engine.EncoderInput.INPUT_WORD_IDS;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * The named input tensors of one request, whatever protocol carried them, and their assembly into an
 * {@link EncoderInput}. This is the one place that knows which tensors a model takes: a future
 * {@code text} input (BYTES, one string per sequence) would be added here, tokenized into
 * {@code input_word_ids} / {@code input_mask} / {@code input_type_ids} before {@link #toEncoderInput}.
 */
final class InputTensors {
    static final List<String> WORD_INPUTS = List.of(INPUT_WORD_IDS, INPUT_MASK, INPUT_TYPE_IDS);
    static final List<String> DENSE = List.of(DENSE_INPUTS, DENSE_MASK, DENSE_TYPE_IDS);

    /** One tensor: exactly one of {@code ints} / {@code floats} is set, of length product(shape). */
    record Tensor(String name, long[] shape, int[] ints, float[] floats) {
    }

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    /** The names a model takes: the word inputs, and the dense ones when it has them. */
    static List<String> names(SparseMixerConfig config) {
        return config.withDenseInputs()
                ? List.of(INPUT_WORD_IDS, INPUT_MASK, INPUT_TYPE_IDS, DENSE_INPUTS, DENSE_MASK, DENSE_TYPE_IDS)
                : WORD_INPUTS;
    }

    static boolean isFloat(String name) {
        return DENSE_INPUTS.equals(name);
    }

    /** Fails with 400 unless {@code name} is one of the model's inputs not given before. */
    static void checkName(SparseMixerConfig config, String name, Map<String, ?> seen) {
        if (!names(config).contains(name)) {
            throw HttpError.badRequest("unknown input '" + name + "'; the model's inputs are " + names(config));
        }
        if (seen.containsKey(name)) {
            throw HttpError.badRequest("input '" + name + "' is given twice");
        }
    }

    void add(SparseMixerConfig config, Tensor tensor) {
        checkName(config, tensor.name(), tensors);
        long count = elements(tensor.name(), tensor.shape());
        int length = tensor.ints() != null ? tensor.ints().length : tensor.floats().length;
        if (count != length) {
            throw HttpError.badRequest("input '" + tensor.name() + "' has shape " + Arrays.toString(tensor.shape())
                    + " (" + count + " values) but " + length + " values");
        }
        tensors.put(tensor.name(), tensor);
    }

    /** Product of a shape, refusing negative dimensions and overflow (before anything is allocated). */
    static long elements(String name, long[] shape) {
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw HttpError.badRequest("input '" + name + "' has a negative dimension in shape " + Arrays.toString(shape));
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw HttpError.badRequest("input '" + name + "' has a shape too large: " + Arrays.toString(shape));
            }
        }
        return count;
    }

    /** The batch, with its shapes checked against each other and the model (values are checked by the engine). */
    EncoderInput toEncoderInput(SparseMixerConfig config) {
        for (String name : names(config)) {
            if (!tensors.containsKey(name)) {
                throw HttpError.badRequest("input '" + name + "' is missing; the model's inputs are " + names(config));
            }
        }
        Tensor ids = tensors.get(INPUT_WORD_IDS);
        long[] shape = ids.shape();
        if (shape.length != 2 || shape[0] < 1) {
            throw HttpError.badRequest("input '" + INPUT_WORD_IDS + "' has shape " + Arrays.toString(shape)
                    + "; expected [batch, sequence length] with batch >= 1");
        }
        if (!config.withDenseInputs() && shape[1] != config.maxSequenceLength()) {
            throw HttpError.badRequest("input '" + INPUT_WORD_IDS + "' has shape " + Arrays.toString(shape)
                    + "; the model takes [batch, " + config.maxSequenceLength() + "] (max_sequence_length)");
        }
        for (String name : WORD_INPUTS) {
            requireShape(name, shape);
        }
        int batch = (int) shape[0];
        int wordLength = (int) shape[1];
        if (!config.withDenseInputs()) {
            return new EncoderInput(batch, wordLength, ids.ints(), tensors.get(INPUT_MASK).ints(),
                    tensors.get(INPUT_TYPE_IDS).ints(), 0, null, null, null);
        }
        Tensor dense = tensors.get(DENSE_INPUTS);
        long[] denseShape = dense.shape();
        if (denseShape.length != 3 || denseShape[0] != batch || denseShape[2] != config.embeddingWidth()) {
            throw HttpError.badRequest("input '" + DENSE_INPUTS + "' has shape " + Arrays.toString(denseShape)
                    + "; expected [" + batch + ", dense length, " + config.embeddingWidth() + "]");
        }
        int denseLength = (int) denseShape[1];
        requireShape(DENSE_MASK, new long[] {batch, denseLength});
        requireShape(DENSE_TYPE_IDS, new long[] {batch, denseLength});
        if (wordLength + denseLength != config.maxSequenceLength()) {
            throw HttpError.badRequest("sequence length " + wordLength + " (" + INPUT_WORD_IDS + ") + " + denseLength
                    + " (" + DENSE_INPUTS + ") = " + (wordLength + denseLength)
                    + "; the model takes exactly max_sequence_length = " + config.maxSequenceLength());
        }
        return new EncoderInput(batch, wordLength, ids.ints(), tensors.get(INPUT_MASK).ints(),
                tensors.get(INPUT_TYPE_IDS).ints(), denseLength, dense.floats(), tensors.get(DENSE_MASK).ints(),
                tensors.get(DENSE_TYPE_IDS).ints());
    }

    private void requireShape(String name, long[] expected) {
        long[] shape = tensors.get(name).shape();
        if (!Arrays.equals(shape, expected)) {
            throw HttpError.badRequest("input '" + name + "' has shape " + Arrays.toString(shape) + "; expected "
                    + Arrays.toString(expected));
        }
    }
}
