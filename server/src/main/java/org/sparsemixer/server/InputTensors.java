package org.sparsemixer.server;

import static org.sparsemixer.engine.EncoderInput.DENSE_INPUTS;
import static org.sparsemixer.engine.EncoderInput.DENSE_MASK;
import static org.sparsemixer.engine.EncoderInput.DENSE_TYPE_IDS;
import static org.sparsemixer.engine.EncoderInput.INPUT_MASK;
import static org.sparsemixer.engine.EncoderInput.INPUT_TYPE_IDS;
import static org.sparsemixer.engine.EncoderInput.INPUT_WORD_IDS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.ModelTokenizer;
import org.sparsemixer.tokenizer.PackedBatch;

/**
 * The named input tensors of one request, whatever protocol carried them, and their assembly into an
 * {@link EncoderInput}. This is the one place that knows which tensors a model takes: the id inputs
 * ({@code input_word_ids} / {@code input_mask} / {@code input_type_ids}, and the dense ones of a model
 * with dense inputs), or, when the model directory has a tokenizer, {@code text} and the optional
 * {@code text_pair} (BYTES, one string per sequence), which are tokenized and packed here, on the
 * request's thread, into the id inputs before the request is queued.
 */
final class InputTensors {
    static final String TEXT = "text";
    static final String TEXT_PAIR = "text_pair";
    static final List<String> WORD_INPUTS = List.of(INPUT_WORD_IDS, INPUT_MASK, INPUT_TYPE_IDS);
    static final List<String> DENSE = List.of(DENSE_INPUTS, DENSE_MASK, DENSE_TYPE_IDS);
    static final List<String> TEXT_INPUTS = List.of(TEXT, TEXT_PAIR);

    /**
     * The inputs of one model: its config, and its tokenizer when its directory has one.
     *
     * @param tokenizer null when the model takes no text
     */
    record Schema(SparseMixerConfig config, ModelTokenizer tokenizer) {
        /** The id inputs a model takes: the word inputs, and the dense ones when it has them. */
        List<String> idNames() {
            return config.withDenseInputs()
                    ? List.of(INPUT_WORD_IDS, INPUT_MASK, INPUT_TYPE_IDS, DENSE_INPUTS, DENSE_MASK, DENSE_TYPE_IDS)
                    : WORD_INPUTS;
        }

        /** Every input name, the text ones last when the model has a tokenizer. */
        List<String> names() {
            if (tokenizer == null) {
                return idNames();
            }
            List<String> all = new ArrayList<>(idNames());
            all.addAll(TEXT_INPUTS);
            return all;
        }

        /** Fails with 400 unless {@code name} is one of the model's inputs not given before. */
        void checkName(String name, Map<String, ?> seen) {
            if (TEXT_INPUTS.contains(name) && tokenizer == null) {
                throw HttpError.badRequest("input '" + name + "': the model has no tokenizer, so it takes no text; its"
                        + " directory would need " + ModelTokenizer.SENTENCEPIECE_FILE + " or "
                        + ModelTokenizer.WORDPIECE_FILE + " (with " + ModelTokenizer.TEXT_CONFIG_FILE
                        + ", see docs/model-format.md); its inputs are " + names());
            }
            if (!names().contains(name)) {
                throw HttpError.badRequest("unknown input '" + name + "'; the model's inputs are " + names());
            }
            if (seen.containsKey(name)) {
                throw HttpError.badRequest("input '" + name + "' is given twice");
            }
        }
    }

    /** One tensor: exactly one of {@code ints} / {@code floats} / {@code texts} is set, of length product(shape). */
    record Tensor(String name, long[] shape, int[] ints, float[] floats, List<String> texts) {
        static Tensor ofInts(String name, long[] shape, int[] values) {
            return new Tensor(name, shape, values, null, null);
        }

        static Tensor ofFloats(String name, long[] shape, float[] values) {
            return new Tensor(name, shape, null, values, null);
        }

        static Tensor ofTexts(String name, long[] shape, List<String> values) {
            return new Tensor(name, shape, null, null, values);
        }

        int length() {
            return ints != null ? ints.length : floats != null ? floats.length : texts.size();
        }
    }

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    static Datatype.Kind kind(String name) {
        return DENSE_INPUTS.equals(name) ? Datatype.Kind.FLOAT
                : TEXT_INPUTS.contains(name) ? Datatype.Kind.TEXT : Datatype.Kind.INT;
    }

    void add(Schema schema, Tensor tensor) {
        schema.checkName(tensor.name(), tensors);
        long count = elements(tensor.name(), tensor.shape());
        int length = tensor.length();
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

    /**
     * The batch, with its shapes checked against each other and the model (values are checked by the
     * engine); text inputs tokenized and packed.
     */
    EncoderInput toEncoderInput(Schema schema) {
        List<String> texts = tensors.keySet().stream().filter(TEXT_INPUTS::contains).toList();
        if (!texts.isEmpty()) {
            List<String> ids = tensors.keySet().stream().filter(n -> !TEXT_INPUTS.contains(n)).toList();
            if (!ids.isEmpty()) {
                throw HttpError.badRequest("the request gives both text inputs " + texts + " and id inputs " + ids
                        + "; give either " + TEXT + " (and optionally " + TEXT_PAIR + ") or " + schema.idNames());
            }
            return packText(schema);
        }
        SparseMixerConfig config = schema.config();
        for (String name : schema.idNames()) {
            if (!tensors.containsKey(name)) {
                throw HttpError.badRequest("input '" + name + "' is missing; the model's inputs are " + schema.names());
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

    /** {@code text} (and {@code text_pair}) of shape [B] or [B, 1], tokenized and packed as the model's tokenizer does. */
    private EncoderInput packText(Schema schema) {
        Tensor text = tensors.get(TEXT);
        if (text == null) {
            throw HttpError.badRequest("input '" + TEXT_PAIR + "' is given without '" + TEXT + "'");
        }
        int batch = textBatch(text);
        Tensor pair = tensors.get(TEXT_PAIR);
        if (pair != null && textBatch(pair) != batch) {
            throw HttpError.badRequest("input '" + TEXT_PAIR + "' has " + pair.texts().size() + " strings but '" + TEXT
                    + "' has " + batch + "; give one pair per text");
        }
        List<List<String>> examples = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            examples.add(pair == null ? List.of(text.texts().get(b)) : List.of(text.texts().get(b), pair.texts().get(b)));
        }
        PackedBatch packed;
        try {
            packed = schema.tokenizer().packBatch(examples);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("input '" + (pair == null ? TEXT : TEXT_PAIR) + "': " + e.getMessage(), e);
        }
        return EncoderInput.of(packed.inputWordIds(), packed.inputMask(), packed.inputTypeIds());
    }

    /** The batch size of a text input: shape [B] (a batch of strings) or [B, 1] (Triton's batched [1]), B >= 1. */
    private static int textBatch(Tensor t) {
        long[] shape = t.shape();
        if (shape.length < 1 || shape.length > 2 || shape[0] < 1 || (shape.length == 2 && shape[1] != 1)) {
            throw HttpError.badRequest("input '" + t.name() + "' has shape " + Arrays.toString(shape)
                    + "; expected [batch] or [batch, 1] with batch >= 1 (one string per sequence)");
        }
        return (int) shape[0];
    }

    private void requireShape(String name, long[] expected) {
        long[] shape = tensors.get(name).shape();
        if (!Arrays.equals(shape, expected)) {
            throw HttpError.badRequest("input '" + name + "' has shape " + Arrays.toString(shape) + "; expected "
                    + Arrays.toString(expected));
        }
    }
}
