package org.sparsemixer.engine.kernels;

import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The worker threads of a {@link ComputePool}. An idle worker polls the queue for a short while before
 * it parks: a forward pass hands work out about a hundred times, and waking a parked thread costs tens
 * of microseconds on each of them. Tasks queued before {@link #shutdown} still run; later ones are
 * refused.
 */
final class SpinningWorkers {
    /** How long an idle worker keeps polling before it parks. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final Runnable STOP = () -> { };

    private final LinkedTransferQueue<Runnable> tasks = new LinkedTransferQueue<>();
    private final Thread[] threads;
    private boolean shutdown;

    SpinningWorkers(int count, String namePrefix) {
        threads = new Thread[count];
        for (int i = 0; i < count; i++) {
            threads[i] = new Thread(this::work, namePrefix + (i + 1));
            threads[i].setDaemon(true);
            threads[i].start();
        }
    }

    /** Queues a task; throws {@link RejectedExecutionException} after {@link #shutdown}. */
    synchronized void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("the workers are shut down");
        }
        tasks.offer(task);
    }

    /** Lets the workers finish what is queued, then stop. */
    synchronized void shutdown() {
        if (!shutdown) {
            shutdown = true;
            for (int i = 0; i < threads.length; i++) {
                tasks.offer(STOP);
            }
        }
    }

    private void work() {
        while (true) {
            Runnable task = next();
            if (task == STOP) {
                return;
            }
            try {
                task.run();
            } catch (Throwable t) {
                // A task reports its own failures (ComputePool.Fork); nothing may kill the worker.
            }
        }
    }

    private Runnable next() {
        long deadline = System.nanoTime() + SPIN_NANOS;
        do {
            Runnable task = tasks.poll();
            if (task != null) {
                return task;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        while (true) {
            try {
                return tasks.take();
            } catch (InterruptedException e) {
                // Workers stop only through shutdown(), after the queued tasks.
            }
        }
    }
}
