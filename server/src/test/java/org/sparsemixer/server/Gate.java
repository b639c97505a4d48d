package org.sparsemixer.server;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** Wraps the batcher's encoder so a test decides when each call may run: closed, calls wait for a permit. */
final class Gate implements UnaryOperator<BatchEncoder> {
    private final Semaphore permits = new Semaphore(0);
    private final Semaphore entered = new Semaphore(0);

    @Override
    public BatchEncoder apply(BatchEncoder inner) {
        return (input, layers) -> {
            entered.release();
            try {
                if (!permits.tryAcquire(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return inner.encode(input, layers);
        };
    }

    /** Waits until a call has reached the gate. */
    void awaitCall() throws InterruptedException {
        if (!entered.tryAcquire(30, TimeUnit.SECONDS)) {
            throw new AssertionError("no encoder call reached the gate");
        }
    }

    /** Lets every call through from now on. */
    void open() {
        permits.release(1_000_000);
    }
}
