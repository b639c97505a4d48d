package org.sparsemixer.engine.graph;

import java.util.Arrays;
import org.sparsemixer.engine.Stage;
import org.sparsemixer.engine.kernels.ComputePool;

/**
 * {@code out[t] = sum over experts e that took t of p[t, e] * expert_e(x[t])}. Each expert's tokens
 * from every group are gathered into one matrix so its weights stream once per batch. With several
 * compute threads the experts run side by side, one expert per thread at a time (every expert takes
 * the same number of tokens, so the split is even and there is one hand-off per layer rather than two
 * per expert; the threads take experts from a shared counter). Experts are combined in ascending order
 * afterwards, so the sum does not depend on threads. A token no expert took gets 0.
 */
final class MixtureOfExperts {
    private static final ComputePool CALLER_ONLY = ComputePool.singleThreaded();
    /** Narrowest column band of the combine step worth a thread of its own. */
    private static final int COMBINE_MIN_COLUMNS = 128;

    private final ExpertChoiceRouter router;
    private final FeedForward[] experts;
    private final ThreadScratch innerScratch = new ThreadScratch();

    MixtureOfExperts(ExpertChoiceRouter router, FeedForward[] experts) {
        this.router = router;
        this.experts = experts;
    }

    void forward(ComputePool pool, Workspace ws, float[] x, int rows, float[] out) {
        int hidden = experts[0].hidden();
        ws.begin();
        ExpertChoiceRouter.Assignment[] assignments = router.route(pool, ws, x, rows);
        ws.end(Stage.MOE_ROUTING);
        int[] first = new int[experts.length + 1];
        for (int e = 0; e < experts.length; e++) {
            first[e + 1] = first[e] + assignments[e].size();
        }
        int taken = first[experts.length];
        if (taken == 0) {
            Arrays.fill(out, 0, rows * hidden, 0f);
            ws.end(Stage.EXPERTS);
            return;
        }
        float[] gathered = ws.get(Workspace.Buffer.GATHERED, taken * hidden);
        float[] y = ws.get(Workspace.Buffer.EXPERT_OUT, taken * hidden);
        pool.forRange(experts.length, 1, (from, to) -> {
            for (int e = from; e < to; e++) {
                int[] tokens = assignments[e].tokens();
                for (int i = 0; i < tokens.length; i++) {
                    System.arraycopy(x, tokens[i] * hidden, gathered, (first[e] + i) * hidden, hidden);
                }
            }
        });
        if (pool.threads() > 1 && experts.length >= pool.threads()) {
            pool.forEachIndex(experts.length, e -> {
                int n = assignments[e].size();
                if (n > 0) {
                    float[] between = experts[e].needsInner() ? innerScratch.get(experts[e].innerSize(n)) : null;
                    experts[e].forward(CALLER_ONLY, gathered, first[e] * hidden, n, between, null, y,
                            first[e] * hidden);
                }
            });
        } else {
            for (int e = 0; e < experts.length; e++) {
                int n = assignments[e].size();
                if (n > 0) {
                    float[] between = experts[e].needsInner() ? ws.get(Workspace.Buffer.INNER, experts[e].innerSize(n)) : null;
                    experts[e].forward(pool, gathered, first[e] * hidden, n, between, null, y, first[e] * hidden);
                }
            }
        }
        // Each thread combines a band of columns over all experts in ascending order: the same sums.
        pool.forRange(hidden, COMBINE_MIN_COLUMNS, (from, to) -> {
            for (int r = 0; r < rows; r++) {
                Arrays.fill(out, r * hidden + from, r * hidden + to, 0f);
            }
            for (int e = 0; e < experts.length; e++) {
                ExpertChoiceRouter.Assignment a = assignments[e];
                for (int i = 0; i < a.size(); i++) {
                    int o = a.tokens()[i] * hidden;
                    int src = (first[e] + i) * hidden;
                    float w = a.weights()[i];
                    for (int j = from; j < to; j++) {
                        out[o + j] += w * y[src + j];
                    }
                }
            }
        });
        ws.end(Stage.EXPERTS);
    }
}
