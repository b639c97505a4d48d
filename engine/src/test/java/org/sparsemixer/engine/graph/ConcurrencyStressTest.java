package org.sparsemixer.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;

/**
 * The thread-safety promise of the README ("Guarantees"): one encoder shared by 16 caller threads x 50
 * calls, with mixed batch sizes and inputs, gives every caller exactly the single-threaded result; no
 * deadlock (bounded time); closing under load or interrupting callers never hangs anyone and never
 * disturbs the other callers.
 */
class ConcurrencyStressTest {
    /** S = 64, H = 64, 6 layers: linear mixing, MoE (8 experts) in layers 1 and 4, attention in 2 and 5. */
    static final SparseMixerConfig CONFIG = new SparseMixerConfig(300, 64, 6, List.of(1, 4), List.of(2, 5), 8,
            1.0, 1.0, 1.0, MixingMechanism.LINEAR, false, 4, 64, 3, 128, SparseMixerConfig.GELU_APPROXIMATE, null, 64,
            false, false);
    private static final int CALLERS = 16;
    private static final int CALLS = 50;
    private static final int[] BATCHES = {1, 2, 3, 5, 8};

    private static TensorSource weights;
    private static final List<EncoderInput> INPUTS = new ArrayList<>();
    private static final List<EncoderOutput> EXPECTED = new ArrayList<>();
    private static ExecutorService callers;

    @BeforeAll
    static void singleThreadedAnswers() {
        weights = EncoderVsReferenceTest.randomWeights(CONFIG, 2024);
        try (SparseMixerEncoder single = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(1))) {
            for (int i = 0; i < 10; i++) {
                EncoderInput in = EncoderVsReferenceTest.randomInput(CONFIG, BATCHES[i % BATCHES.length], 0, 500 + i);
                INPUTS.add(in);
                EXPECTED.add(single.encode(in));
            }
        }
        callers = Executors.newFixedThreadPool(CALLERS);
    }

    @AfterAll
    static void stopCallers() throws InterruptedException {
        callers.shutdownNow();
        assertTrue(callers.awaitTermination(10, TimeUnit.SECONDS), "caller threads did not stop");
    }

    private static void assertSame(int k, EncoderOutput out) {
        EncoderOutput want = EXPECTED.get(k);
        assertArrayEquals(want.sequenceOutput(), out.sequenceOutput(), "sequence_output of input " + k);
        assertArrayEquals(want.pooledOutput(), out.pooledOutput(), "pooled_output of input " + k);
        assertArrayEquals(want.encoderOutputs(), out.encoderOutputs(), "encoder_outputs of input " + k);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void sixteenCallersGetTheSingleThreadedResultBitForBit() throws Exception {
        for (int threads : new int[] {2, 3}) {
            try (SparseMixerEncoder shared = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(threads))) {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> futures = new ArrayList<>();
                for (int c = 0; c < CALLERS; c++) {
                    int caller = c;
                    futures.add(callers.submit(() -> {
                        start.await();
                        int done = 0;
                        for (int call = 0; call < CALLS; call++) {
                            int k = (caller * 7 + call * 3) % INPUTS.size();
                            assertSame(k, shared.encode(INPUTS.get(k)));
                            done++;
                        }
                        return done;
                    }));
                }
                start.countDown();
                int total = 0;
                for (Future<Integer> f : futures) {
                    total += f.get(150, TimeUnit.SECONDS);
                }
                assertEquals(CALLERS * CALLS, total);
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closingUnderLoadGivesIllegalStateOrAResultAndNeverHangs() throws Exception {
        for (int round = 0; round < 5; round++) {
            SparseMixerEncoder shared = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(2));
            AtomicInteger finished = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            CountDownLatch running = new CountDownLatch(8);
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int caller = c;
                futures.add(callers.submit(() -> {
                    running.countDown();
                    for (int call = 0; ; call++) {
                        int k = (caller + call) % INPUTS.size();
                        EncoderOutput out;
                        try {
                            out = shared.encode(INPUTS.get(k));
                        } catch (IllegalStateException e) {
                            refused.incrementAndGet();
                            return null;
                        }
                        assertSame(k, out);
                        finished.incrementAndGet();
                    }
                }));
            }
            running.await();
            Thread.sleep(20 + 15 * round);
            shared.close();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);   // every caller stops: with IllegalStateException, never a hang
            }
            assertEquals(8, refused.get(), "every caller ends with IllegalStateException once the encoder is closed");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void interruptedCallersGetCancellationAndTheOthersAreUndisturbed() throws Exception {
        try (SparseMixerEncoder shared = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(2))) {
            AtomicInteger cancelled = new AtomicInteger();
            List<Thread> victims = new ArrayList<>();
            List<Future<?>> steady = new ArrayList<>();
            List<Throwable> victimFailures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int c = 0; c < 4; c++) {
                int caller = c;
                Thread t = new Thread(() -> {
                    try {
                        for (int call = 0; ; call++) {   // until interrupted
                            int k = (caller + call) % INPUTS.size();
                            try {
                                assertSame(k, shared.encode(INPUTS.get(k)));
                            } catch (CancellationException e) {
                                if (!Thread.interrupted()) {
                                    fail("CancellationException without an interrupt");
                                }
                                cancelled.incrementAndGet();
                                return;
                            }
                            if (Thread.interrupted()) {   // interrupted after its last wait: a full result
                                cancelled.incrementAndGet();
                                return;
                            }
                        }
                    } catch (Throwable e) {
                        victimFailures.add(e);
                    }
                }, "victim-" + c);
                victims.add(t);
                t.start();
            }
            for (int c = 0; c < 4; c++) {
                int caller = c;
                steady.add(callers.submit(() -> {
                    for (int call = 0; call < 30; call++) {
                        int k = (caller * 3 + call) % INPUTS.size();
                        assertSame(k, shared.encode(INPUTS.get(k)));
                    }
                    return null;
                }));
            }
            Thread.sleep(50);
            for (Thread t : victims) {
                t.interrupt();
                Thread.sleep(5);
            }
            for (Thread t : victims) {
                t.join(30_000);
                assertTrue(!t.isAlive(), t.getName() + " still running");
            }
            assertTrue(victimFailures.isEmpty(), () -> "interrupted callers failed: " + victimFailures);
            assertEquals(4, cancelled.get());
            for (Future<?> f : steady) {
                f.get(30, TimeUnit.SECONDS);
            }
            for (int k = 0; k < INPUTS.size(); k++) {
                assertSame(k, shared.encode(INPUTS.get(k)));
            }
        }
    }
}
