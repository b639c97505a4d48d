package org.sparsemixer.engine.graph;

import java.util.Arrays;
import org.sparsemixer.engine.Stage;
import org.sparsemixer.engine.kernels.ComputePool;

/**
 * {@code out[t] = sum over experts e that took t of p[t, e] * expert_e(x[t])}. Each expert's tokens
 * from every group are gathered into one matrix so its weights stream once per batch; experts are
 * combined in ascending order, so the sum does not depend on threads. A token no expert took gets 0.
 */
final class MixtureOfExperts {
    private final ExpertChoiceRouter router;
    private final FeedForward[] experts;

    MixtureOfExperts(ExpertChoiceRouter router, FeedForward[] experts) {
        this.router = router;
        this.experts = experts;
    }

    void forward(ComputePool pool, Workspace ws, float[] x, int rows, float[] out) {
        int hidden = experts[0].hidden();
        Arrays.fill(out, 0, rows * hidden, 0f);
        ws.begin();
        ExpertChoiceRouter.Assignment[] assignments = router.route(pool, ws, x, rows);
        ws.end(Stage.MOE_ROUTING);
        for (int e = 0; e < experts.length; e++) {
            ExpertChoiceRouter.Assignment a = assignments[e];
            int n = a.size();
            if (n == 0) {
                continue;
            }
            float[] gathered = ws.get(Workspace.Buffer.GATHERED, n * hidden);
            for (int i = 0; i < n; i++) {
                System.arraycopy(x, a.tokens()[i] * hidden, gathered, i * hidden, hidden);
            }
            float[] y = ws.get(Workspace.Buffer.EXPERT_OUT, n * hidden);
            experts[e].forward(pool, ws, gathered, n, null, y);
            for (int i = 0; i < n; i++) {
                int o = a.tokens()[i] * hidden;
                float w = a.weights()[i];
                for (int j = 0; j < hidden; j++) {
                    out[o + j] += w * y[i * hidden + j];
                }
            }
        }
        ws.end(Stage.EXPERTS);
    }
}
