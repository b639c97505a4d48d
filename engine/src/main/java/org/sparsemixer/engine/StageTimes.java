package org.sparsemixer.engine;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Wall-clock time spent per {@link Stage}, summed over the calls it was passed to. Pass one to
 * {@code encode} to profile; it is safe to share between threads.
 */
public final class StageTimes {
    private final AtomicLongArray nanos = new AtomicLongArray(Stage.values().length);

    public void add(Stage stage, long elapsedNanos) {
        nanos.addAndGet(stage.ordinal(), elapsedNanos);
    }

    public long nanos(Stage stage) {
        return nanos.get(stage.ordinal());
    }

    public long totalNanos() {
        long total = 0;
        for (int i = 0; i < nanos.length(); i++) {
            total += nanos.get(i);
        }
        return total;
    }

    public void reset() {
        for (int i = 0; i < nanos.length(); i++) {
            nanos.set(i, 0);
        }
    }
}
