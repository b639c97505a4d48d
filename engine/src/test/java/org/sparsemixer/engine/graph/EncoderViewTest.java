package org.sparsemixer.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;

/** {@code withEncoderOutputs(keep)} views over one set of weights, and {@code validate}. */
class EncoderViewTest {
    private static final SparseMixerConfig CONFIG = new SparseMixerConfig(50, 32, 3, List.of(1), List.of(2), 4,
            1.0, 1.0, 2.0, MixingMechanism.LINEAR, false, 4, 16, 2, 64, SparseMixerConfig.GELU_APPROXIMATE, null,
            32, false, false);

    @Test
    void aViewComputesTheSameOutputsAndKeepsOrSkipsTheLayers() {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 3);
        EncoderInput input = EncoderVsReferenceTest.randomInput(CONFIG, 4, 0, 5);
        try (SparseMixerEncoder full = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(2))) {
            SparseMixerEncoder lean = full.withEncoderOutputs(false);
            assertSame(full, full.withEncoderOutputs(true));
            assertSame(lean, lean.withEncoderOutputs(false));
            assertTrue(full.keepsEncoderOutputs());
            assertFalse(lean.keepsEncoderOutputs());
            assertEquals(full.weightBytes(), lean.weightBytes());
            EncoderOutput all = full.encode(input);
            EncoderOutput some = lean.encode(input);
            assertNull(some.encoderOutputs());
            assertArrayEquals(all.sequenceOutput(), some.sequenceOutput());
            assertArrayEquals(all.pooledOutput(), some.pooledOutput());
            EncoderOutput again = lean.withEncoderOutputs(true).encode(input);
            assertNotNull(again.encoderOutputs());
            assertArrayEquals(all.encoderOutputs(), again.encoderOutputs());
            full.close();
            // The view shares the compute threads: closing one stops both.
            assertThrows(IllegalStateException.class, () -> lean.encode(input));
        }
    }

    @Test
    void validateAppliesTheInputRulesWithoutComputing() {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 3);
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(1))) {
            encoder.validate(EncoderVsReferenceTest.randomInput(CONFIG, 2, 0, 5));
            // examples_per_group 2: one sequence is not a routing group.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> encoder.validate(EncoderVsReferenceTest.randomInput(CONFIG, 1, 0, 5)));
            assertTrue(e.getMessage().contains("examples_per_group"), e.getMessage());
            EncoderInput bad = EncoderVsReferenceTest.randomInput(CONFIG, 2, 0, 5);
            bad.wordIds()[3] = 50;
            e = assertThrows(IllegalArgumentException.class, () -> encoder.validate(bad));
            assertTrue(e.getMessage().contains("input_word_ids[0][3] = 50"), e.getMessage());
        }
    }
}
