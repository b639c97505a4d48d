package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ComputePoolTest {
    @Test
    void coversTheRangeExactlyOnce() {
        try (ComputePool pool = new ComputePool(3)) {
            for (int count : new int[] {0, 1, 2, 7, 100, 1001}) {
                int[] hits = new int[count];
                pool.forRange(count, 1, (from, to) -> {
                    for (int i = from; i < to; i++) {
                        hits[i]++;
                    }
                });
                for (int i = 0; i < count; i++) {
                    assertEquals(1, hits[i], "index " + i + " of " + count);
                }
            }
        }
    }

    @Test
    void aWorkerFailureReachesTheCaller() {
        try (ComputePool pool = new ComputePool(2)) {
            IllegalArgumentException boom = new IllegalArgumentException("boom");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pool.forRange(100, 1, (from, to) -> {
                        if (from > 0) {
                            throw boom;
                        }
                    }));
            assertSame(boom, e);
            // the pool still works
            AtomicInteger sum = new AtomicInteger();
            pool.forRange(10, 1, (from, to) -> sum.addAndGet(to - from));
            assertEquals(10, sum.get());
        }
    }

    @Test
    void anInterruptedCallerWaitsForRunningChunksThenThrows() throws Exception {
        try (ComputePool pool = new ComputePool(2)) {
            CountDownLatch workerStarted = new CountDownLatch(1);
            CountDownLatch releaseWorker = new CountDownLatch(1);
            AtomicBoolean workerRunning = new AtomicBoolean();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean runningWhenCallReturned = new AtomicBoolean();
            AtomicBoolean flagKept = new AtomicBoolean();
            Thread caller = new Thread(() -> {
                try {
                    pool.forRange(2, 1, (from, to) -> {
                        if (from == 1) {
                            workerRunning.set(true);
                            workerStarted.countDown();
                            try {
                                releaseWorker.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            workerRunning.set(false);
                        }
                    });
                } catch (Throwable t) {
                    thrown.set(t);
                    runningWhenCallReturned.set(workerRunning.get());
                    flagKept.set(Thread.currentThread().isInterrupted());
                }
            });
            caller.start();
            assertTrue(workerStarted.await(10, TimeUnit.SECONDS));
            caller.interrupt();
            Thread.sleep(100);
            assertTrue(caller.isAlive(), "the caller must wait for the running chunk");
            releaseWorker.countDown();
            caller.join(10_000);
            assertFalse(caller.isAlive());
            assertTrue(thrown.get() instanceof CancellationException, String.valueOf(thrown.get()));
            assertFalse(runningWhenCallReturned.get(), "a chunk was still running when forRange returned");
            assertTrue(flagKept.get(), "the interrupt flag must stay set");
        }
    }

    @Test
    void aClosedPoolRefusesWorkWithoutHanging() {
        ComputePool pool = new ComputePool(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.forRange(100, 1, (from, to) -> { }));
    }
}
