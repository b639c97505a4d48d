package org.sparsemixer.engine.kernels;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fixed set of worker threads shared by every call of an encoder (no thread is created per call).
 * {@link #forRange} cuts [0, count) into contiguous chunks, one per thread, and runs the first chunk on
 * the calling thread. Workers never wait on other workers, so concurrent callers cannot deadlock.
 * Kernels split only independent output elements across chunks, so results do not depend on the
 * thread count.
 */
public final class ComputePool implements AutoCloseable {
    /** Runs the half-open range [from, to) of some index space. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final int threads;
    private final SpinningWorkers workers;

    public ComputePool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        if (threads == 1) {
            workers = null;
        } else {
            workers = new SpinningWorkers(threads - 1, "sparse-mixer-" + POOL_IDS.incrementAndGet() + "-worker-");
        }
    }

    /** A single-threaded pool: everything runs on the caller. */
    public static ComputePool singleThreaded() {
        return new ComputePool(1);
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over [0, count), split across the pool when {@code count >= minChunk * 2}.
     * Returns (or throws) only when no chunk of this call is running any more, so the caller may reuse
     * the buffers the chunks wrote even after a failure or an interrupt.
     *
     * @throws CancellationException when the calling thread is interrupted while it waits; chunks not yet
     *                               started are skipped and the interrupt flag stays set
     * @throws IllegalStateException when the pool is closed
     */
    public void forRange(int count, int minChunk, RangeBody body) {
        int chunks = Math.min(threads, Math.max(1, count / Math.max(1, minChunk)));
        if (chunks <= 1 || workers == null) {
            if (count > 0) {
                body.run(0, count);
            }
            return;
        }
        Fork fork = new Fork(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) count * c / chunks);
            int to = (int) ((long) count * (c + 1) / chunks);
            try {
                workers.execute(() -> {
                    try {
                        fork.run(body, from, to);
                    } finally {
                        fork.chunkDone();
                    }
                });
            } catch (RejectedExecutionException e) {
                fork.fail(new IllegalStateException("the compute pool is closed", e));
                fork.skip(chunks - c);
                break;
            }
        }
        fork.run(body, 0, (int) ((long) count / chunks));
        fork.finish();
    }

    /**
     * Runs {@code body} once for every index in [0, count), the threads taking the next index from a shared
     * counter: a thread slowed down by other processes simply takes fewer. For items of similar, sizeable
     * cost (experts, attention heads, GEMM blocks); which thread runs an index must not change its result.
     */
    public void forEachIndex(int count, IndexBody body) {
        if (count <= 0) {
            return;
        }
        AtomicInteger next = new AtomicInteger();
        forRange(Math.min(threads, count), 1, (from, to) -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                body.run(i);
            }
        });
    }

    /** Runs one index of {@link #forEachIndex}. */
    @FunctionalInterface
    public interface IndexBody {
        void run(int index);
    }

    /** The chunks of one {@link #forRange} call handed to workers: completion count and first failure. */
    private static final class Fork {
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean abandoned;

        Fork(int forkedChunks) {
            this.done = new CountDownLatch(forkedChunks);
        }

        /** Runs one chunk unless the call was abandoned (a chunk failed or the caller was interrupted). */
        void run(RangeBody body, int from, int to) {
            try {
                if (!abandoned) {
                    body.run(from, to);
                }
            } catch (Throwable t) {
                fail(t);
            }
        }

        /** A chunk handed to a worker has finished (or was skipped). */
        void chunkDone() {
            done.countDown();
        }

        void fail(Throwable t) {
            failure.compareAndSet(null, t);
            abandoned = true;
        }

        /** Chunks that were never handed to a worker. */
        void skip(int chunks) {
            for (int i = 0; i < chunks; i++) {
                chunkDone();
            }
        }

        /** Waits for every forked chunk, without giving up on an interrupt, then reports the outcome. */
        void finish() {
            // Chunks usually end within microseconds of each other: poll briefly before parking.
            long deadline = System.nanoTime() + SpinningWorkers.SPIN_NANOS;
            while (done.getCount() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    abandoned = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while waiting for the compute threads");
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** Stops the workers once the chunks already handed to them are done; later calls are refused. */
    @Override
    public void close() {
        if (workers != null) {
            workers.shutdown();
        }
    }
}
