package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/**
 * SPEC section 4 through the Java API, one rule per test: an IllegalArgumentException whose message names
 * the input and the bad value or position. Models: {@link TestModels#small} (vocab 37, type vocab 3, S 8).
 */
class InputValidationTest {
    private static final int S = TestModels.SEQ;
    private static final int W = TestModels.HIDDEN;
    private static final int DENSE_LEN = 2;

    private static SparseMixerEncoder plain;
    private static SparseMixerEncoder dense;

    @BeforeAll
    static void build() {
        EncoderOptions one = EncoderOptions.threads(1);
        plain = SparseMixerEncoder.create(TestModels.small(), TestModels.weights(7), one);
        dense = SparseMixerEncoder.create(TestModels.small(1.0, true), TestModels.weights(8), one);
    }

    @AfterAll
    static void close() {
        plain.close();
        dense.close();
    }

    private static IllegalArgumentException rejects(SparseMixerEncoder encoder, EncoderInput input) {
        return assertThrows(IllegalArgumentException.class, () -> encoder.encode(input));
    }

    private static EncoderInput words(Batches b) {
        return EncoderInput.of(b.ids, b.mask, b.types);
    }

    private static EncoderInput withDense(Batches b, float[][][] d) {
        int batch = b.ids.length;
        return EncoderInput.withDense(b.ids, b.mask, b.types, d,
                Batches.filled(batch, d[0].length, 1), Batches.filled(batch, d[0].length, 0));
    }

    // ---- positive controls: the inputs the tests below break are valid ----

    @Test
    void validWordInputsEncode() {
        EncoderOutput out = plain.encode(words(Batches.valid(2, S, 1)));
        assertEquals(2, out.batchSize());
        assertEquals(S, out.sequenceLength());
        assertEquals(2 * S * TestModels.HIDDEN, out.sequenceOutput().length);
        assertEquals(TestModels.LAYERS * 2 * S * TestModels.HIDDEN, out.encoderOutputs().length);
    }

    @Test
    void validDenseInputsEncode() {
        EncoderOutput out = dense.encode(withDense(Batches.valid(2, S - DENSE_LEN, 1), Batches.dense(2, DENSE_LEN, W, 2)));
        assertEquals(S, out.sequenceLength());
    }

    @Test
    void encoderStillWorksAfterRejectingAnInput() {
        Batches bad = Batches.valid(2, S, 1);
        bad.ids[1][3] = TestModels.VOCAB;
        rejects(plain, words(bad));
        assertDoesNotThrow(() -> plain.encode(words(Batches.valid(2, S, 1))));
    }

    // ---- word ids ----

    @Test
    void negativeWordIdIsRejected() {
        Batches b = Batches.valid(2, S, 1);
        b.ids[1][6] = -7;
        Messages.assertMentions(rejects(plain, words(b)).getMessage(), EncoderInput.INPUT_WORD_IDS, "-7", "6", "37");
    }

    @Test
    void wordIdEqualToVocabSizeIsRejected() {
        Batches b = Batches.valid(2, S, 1);
        b.ids[0][5] = TestModels.VOCAB;
        Messages.assertMentions(rejects(plain, words(b)).getMessage(), EncoderInput.INPUT_WORD_IDS, "37", "5");
    }

    @Test
    void wordIdUnderPaddingIsStillChecked() {
        Batches b = Batches.valid(2, S, 1);
        b.ids[1][S - 1] = 1000; // example 1 is padded at the end: mask 0 there
        assertEquals(0, b.mask[1][S - 1]);
        Messages.assertMentions(rejects(plain, words(b)).getMessage(), EncoderInput.INPUT_WORD_IDS, "1000");
    }

    // ---- type ids ----

    @ParameterizedTest
    @ValueSource(ints = {-1, 3, 99})
    void typeIdOutsideTypeVocabIsRejected(int bad) {
        Batches b = Batches.valid(2, S, 1);
        b.types[1][4] = bad;
        Messages.assertMentions(rejects(plain, words(b)).getMessage(), EncoderInput.INPUT_TYPE_IDS, String.valueOf(bad), "4");
    }

