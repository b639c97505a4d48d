package org.sparsemixer.engine.graph;

/**
 * A per-thread float buffer for work split across the compute pool, where each chunk needs its own
 * scratch (attention scores, FFT scratch). Grows to the largest size asked for on that thread.
 */
final class ThreadScratch {
    private final ThreadLocal<float[]> local = new ThreadLocal<>();

    float[] get(int size) {
        float[] b = local.get();
        if (b == null || b.length < size) {
            b = new float[size];
            local.set(b);
        }
        return b;
    }
}
