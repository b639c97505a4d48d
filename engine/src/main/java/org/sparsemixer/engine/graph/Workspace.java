package org.sparsemixer.engine.graph;

import java.util.concurrent.ConcurrentLinkedDeque;
import org.sparsemixer.engine.Stage;
import org.sparsemixer.engine.StageTimes;

/**
 * The scratch buffers of one forward pass. A call takes a workspace from its encoder's idle set and
 * gives it back, so steady-state calls allocate nothing but their outputs, and concurrent callers
 * never share one. Buffers grow to the largest batch seen and may hold stale data: every user
 * overwrites what it reads.
 */
final class Workspace {
    enum Buffer {
        X, LAYER_OUT, RESIDUAL, MIXED, NORMED, EMBEDDING_SUM,
        QUERY, KEY_VALUE, CONTEXT, PROJECTED, SPECTRAL_SIN,
        INNER, ROUTER_PROBS, GATHERED, EXPERT_OUT
    }

    private final float[][] buffers = new float[Buffer.values().length][];
    /** Where {@link #end} charges time; null when the caller did not ask for stage times. */
    private StageTimes times;
    private long stageStart;

    /** A buffer of at least {@code size} floats (contents unspecified). */
    float[] get(Buffer buffer, int size) {
        float[] b = buffers[buffer.ordinal()];
        if (b == null || b.length < size) {
            b = new float[size];
            buffers[buffer.ordinal()] = b;
        }
        return b;
    }

    /** Starts timing a stage (a no-op unless the caller asked for stage times). */
    void begin() {
        if (times != null) {
            stageStart = System.nanoTime();
        }
    }

    /** Ends the stage begun last and charges it to {@code stage}. */
    void end(Stage stage) {
        if (times != null) {
            long now = System.nanoTime();
            times.add(stage, now - stageStart);
            stageStart = now;
        }
    }

    /** The idle workspaces of one encoder. */
    static final class Pool {
        private final ConcurrentLinkedDeque<Workspace> idle = new ConcurrentLinkedDeque<>();

        Workspace acquire(StageTimes times) {
            Workspace w = idle.pollFirst();
            if (w == null) {
                w = new Workspace();
            }
            w.times = times;
            return w;
        }

        void release(Workspace w) {
            w.times = null;
            idle.offerFirst(w);
        }

        void clear() {
            idle.clear();
        }
    }
}
