package org.sparsemixer.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

/** {@link SparseMixerEncoder#warmUp}: runs the model at the given batch sizes and changes no later result. */
class WarmUpTest {
    // examples_per_group 2: batch 1 is refused, batch 2 and 4 are accepted.
    private static final SparseMixerConfig CONFIG = new SparseMixerConfig(50, 32, 3, List.of(1), List.of(2), 4,
            1.0, 1.0, 2.0, MixingMechanism.LINEAR, false, 4, 16, 2, 64, SparseMixerConfig.GELU_APPROXIMATE, null,
            32, false, false);

    @Test
    void warmUpLeavesLaterOutputsBitIdentical() {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 3);
        EncoderInput input = EncoderVsReferenceTest.randomInput(CONFIG, 2, 0, 5);
        EncoderOutput cold;
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(2))) {
            cold = encoder.encode(input);
        }
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(2))) {
            long nanos = encoder.warmUp(2, 2, 4);
            assertTrue(nanos > 0);
            EncoderOutput warm = encoder.encode(input);
            assertArrayEquals(cold.sequenceOutput(), warm.sequenceOutput());
            assertArrayEquals(cold.pooledOutput(), warm.pooledOutput());
        }
    }

    @Test
    void warmUpRefusesBatchSizesTheModelRefusesAndNegativeCounts() {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 3);
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(1))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encoder.warmUp(1, 1));
            assertTrue(e.getMessage().contains("examples_per_group"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> encoder.warmUp(-1, 2));
            assertThrows(IllegalArgumentException.class, () -> encoder.warmUp(1, 0));
        }
    }
}
