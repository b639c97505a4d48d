package org.sparsemixer.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/**
 * One request's place in the queue: its sequences, whether it needs every layer's output, when it
 * arrived and until when it may wait. Exactly one party moves it out of {@link #QUEUED}: the batcher
 * (taking it into a batch) or its handler (cancelling it on deadline or disconnect), so a request is
 * either computed once or dropped, never both.
 */
final class InferenceJob {
    static final int QUEUED = 0;
    static final int TAKEN = 1;
    static final int CANCELLED = 2;

    final EncoderInput input;
    final boolean needsLayers;
    final long enqueuedNanos;
    /** {@link Long#MAX_VALUE} when the request may wait for ever. */
    final long deadlineNanos;
    final CompletableFuture<EncoderOutput> result = new CompletableFuture<>();
    private final AtomicInteger state = new AtomicInteger(QUEUED);
    volatile long startedNanos;

    InferenceJob(EncoderInput input, boolean needsLayers, long enqueuedNanos, long deadlineNanos) {
        this.input = input;
        this.needsLayers = needsLayers;
        this.enqueuedNanos = enqueuedNanos;
        this.deadlineNanos = deadlineNanos;
    }

    int sequences() {
        return input.batchSize();
    }

    /** Requests can share a call only when their word and dense lengths agree (the tensors concatenate). */
    boolean sameShape(InferenceJob other) {
        return input.wordLength() == other.input.wordLength() && input.denseLength() == other.input.denseLength();
    }

    boolean take() {
        return state.compareAndSet(QUEUED, TAKEN);
    }

    boolean cancel() {
        return state.compareAndSet(QUEUED, CANCELLED);
    }

    boolean expired(long now) {
        return now - deadlineNanos >= 0 && deadlineNanos != Long.MAX_VALUE;
    }
}
