package org.sparsemixer.spark;

import java.io.Serializable;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * What one row must satisfy for a model (SPEC section 4, row by row): sequences of exactly
 * {@code max_sequence_length}, word ids in [0, vocab_size), type ids in [0, type_vocab_size), mask 0 or 1.
 * The engine checks the same rules per batch; checking each row first lets the job name the row and
 * skip it without failing the rest of its batch.
 */
public record RowRules(int sequenceLength, int vocabSize, int typeVocabSize) implements Serializable {
    private static final long serialVersionUID = 1L;

    public static RowRules of(SparseMixerConfig config) {
        if (config.withDenseInputs()) {
            throw new IllegalArgumentException("the model has with_dense_inputs = true; the Spark job reads "
                    + "word inputs only and cannot feed dense_inputs");
        }
        return new RowRules(config.maxSequenceLength(), config.vocabSize(), config.typeVocabSize());
    }

    /** Null when the packed row is valid, otherwise the first broken rule naming the input and position. */
    public String violation(PackedRow row) {
        String reason = length(EncoderInput.INPUT_WORD_IDS, row.wordIds());
        if (reason == null) {
            reason = length(EncoderInput.INPUT_MASK, row.mask());
        }
        if (reason == null) {
            reason = length(EncoderInput.INPUT_TYPE_IDS, row.typeIds());
        }
        if (reason == null) {
            reason = range(EncoderInput.INPUT_WORD_IDS, row.wordIds(), vocabSize, "vocab_size");
        }
        if (reason == null) {
            reason = range(EncoderInput.INPUT_TYPE_IDS, row.typeIds(), typeVocabSize, "type_vocab_size");
        }
        if (reason == null) {
            reason = range(EncoderInput.INPUT_MASK, row.mask(), 2, "a mask of 0 or 1");
        }
        return reason;
    }

    private String length(String name, int[] values) {
        return values.length == sequenceLength ? null
                : name + " has length " + values.length + ", the model needs max_sequence_length = " + sequenceLength;
    }

    private static String range(String name, int[] values, int limit, String limitName) {
        for (int t = 0; t < values.length; t++) {
            if (values[t] < 0 || values[t] >= limit) {
                return name + "[" + t + "] = " + values[t] + " is outside [0, " + limit + ") (" + limitName
                        + (limitName.startsWith("a ") ? "" : " = " + limit) + ")";
            }
        }
        return null;
    }
}
