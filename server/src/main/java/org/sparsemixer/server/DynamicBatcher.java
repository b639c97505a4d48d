package org.sparsemixer.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/**
 * Merges queued requests into encoder calls, with Triton's dynamic-batching rules: one call takes at most
 * {@code maxBatch} sequences; when the requests queued cannot fill it, the call waits at most
 * {@code maxDelay} after the oldest one arrived; requests are taken in arrival order and never split
 * (a request that does not fit closes the batch and opens the next one). One worker thread makes the
 * calls, one after another, each on all compute threads.
 *
 * <p>Merging never changes a result: a request's sequences are consecutive rows of the merged call, the
 * engine computes every example apart (per-row products with one FMA chain per element, per-example
 * mixing, attention and pooling), and MoE routing groups of T = floor(S * examples_per_group) tokens cut
 * the merged call at multiples of T. Every request the model accepts alone has a multiple of T tokens, so
 * its first token starts a group in the merged call too and no group holds two requests' tokens.
 */
final class DynamicBatcher implements AutoCloseable {
    private final BatchEncoder encoder;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final int maxQueue;
    private final ServerMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<InferenceJob> queue = new ArrayDeque<>();
    private final Thread worker;
    private int queuedSequences;
    private boolean draining;
    private boolean computing;

    DynamicBatcher(BatchEncoder encoder, int maxBatch, long maxDelayNanos, int maxQueue, ServerMetrics metrics) {
        this.encoder = encoder;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = maxDelayNanos;
        this.maxQueue = maxQueue;
        this.metrics = metrics;
        this.worker = Thread.ofPlatform().name("sparse-mixer-batcher").daemon(true).unstarted(this::work);
    }

    void start() {
        worker.start();
    }

    /**
     * Queues a request.
     *
     * @throws HttpError 503 with Retry-After when its sequences do not fit in the queue or the server drains
     */
    InferenceJob submit(EncoderInput input, boolean needsLayers, long deadlineNanos) {
        lock.lock();
        try {
            if (draining) {
                throw HttpError.overloaded("the server is shutting down");
            }
            int n = input.batchSize();
            if (queuedSequences + n > maxQueue) {
                throw HttpError.overloaded("queue full: " + queuedSequences + " of " + maxQueue
                        + " sequences queued, this request has " + n + "; retry later");
            }
            InferenceJob job = new InferenceJob(input, needsLayers, System.nanoTime(), deadlineNanos);
            queue.addLast(job);
            queuedSequences += n;
            metrics.queueDepth(queuedSequences);
            changed.signalAll();
            return job;
        } finally {
            lock.unlock();
        }
    }

    /** Takes a still-queued job out of the queue; false when the batcher already took it. */
    boolean cancel(InferenceJob job) {
        lock.lock();
        try {
            if (!job.cancel()) {
                return false;
            }
            queue.remove(job);
            queuedSequences -= job.sequences();
            metrics.queueDepth(queuedSequences);
            return true;
        } finally {
            lock.unlock();
        }
    }

    int queuedSequences() {
        lock.lock();
        try {
            return queuedSequences;
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new requests from now on; the worker computes everything queued and then stops. */
    void drain() {
        lock.lock();
        try {
            draining = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the queue is empty and no call runs; false when {@code timeoutNanos} passed first. */
    boolean awaitIdle(long timeoutNanos) throws InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        lock.lock();
        try {
            while (!queue.isEmpty() || computing) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        drain();
        worker.interrupt();
    }

    private void work() {
        try {
            while (true) {
                List<InferenceJob> batch = nextBatch();
                if (batch == null) {
                    return;
                }
                try {
                    compute(batch);
                } finally {
                    lock.lock();
                    try {
                        computing = false;
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failRemaining();
        }
    }

    /** The next batch, or null once draining and the queue is empty. */
    private List<InferenceJob> nextBatch() throws InterruptedException {
        lock.lock();
        try {
            InferenceJob first;
            while ((first = takeHead(null)) == null) {
                if (draining) {
                    return null;
                }
                changed.await();
            }
            List<InferenceJob> batch = new ArrayList<>();
            batch.add(first);
            int size = first.sequences();
            long flushAt = first.enqueuedNanos + maxDelayNanos;
            while (size < maxBatch) {
                InferenceJob next = queue.peekFirst();
                if (next == null) {
                    long wait = flushAt - System.nanoTime();
                    if (draining || wait <= 0) {
                        break;
                    }
                    changed.awaitNanos(wait);
                    continue;
                }
                if (!next.sameShape(first) || size + next.sequences() > maxBatch) {
                    break;
                }
                InferenceJob taken = takeHead(first);
                if (taken != null) {
                    batch.add(taken);
                    size += taken.sequences();
                }
            }
            computing = true;
            metrics.queueDepth(queuedSequences);
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes the head of the queue; returns it when it is still wanted, or null after answering it 503
     * because its deadline passed. Called with the lock held.
     */
    private InferenceJob takeHead(InferenceJob first) {
        InferenceJob job = queue.pollFirst();
        if (job == null) {
            return null;
        }
        queuedSequences -= job.sequences();
        job.take();
        long now = System.nanoTime();
        if (job.expired(now)) {
            job.result.completeExceptionally(HttpError.timedOut("request timed out after waiting "
                    + TimeUnit.NANOSECONDS.toMillis(now - job.enqueuedNanos) + " ms in the queue"));
            metrics.queueDepth(queuedSequences);
            return first == null ? takeHead(null) : null;
        }
        return job;
    }

    private void compute(List<InferenceJob> batch) {
        long start = System.nanoTime();
        boolean layers = false;
        for (InferenceJob job : batch) {
            job.startedNanos = start;
            metrics.queued(start - job.enqueuedNanos);
            layers |= job.needsLayers;
        }
        EncoderOutput out;
        try {
            out = encoder.encode(Batches.concat(batch), layers);
        } catch (RuntimeException | OutOfMemoryError e) {
            HttpError error = e instanceof IllegalStateException
                    ? HttpError.overloaded("the model is shut down")
                    : HttpError.internal("encoding failed: " + e, e);
            batch.forEach(job -> job.result.completeExceptionally(error));
            return;
        }
        int sequences = out.batchSize();
        metrics.computed(sequences, System.nanoTime() - start);
        int at = 0;
        for (InferenceJob job : batch) {
            job.result.complete(Batches.slice(out, at, job.sequences()));
            at += job.sequences();
        }
    }

    private void failRemaining() {
        lock.lock();
        try {
            InferenceJob job;
            while ((job = queue.pollFirst()) != null) {
                job.take();
                job.result.completeExceptionally(HttpError.overloaded("the server stopped before computing this request"));
            }
            queuedSequences = 0;
            metrics.queueDepth(0);
            computing = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
