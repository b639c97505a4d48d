package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/**
 * The batcher's rules with a stand-in encoder that records each call: the delay counts from the oldest
 * request, a full batch goes at once, requests are never split or reordered, each gets its own rows back.
 */
@Timeout(60)
class DynamicBatcherTest {
    /** Records call sizes; each sequence's pooled output is its first word id, so slices can be checked. */
    private static final class Recorder implements BatchEncoder {
        final List<Integer> calls = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch release;

        Recorder(CountDownLatch release) {
            this.release = release;
        }

        @Override
        public EncoderOutput encode(EncoderInput input, boolean withLayers) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            calls.add(input.batchSize());
            float[] seq = new float[input.batchSize() * input.wordLength()];
            float[] pooled = new float[input.batchSize()];
            for (int i = 0; i < seq.length; i++) {
                seq[i] = input.wordIds()[i];
            }
            for (int b = 0; b < pooled.length; b++) {
                pooled[b] = input.wordIds()[b * input.wordLength()];
            }
            return new EncoderOutput(input.batchSize(), input.wordLength(), 1, 1, seq, pooled, null);
        }
    }

    /** {@code sequences} sequences of 4 tokens whose ids are all {@code tag * 10 + sequence}. */
    private static EncoderInput input(int tag, int sequences) {
        int[] ids = new int[sequences * 4];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tag * 10 + i / 4;
        }
        return new EncoderInput(sequences, 4, ids, new int[ids.length], new int[ids.length], 0, null, null, null);
    }

    private static DynamicBatcher batcher(BatchEncoder encoder, int maxBatch, long delayMillis) {
        DynamicBatcher b = new DynamicBatcher(encoder, maxBatch, TimeUnit.MILLISECONDS.toNanos(delayMillis), 64,
                new ServerMetrics(maxBatch));
        b.start();
        return b;
    }

    @Test
    void aLoneRequestWaitsMaxDelayForCompanyAndNoLonger() throws Exception {
        Recorder r = new Recorder(new CountDownLatch(0));
        try (DynamicBatcher b = batcher(r, 4, 300)) {
            long start = System.nanoTime();
            InferenceJob job = b.submit(input(1, 1), false, Long.MAX_VALUE);
            job.result.get(10, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 300, "went after " + ms + " ms, before --max-delay");
            assertTrue(ms < 5000, "waited " + ms + " ms");
            assertEquals(List.of(1), r.calls);
        }
    }

    @Test
    void aFullBatchGoesAtOnce() throws Exception {
        Recorder r = new Recorder(new CountDownLatch(0));
        try (DynamicBatcher b = batcher(r, 4, 30_000)) {
            List<InferenceJob> jobs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                jobs.add(b.submit(input(i, 1), false, Long.MAX_VALUE));
            }
            for (InferenceJob job : jobs) {
                job.result.get(10, TimeUnit.SECONDS); // long before the 30 s delay
            }
            assertEquals(List.of(4), r.calls);
        }
    }

    @Test
    void requestsAreTakenInOrderNeverSplitAndGetTheirOwnRows() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        Recorder r = new Recorder(hold);
        try (DynamicBatcher b = batcher(r, 4, 200)) {
            InferenceJob first = b.submit(input(1, 1), false, Long.MAX_VALUE);
            Thread.sleep(400); // the first call has started (its delay passed) and is held
            int[] sizes = {3, 2, 1, 2};
            List<InferenceJob> jobs = new ArrayList<>();
            for (int i = 0; i < sizes.length; i++) {
                jobs.add(b.submit(input(2 + i, sizes[i]), false, Long.MAX_VALUE));
            }
            assertEquals(8, b.queuedSequences());
            hold.countDown();
            first.result.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < jobs.size(); i++) {
                EncoderOutput out = jobs.get(i).result.get(10, TimeUnit.SECONDS);
                assertEquals(sizes[i], out.batchSize());
                float[] want = new float[sizes[i]];
                for (int s = 0; s < sizes[i]; s++) {
                    want[s] = (2 + i) * 10 + s;
                }
                assertEquals(Arrays.toString(want), Arrays.toString(out.pooledOutput()), "request " + i);
            }
            // [1] held; then 3 (2 more would make 5 > 4: the call closes at once), 2 + 1, and 2 alone after the delay.
            assertEquals(List.of(1, 3, 3, 2), r.calls);
            assertEquals(0, b.queuedSequences());
        }
    }

    @Test
    void aFullQueueRefusesAtOnceAndCancelledJobsLeaveIt() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        Recorder r = new Recorder(hold);
        DynamicBatcher b = new DynamicBatcher(r, 2, 0, 4, new ServerMetrics(2));
        b.start();
        try (b) {
            b.submit(input(1, 2), false, Long.MAX_VALUE); // taken, held
            Thread.sleep(200);
            InferenceJob queued = b.submit(input(2, 2), false, Long.MAX_VALUE);
            b.submit(input(3, 2), false, Long.MAX_VALUE);
            HttpError e = org.junit.jupiter.api.Assertions.assertThrows(HttpError.class,
                    () -> b.submit(input(4, 1), false, Long.MAX_VALUE));
            assertEquals(503, e.status());
            assertTrue(e.retryAfter());
            assertTrue(b.cancel(queued));
            assertEquals(2, b.queuedSequences());
            b.submit(input(5, 2), false, Long.MAX_VALUE); // room again
            hold.countDown();
            assertTrue(b.awaitIdle(TimeUnit.SECONDS.toNanos(10)));
            assertEquals(List.of(2, 2, 2), r.calls, "the cancelled request was not computed");
        }
    }
}
