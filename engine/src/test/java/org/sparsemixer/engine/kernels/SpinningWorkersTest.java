package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SpinningWorkersTest {
    @Test
    void tasksQueuedBeforeShutdownStillRunAndLaterOnesAreRefused() throws Exception {
        SpinningWorkers workers = new SpinningWorkers(2, "test-worker-");
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(10);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            workers.execute(() -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ran.incrementAndGet();
                done.countDown();
            });
        }
        workers.shutdown();
        assertThrows(RejectedExecutionException.class, () -> workers.execute(() -> { }));
        gate.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(10, ran.get());
    }

    @Test
    void aFailingTaskDoesNotStopItsWorker() throws Exception {
        SpinningWorkers workers = new SpinningWorkers(1, "test-worker-");
        workers.execute(() -> {
            throw new IllegalStateException("boom");
        });
        CountDownLatch after = new CountDownLatch(1);
        workers.execute(after::countDown);
        assertTrue(after.await(10, TimeUnit.SECONDS));
        workers.shutdown();
    }

    @Test
    void aParkedWorkerWakesUpForNewWork() throws Exception {
        SpinningWorkers workers = new SpinningWorkers(1, "test-worker-");
        Thread.sleep(50); // far past the spin window: the worker is parked
        CountDownLatch ran = new CountDownLatch(1);
        workers.execute(ran::countDown);
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        workers.shutdown();
    }
}
