package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/**
 * jqwik fuzzing of the encoder's input validation (SPEC section 4): random {@link EncoderInput} records
 * (batch sizes including 0 and -1, lengths around S, one value, length or array broken at a time) against a
 * word-only model and a dense-input model. Property: {@code encode} either throws an
 * {@link IllegalArgumentException} with a message, or returns outputs of the right shape, all finite.
 * Shrinking finds the smallest failing record.
 */
class EncoderInputFuzzTest {
    private static SparseMixerEncoder words;
    private static SparseMixerEncoder dense;

    @BeforeContainer
    static void encoders() {
        words = SparseMixerEncoder.create(TestModels.small(), TestModels.weights(21), EncoderOptions.threads(2));
        dense = SparseMixerEncoder.create(TestModels.small(2.0, true), TestModels.weights(22), EncoderOptions.threads(1));
    }

    @AfterContainer
    static void close() {
        words.close();
        dense.close();
        Fuzz.printStats();
    }

    /** What one try breaks (or NONE), and with which value at which position. */
    enum Break { NONE, WORD_ID, MASK, TYPE_ID, DENSE_TYPE_ID, DENSE_MASK, DENSE_VALUE, LENGTH, NULL_ARRAY, BATCH_FIELD }

    record Case(boolean denseModel, int batch, int wordLength, int denseLength, Break broken, int value, int position,
                long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(
                Arbitraries.of(false, true),
                Arbitraries.integers().between(-1, 5),
                // -1: the length that fits (S - S_d), three times in four
                Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(-1)), Tuple.of(1, Arbitraries.integers().between(0, 10))),
                Arbitraries.integers().between(0, 4),
                Arbitraries.of(Break.class),
                Arbitraries.of(-1, 0, 1, 2, 3, 36, 37, Integer.MIN_VALUE, Integer.MAX_VALUE),
                Arbitraries.integers().between(0, 999),
                Arbitraries.longs()).as(Case::new);
    }

    @Property
    void encodeThrowsOnlyIllegalArgumentOrGivesFiniteOutputs(@ForAll("cases") Case c) {
        SparseMixerEncoder encoder = c.denseModel() ? dense : words;
        EncoderInput input = build(c, encoder.config());
        Fuzz.expectOnly("encode " + (c.denseModel() ? "dense " : "words ") + c.broken() + " [" + c + "]", () -> {
            EncoderOutput out = encoder.encode(input);
            SparseMixerConfig config = encoder.config();
            assertEquals(input.batchSize(), out.batchSize());
            assertEquals(config.maxSequenceLength(), out.sequenceLength());
            for (float[] a : new float[][] {out.sequenceOutput(), out.pooledOutput(), out.encoderOutputs()}) {
                for (float v : a) {
                    assertTrue(Float.isFinite(v), () -> "non-finite output for accepted input " + c);
                }
            }
        }, IllegalArgumentException.class);
    }

    /** A record built from valid random values, then broken as the case says. */
    static EncoderInput build(Case c, SparseMixerConfig config) {
        Random r = new Random(c.seed());
        int b = Math.max(0, c.batch());
        int sd = c.denseLength();
        boolean withDense = c.denseModel() ? r.nextInt(8) > 0 : r.nextInt(8) == 0;
        int sw = c.wordLength() >= 0 ? c.wordLength() : config.maxSequenceLength() - (withDense ? sd : 0);
        int w = config.embeddingWidth();
        int[] ids = new int[b * sw];
        int[] mask = new int[b * sw];
        int[] types = new int[b * sw];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(config.vocabSize());
            mask[i] = r.nextInt(4) == 0 ? 0 : 1;
            types[i] = r.nextInt(config.typeVocabSize());
        }
        float[] denseValues = withDense ? new float[b * sd * w] : null;
        int[] denseMask = withDense ? new int[b * sd] : null;
        int[] denseTypes = withDense ? new int[b * sd] : null;
        if (withDense) {
            for (int i = 0; i < denseValues.length; i++) {
                denseValues[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < denseMask.length; i++) {
                denseMask[i] = r.nextInt(2);
                denseTypes[i] = r.nextInt(config.typeVocabSize());
            }
        }
        int p = c.position();
        int batchField = c.batch();
        int[][] intArrays = {ids, mask, types, denseMask, denseTypes};
        switch (c.broken()) {
            case WORD_ID -> set(ids, p, c.value());
            case MASK -> set(mask, p, c.value());
            case TYPE_ID -> set(types, p, c.value());
            case DENSE_TYPE_ID -> set(denseTypes, p, c.value());
            case DENSE_MASK -> set(denseMask, p, c.value());
            case DENSE_VALUE -> {
                if (denseValues != null && denseValues.length > 0) {
                    denseValues[p % denseValues.length] = c.value() < 0 ? Float.NEGATIVE_INFINITY
                            : c.value() == 0 ? Float.NaN : Float.POSITIVE_INFINITY;
                }
            }
            case LENGTH -> {
                int which = p % 6;
                if (which == 5) {
                    denseValues = denseValues == null ? null : java.util.Arrays.copyOf(denseValues, denseValues.length + 1);
                } else if (intArrays[which] != null) {
                    int[] a = intArrays[which];
                    intArrays[which] = java.util.Arrays.copyOf(a, Math.max(0, a.length + (c.value() < 0 ? -1 : 1)));
                }
            }
            case NULL_ARRAY -> {
                int which = p % 6;
                if (which == 5) {
                    denseValues = null;
                } else {
                    intArrays[which] = null;
                }
            }
            case BATCH_FIELD -> batchField = c.value() < 0 ? batchField - 1 : batchField + 1;
            case NONE -> { }
        }
        return new EncoderInput(batchField, sw, intArrays[0], intArrays[1], intArrays[2], withDense ? sd : 0,
                denseValues, intArrays[3], intArrays[4]);
    }

    private static void set(int[] a, int position, int value) {
        if (a != null && a.length > 0) {
            a[position % a.length] = value;
        }
    }
}
