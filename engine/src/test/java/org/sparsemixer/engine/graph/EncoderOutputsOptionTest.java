package org.sparsemixer.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.WeightPrecision;

/** {@code EncoderOptions.withEncoderOutputs(false)}: the same sequence and pooled outputs, no per-layer copy. */
class EncoderOutputsOptionTest {
    // B x S x H = 2 x 128 x 512 floats per layer: large enough that the per-layer copy is split over threads.
    private static final SparseMixerConfig CONFIG = new SparseMixerConfig(50, 512, 3, List.of(1), List.of(2), 4,
            1.0, 1.0, 1.0, MixingMechanism.LINEAR, false, 8, 128, 2, 64, SparseMixerConfig.GELU_APPROXIMATE, null,
            512, false, false);

    @Test
    void optionsKeepEncoderOutputsByDefaultAndCarryTheChoice() {
        assertTrue(EncoderOptions.threads(2).encoderOutputs());
        assertTrue(EncoderOptions.defaults().encoderOutputs());
        EncoderOptions without = EncoderOptions.threads(2).withEncoderOutputs(false);
        assertFalse(without.encoderOutputs());
        assertFalse(without.withWeightPrecision(WeightPrecision.BF16).encoderOutputs());
        assertEquals(WeightPrecision.BF16,
                EncoderOptions.threads(2).withWeightPrecision(WeightPrecision.BF16).withEncoderOutputs(false)
                        .weightPrecision());
    }

    @Test
    void withoutEncoderOutputsTheOtherOutputsAreBitIdentical() {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 7);
        EncoderInput input = EncoderVsReferenceTest.randomInput(CONFIG, 2, 0, 8);
        EncoderOutput all;
        try (SparseMixerEncoder single = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(1))) {
            all = single.encode(input);
        }
        int block = 2 * 128 * 512;
        assertEquals(3 * block, all.encoderOutputs().length);
        // the last layer's output is the sequence output, and the copy did not mix up layers
        assertArrayEquals(all.sequenceOutput(), Arrays.copyOfRange(all.encoderOutputs(), 2 * block, 3 * block));
        assertFalse(Arrays.equals(all.sequenceOutput(), Arrays.copyOfRange(all.encoderOutputs(), block, 2 * block)));
        try (SparseMixerEncoder both = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(2));
             SparseMixerEncoder lean = SparseMixerEncoder.create(CONFIG, weights,
                     EncoderOptions.threads(2).withEncoderOutputs(false))) {
            EncoderOutput parallel = both.encode(input);
            assertArrayEquals(all.encoderOutputs(), parallel.encoderOutputs());
            EncoderOutput out = lean.encode(input);
            assertNull(out.encoderOutputs());
            assertArrayEquals(all.sequenceOutput(), out.sequenceOutput());
            assertArrayEquals(all.pooledOutput(), out.pooledOutput());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> out.encoderOutput(0, 0, 0, 0));
            assertTrue(e.getMessage().contains("encoder_outputs"), e.getMessage());
        }
    }
}