    // ---- mask ----

    @ParameterizedTest
    @ValueSource(ints = {-1, 2, 255})
    void maskValueOtherThanZeroOrOneIsRejected(int bad) {
        Batches b = Batches.valid(2, S, 1);
        b.mask[0][5] = bad;
        Messages.assertMentions(rejects(plain, words(b)).getMessage(), EncoderInput.INPUT_MASK, String.valueOf(bad), "5");
    }

    // ---- lengths ----

    @ParameterizedTest
    @ValueSource(ints = {S - 1, S + 1, 1})
    void wordLengthOtherThanMaxSequenceLengthIsRejected(int length) {
        String message = rejects(plain, words(Batches.valid(2, length, 1))).getMessage();
        Messages.assertMentionsAny(message, EncoderInput.INPUT_WORD_IDS, EncoderInput.INPUT_MASK, EncoderInput.INPUT_TYPE_IDS);
        Messages.assertMentions(message, String.valueOf(length), String.valueOf(S));
    }

    @ParameterizedTest
    @ValueSource(ints = {DENSE_LEN - 1, DENSE_LEN + 1})
    void wordPlusDenseLengthOtherThanMaxSequenceLengthIsRejected(int denseLength) {
        EncoderInput input = withDense(Batches.valid(2, S - DENSE_LEN, 1), Batches.dense(2, denseLength, W, 2));
        String message = rejects(dense, input).getMessage();
        Messages.assertMentionsAny(message, EncoderInput.INPUT_WORD_IDS, EncoderInput.DENSE_INPUTS);
        Messages.assertMentions(message, String.valueOf(S));
    }

    @Test
    void denseWidthOtherThanEmbeddingWidthIsRejected() {
        EncoderInput input = withDense(Batches.valid(2, S - DENSE_LEN, 1), Batches.dense(2, DENSE_LEN, W + 1, 2));
        Messages.assertMentions(rejects(dense, input).getMessage(), EncoderInput.DENSE_INPUTS);
    }

    // ---- batch sizes that differ between inputs ----

    @Test
    void maskWithAnotherBatchSizeIsRejectedByTheFactory() {
        Batches b = Batches.valid(2, S, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EncoderInput.of(b.ids, Batches.valid(1, S, 1).mask, b.types));
        Messages.assertMentions(e.getMessage(), EncoderInput.INPUT_MASK);
    }

    @Test
    void maskWithAnotherBatchSizeIsRejectedByTheEncoder() {
        Batches b = Batches.valid(2, S, 1);
        // The record constructor does not check: the encoder must.
        EncoderInput input = new EncoderInput(2, S, Batches.flat(b.ids), new int[S], Batches.flat(b.types),
                0, null, null, null);
        Messages.assertMentions(rejects(plain, input).getMessage(), EncoderInput.INPUT_MASK);
    }

    @Test
    void typeIdsWithAnotherBatchSizeIsRejectedByTheEncoder() {
        Batches b = Batches.valid(2, S, 1);
        EncoderInput input = new EncoderInput(2, S, Batches.flat(b.ids), Batches.flat(b.mask), new int[3 * S],
                0, null, null, null);
        Messages.assertMentions(rejects(plain, input).getMessage(), EncoderInput.INPUT_TYPE_IDS);
    }

