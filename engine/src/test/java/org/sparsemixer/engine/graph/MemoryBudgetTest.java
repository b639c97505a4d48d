package org.sparsemixer.engine.graph;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.InvalidConfigException;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;

/** The resource-bound promise: huge configs and batches are refused before anything is allocated. */
class MemoryBudgetTest {
    private static final long GIB = 1L << 30;

    private static SparseMixerConfig config(int hidden, int layers, List<Integer> moe, List<Integer> attention,
                                            MixingMechanism mixing, boolean fft, int seq) {
        return new SparseMixerConfig(10, hidden, layers, moe, attention, 2, 1.0, 1.0, 1.0, mixing, fft, 1, seq, 1, 4,
                SparseMixerConfig.GELU_APPROXIMATE, null, hidden, false, false);
    }

    @Test
    void baseFitsAtBatchOneAndTooLargeBatchesAreRefusedByName() {
        SparseMixerConfig base = SparseMixerConfig.base(32000);
        assertDoesNotThrow(() -> MemoryBudget.checkModel(base, 2, 2 * GIB));
        assertNull(MemoryBudget.problem(base, 8, 2, 2 * GIB));
        long most = MemoryBudget.largestBatch(base, 2, 2 * GIB);
        assertTrue(most >= 8 && most < 200, "largest batch " + most);
        assertNull(MemoryBudget.problem(base, most, 2, 2 * GIB));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryBudget.checkBatch(base, (int) most + 1, 2, 2 * GIB));
        assertTrue(e.getMessage().contains("batch size " + (most + 1)), e.getMessage());
        assertTrue(e.getMessage().contains("at most " + most), e.getMessage());
        assertTrue(e.getMessage().contains("heap"), e.getMessage());
    }

    @Test
    void batchesBeyondJavaArraysAreRefusedWithoutOverflow() {
        SparseMixerConfig base = SparseMixerConfig.base(32000);
        for (int batch : new int[] {1 << 20, Integer.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MemoryBudget.checkBatch(base, batch, 2, Long.MAX_VALUE / 4));
            assertTrue(e.getMessage().contains("longer than Java allows"), e.getMessage());
            assertTrue(e.getMessage().contains("batch size " + batch), e.getMessage());
        }
    }

    @Test
    void hugeDftTablesAreAConfigError() {
        // 50000^2 floats overflow an int; 40000^2 fit an array but not a 1 GiB heap
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> MemoryBudget.checkModel(
                config(1, 1, List.of(), List.of(), MixingMechanism.FOURIER, false, 50_000), 2, 8 * GIB));
        assertEquals("max_sequence_length", e.key());
        assertTrue(e.getMessage().contains("use_fft"), e.getMessage());
        e = assertThrows(InvalidConfigException.class, () -> MemoryBudget.checkModel(
                config(1, 1, List.of(), List.of(), MixingMechanism.HARTLEY, false, 40_000), 2, GIB));
        assertEquals("max_sequence_length", e.key());
        e = assertThrows(InvalidConfigException.class, () -> MemoryBudget.checkModel(
                config(60_000, 1, List.of(), List.of(), MixingMechanism.FOURIER, false, 4), 2, 8 * GIB));
        assertEquals("hidden_size", e.key());
        // with the FFT there are no tables: the same sequence length is fine
        assertDoesNotThrow(() -> MemoryBudget.checkModel(
                config(1, 1, List.of(), List.of(), MixingMechanism.FOURIER, true, 40_000), 2, GIB));
    }

    @Test
    void hugeAttentionScoresAreAConfigError() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> MemoryBudget.checkModel(
                config(1, 1, List.of(), List.of(0), MixingMechanism.LINEAR, false, 50_000), 2, 8 * GIB));
        assertEquals("max_sequence_length", e.key());
        assertTrue(e.getMessage().contains("attention"), e.getMessage());
        // fits an array, but 2 threads x 30000^2 floats do not fit 1 GiB
        e = assertThrows(InvalidConfigException.class, () -> MemoryBudget.checkModel(
                config(1, 1, List.of(), List.of(0), MixingMechanism.LINEAR, false, 30_000), 2, GIB));
        assertTrue(e.getMessage().contains("smallest batch"), e.getMessage());
    }

    @Test
    void theEncoderRefusesBeforeReadingAnyWeight() {
        SparseMixerConfig huge = config(1, 1, List.of(), List.of(), MixingMechanism.FOURIER, false, 50_000);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> SparseMixerEncoder.create(huge,
                    (name, shape) -> {
                        throw new AssertionError("read " + name + " before the budget check");
                    }, EncoderOptions.threads(1)));
            assertEquals("max_sequence_length", e.key());
        });
    }

    @Test
    void theEncoderChecksEveryBatch() {
        // H = 1024, 8 layers, S = 4: encoder_outputs of B = 65537 hold more floats than an array allows,
        // while the inputs (3 x B x S ints) take 3 MB
        SparseMixerConfig c = config(1024, 8, List.of(), List.of(), MixingMechanism.FOURIER, true, 4);
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(c, EncoderVsReferenceTest.randomWeights(c, 3),
                EncoderOptions.threads(1))) {
            encoder.checkBatchSize(1);
            encoder.encode(EncoderVsReferenceTest.randomInput(c, 3, 0, 4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> encoder.checkBatchSize(Integer.MAX_VALUE));
            assertTrue(e.getMessage().contains("batch size " + Integer.MAX_VALUE), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> encoder.checkBatchSize(0));
            int batch = (int) (MemoryBudget.MAX_ARRAY / (8 * 4 * 1024) + 1);
            EncoderInput in = new EncoderInput(batch, 4, new int[batch * 4], new int[batch * 4], new int[batch * 4],
                    0, null, null, null);
            e = assertThrows(IllegalArgumentException.class, () -> encoder.encode(in));
            assertTrue(e.getMessage().contains("batch size " + batch), e.getMessage());
            assertTrue(e.getMessage().contains("longer than Java allows"), e.getMessage());
        }
    }
}
