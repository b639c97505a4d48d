package org.sparsemixer.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;

/** One encoder shared by many caller threads gives every caller the single-threaded answer, bit for bit. */
class ConcurrentEncodeTest {
    private static final SparseMixerConfig CONFIG = new SparseMixerConfig(50, 32, 4, List.of(1, 2), List.of(3), 4,
            1.0, 1.0, 1.0, MixingMechanism.LINEAR, false, 4, 16, 2, 64, SparseMixerConfig.GELU_APPROXIMATE, null, 32,
            false, false);

    @Test
    void sharedEncoderMatchesSingleThreadedResults() throws Exception {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 99);
        List<EncoderInput> inputs = new ArrayList<>();
        List<EncoderOutput> expected = new ArrayList<>();
        try (SparseMixerEncoder single = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(1))) {
            for (int i = 0; i < 4; i++) {
                EncoderInput in = EncoderVsReferenceTest.randomInput(CONFIG, 1 + i, 0, 1000 + i);
                inputs.add(in);
                expected.add(single.encode(in));
            }
        }
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try (SparseMixerEncoder shared = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(2))) {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int caller = c;
                futures.add(callers.submit(() -> {
                    for (int call = 0; call < 10; call++) {
                        int k = (caller + call) % inputs.size();
                        EncoderOutput out = shared.encode(inputs.get(k));
                        assertArrayEquals(expected.get(k).encoderOutputs(), out.encoderOutputs());
                        assertArrayEquals(expected.get(k).pooledOutput(), out.pooledOutput());
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
            assertTrue(callers.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void closedEncoderRefusesWork() {
        SparseMixerEncoder encoder = SparseMixerEncoder.create(CONFIG, EncoderVsReferenceTest.randomWeights(CONFIG, 1),
                EncoderOptions.threads(2));
        encoder.close();
        EncoderInput in = EncoderVsReferenceTest.randomInput(CONFIG, 1, 0, 5);
        assertThrows(IllegalStateException.class, () -> encoder.encode(in));
    }

    @Test
    void anInterruptedCallerGetsAnExceptionAndTheEncoderStaysUsable() {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 7);
        EncoderInput in = EncoderVsReferenceTest.randomInput(CONFIG, 2, 0, 11);
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(2))) {
            EncoderOutput before = encoder.encode(in);
            Thread.currentThread().interrupt();
            try {
                assertThrows(java.util.concurrent.CancellationException.class, () -> encoder.encode(in));
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt flag must stay set");
            } finally {
                Thread.interrupted();
            }
            assertArrayEquals(before.encoderOutputs(), encoder.encode(in).encoderOutputs());
        }
    }
}