    @Test
    void denseInputsWithAnotherBatchSizeIsRejected() {
        Batches b = Batches.valid(2, S - DENSE_LEN, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EncoderInput.withDense(b.ids, b.mask, b.types, Batches.dense(1, DENSE_LEN, W, 2),
                        Batches.filled(2, DENSE_LEN, 1), Batches.filled(2, DENSE_LEN, 0)));
        Messages.assertMentions(e.getMessage(), EncoderInput.DENSE_INPUTS);

        EncoderInput input = new EncoderInput(2, S - DENSE_LEN, Batches.flat(b.ids), Batches.flat(b.mask),
                Batches.flat(b.types), DENSE_LEN, Batches.flat(Batches.dense(1, DENSE_LEN, W, 2)),
                Batches.flat(Batches.filled(2, DENSE_LEN, 1)), Batches.flat(Batches.filled(2, DENSE_LEN, 0)));
        Messages.assertMentions(rejects(dense, input).getMessage(), EncoderInput.DENSE_INPUTS);
    }

    // ---- routing groups (SPEC section 3 MoE: T = floor(S * examples_per_group)) ----

    @Test
    void tokensNotAMultipleOfTheGroupSizeAreRejected() {
        // examples_per_group 1.5, S 8: T = 12. B = 2: 16 tokens, not a multiple of 12, and 1.5 <= 2.
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(TestModels.small(1.5, false),
                TestModels.weights(9), EncoderOptions.threads(1))) {
            String message = rejects(encoder, words(Batches.valid(2, S, 1))).getMessage();
            Messages.assertMentions(message, "12");
            Messages.assertMentionsAny(message, "16", "2");
            // B = 3: 24 tokens = two groups of 12: valid.
            assertDoesNotThrow(() -> encoder.encode(words(Batches.valid(3, S, 1))));
        }
    }

    @Test
    void examplesPerGroupLargerThanBatchIsRejected() {
        // examples_per_group 1.05, S 8: T = floor(8.4) = 8, so B = 1 gives one whole group (8 tokens);
        // only examples_per_group > B is violated.
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(TestModels.small(1.05, false),
                TestModels.weights(10), EncoderOptions.threads(1))) {
            String message = rejects(encoder, words(Batches.valid(1, S, 1))).getMessage();
            Messages.assertMentions(message, "examples_per_group", "1.05");
            assertDoesNotThrow(() -> encoder.encode(words(Batches.valid(2, S, 1))));
        }
    }

    @Test
    void examplesPerGroupOfTwoWithBatchOneIsRejected() {
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(TestModels.small(2.0, false),
                TestModels.weights(11), EncoderOptions.threads(1))) {
            Messages.assertMentions(rejects(encoder, words(Batches.valid(1, S, 1))).getMessage(), "examples_per_group");
            assertDoesNotThrow(() -> encoder.encode(words(Batches.valid(2, S, 1))));
        }
    }

    // ---- missing inputs ----

    @ParameterizedTest
    @ValueSource(strings = {EncoderInput.INPUT_WORD_IDS, EncoderInput.INPUT_MASK, EncoderInput.INPUT_TYPE_IDS})
    void missingWordInputIsRejected(String missing) {
        Batches b = Batches.valid(2, S, 1);
        int[] ids = missing.equals(EncoderInput.INPUT_WORD_IDS) ? null : Batches.flat(b.ids);
        int[] mask = missing.equals(EncoderInput.INPUT_MASK) ? null : Batches.flat(b.mask);
        int[] types = missing.equals(EncoderInput.INPUT_TYPE_IDS) ? null : Batches.flat(b.types);
        EncoderInput input = new EncoderInput(2, S, ids, mask, types, 0, null, null, null);
        Messages.assertMentions(rejects(plain, input).getMessage(), missing);
    }

    @Test
    void missingWordInputIsRejectedByTheFactory() {
        Batches b = Batches.valid(2, S, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncoderInput.of(b.ids, b.mask, null));
        Messages.assertMentions(e.getMessage(), EncoderInput.INPUT_TYPE_IDS);
    }

    @Test
    void denseInputsAreRequiredWhenTheModelHasDenseInputs() {
        Batches b = Batches.valid(2, S, 1); // S_w = S: only the dense inputs are missing
        Messages.assertMentions(rejects(dense, words(b)).getMessage(), EncoderInput.DENSE_INPUTS);
    }

    @ParameterizedTest
    @ValueSource(strings = {EncoderInput.DENSE_INPUTS, EncoderInput.DENSE_MASK, EncoderInput.DENSE_TYPE_IDS})
    void eachDenseInputIsRequired(String missing) {
        Batches b = Batches.valid(2, S - DENSE_LEN, 1);
        float[] d = missing.equals(EncoderInput.DENSE_INPUTS) ? null : Batches.flat(Batches.dense(2, DENSE_LEN, W, 2));
        int[] m = missing.equals(EncoderInput.DENSE_MASK) ? null : Batches.flat(Batches.filled(2, DENSE_LEN, 1));
        int[] t = missing.equals(EncoderInput.DENSE_TYPE_IDS) ? null : Batches.flat(Batches.filled(2, DENSE_LEN, 0));
        EncoderInput input = new EncoderInput(2, S - DENSE_LEN, Batches.flat(b.ids), Batches.flat(b.mask),
                Batches.flat(b.types), DENSE_LEN, d, m, t);
        Messages.assertMentions(rejects(dense, input).getMessage(), missing);
    }

    @Test
    void denseInputsAreRejectedWhenTheModelHasNone() {
        EncoderInput input = withDense(Batches.valid(2, S - DENSE_LEN, 1), Batches.dense(2, DENSE_LEN, W, 2));
        Messages.assertMentions(rejects(plain, input).getMessage(), EncoderInput.DENSE_INPUTS);
    }

    // ---- dense values ----

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void nonFiniteDenseInputIsRejected(float bad) {
        float[][][] d = Batches.dense(2, DENSE_LEN, W, 2);
        d[1][1][3] = bad;
        String message = rejects(dense, withDense(Batches.valid(2, S - DENSE_LEN, 1), d)).getMessage();
        Messages.assertMentions(message, EncoderInput.DENSE_INPUTS);
        Messages.assertMentionsAny(message, "NaN", "Infinity", "-Infinity", "inf", "-inf", "infinite", "non-finite", "finite");
    }

    @Test
    void denseTypeIdOutsideTypeVocabIsRejected() {
        Batches b = Batches.valid(2, S - DENSE_LEN, 1);
        int[][] denseTypes = Batches.filled(2, DENSE_LEN, 0);
        denseTypes[0][1] = TestModels.TYPE_VOCAB;
        EncoderInput input = EncoderInput.withDense(b.ids, b.mask, b.types, Batches.dense(2, DENSE_LEN, W, 2),
                Batches.filled(2, DENSE_LEN, 1), denseTypes);
        Messages.assertMentions(rejects(dense, input).getMessage(), EncoderInput.DENSE_TYPE_IDS, "3");
    }

    @Test
    void denseMaskValueOtherThanZeroOrOneIsRejected() {
        Batches b = Batches.valid(2, S - DENSE_LEN, 1);
        int[][] denseMask = Batches.filled(2, DENSE_LEN, 1);
        denseMask[1][0] = 7;
        EncoderInput input = EncoderInput.withDense(b.ids, b.mask, b.types, Batches.dense(2, DENSE_LEN, W, 2),
                denseMask, Batches.filled(2, DENSE_LEN, 0));
        Messages.assertMentions(rejects(dense, input).getMessage(), EncoderInput.DENSE_MASK, "7");
    }

    @Test
    void emptyBatchIsRejected() {
        // B = 0 < examples_per_group = 1 (the model has an MoE layer)
        EncoderInput input = new EncoderInput(0, S, new int[0], new int[0], new int[0], 0, null, null, null);
        assertThrows(IllegalArgumentException.class, () -> plain.encode(input));
    }

    @Test
    void configUsedByTheseTestsIsValid() {
        SparseMixerConfig c = TestModels.small(1.5, false);
        assertEquals(12, c.tokensPerGroup());
        assertEquals(8, TestModels.small(1.05, false).tokensPerGroup());
    }
}
