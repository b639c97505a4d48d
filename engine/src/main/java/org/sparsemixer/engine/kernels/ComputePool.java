package org.sparsemixer.engine.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

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
    private final ExecutorService workers;

    public ComputePool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        if (threads == 1) {
            workers = null;
        } else {
            int poolId = POOL_IDS.incrementAndGet();
            AtomicInteger workerIds = new AtomicInteger();
            workers = Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "sparse-mixer-" + poolId + "-worker-" + workerIds.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** A single-threaded pool: everything runs on the caller. */
    public static ComputePool singleThreaded() {
        return new ComputePool(1);
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body} over [0, count), split across the pool when {@code count >= minChunk * 2}. */
    public void forRange(int count, int minChunk, RangeBody body) {
        int chunks = Math.min(threads, Math.max(1, count / Math.max(1, minChunk)));
        if (chunks <= 1 || workers == null) {
            if (count > 0) {
                body.run(0, count);
            }
            return;
        }
        List<Future<?>> pending = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) count * c / chunks);
            int to = (int) ((long) count * (c + 1) / chunks);
            pending.add(workers.submit(() -> body.run(from, to)));
        }
        Throwable failure = null;
        try {
            body.run(0, (int) ((long) count / chunks));
        } catch (Throwable t) {
            failure = t;
        }
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (InterruptedException e) {
                pending.forEach(p -> p.cancel(true));
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for worker threads", e);
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
