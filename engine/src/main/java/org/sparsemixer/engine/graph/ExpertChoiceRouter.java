package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.PackedMatrix;
import org.sparsemixer.engine.kernels.Softmax;

/**
 * Expert-choice routing: {@code p = softmax(x @ kernel + bias)} per token over experts; then in every
 * group of T consecutive tokens each expert takes the C tokens with the highest probability for it.
 * Ties go to the lower token index, as {@code tf.math.top_k} does.
 */
final class ExpertChoiceRouter {
    /** The tokens one expert took (global row indices, group by group) and their router probabilities. */
    record Assignment(int[] tokens, float[] weights) {
        int size() {
            return tokens.length;
        }
    }

    private final PackedMatrix kernel;
    private final float[] bias;
    private final int experts;
    private final int tokensPerGroup;
    private final int capacity;

    ExpertChoiceRouter(PackedMatrix kernel, float[] bias, int tokensPerGroup, int capacity) {
        this.kernel = kernel;
        this.bias = bias;
        this.experts = kernel.cols();
        this.tokensPerGroup = tokensPerGroup;
        this.capacity = capacity;
    }

    int experts() {
        return experts;
    }

    /** Routes {@code rows} tokens (a multiple of T, checked by input validation); one assignment per expert. */
    Assignment[] route(ComputePool pool, Workspace ws, float[] x, int rows) {
        int hidden = kernel.rows();
        float[] probs = ws.get(Workspace.Buffer.ROUTER_PROBS, rows * experts);
        Gemm.multiply(pool, x, 0, hidden, rows, kernel, probs, 0, experts, Epilogue.bias(bias));
        for (int t = 0; t < rows; t++) {
            Softmax.row(probs, t * experts, experts);
        }
        int groups = rows / tokensPerGroup;
        Assignment[] assignments = new Assignment[experts];
        // Selection costs about 7 us per expert for 512 tokens on one core (Base: ~115 us a layer, on one
        // thread while the other waited); below ~4k token-expert pairs a hand-off costs more than it saves.
        int minExpertsPerTask = (long) rows * experts < (1 << 12) ? experts : 1;
        pool.forRange(experts, minExpertsPerTask, (from, to) -> {
            int[] heap = new int[capacity];
            for (int e = from; e < to; e++) {
                int[] tokens = new int[groups * capacity];
                float[] weights = new float[groups * capacity];
                for (int g = 0; g < groups; g++) {
                    selectTopC(probs, e, g * tokensPerGroup, heap);
                    for (int c = 0; c < capacity; c++) {
                        tokens[g * capacity + c] = heap[c];
                        weights[g * capacity + c] = probs[heap[c] * experts + e];
                    }
                }
                assignments[e] = new Assignment(tokens, weights);
            }
        });
        return assignments;
    }

    /**
     * The C best tokens of the group starting at {@code first} for expert {@code e}, by a bounded
     * min-heap (O(T log C)): heap[0] is the weakest token kept so far.
     */
    private void selectTopC(float[] probs, int e, int first, int[] heap) {
        int size = 0;
        for (int t = first; t < first + tokensPerGroup && capacity > 0; t++) {
            if (size < capacity) {
                heap[size] = t;
                siftUp(probs, e, heap, size++);
            } else if (better(probs, e, t, heap[0])) {
                heap[0] = t;
                siftDown(probs, e, heap, size);
            }
        }
    }

    /** Higher probability wins; on a tie the lower token index wins. */
    private boolean better(float[] probs, int e, int a, int b) {
        float pa = probs[a * experts + e];
        float pb = probs[b * experts + e];
        return pa > pb || (pa == pb && a < b);
    }

    private void siftUp(float[] probs, int e, int[] heap, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!better(probs, e, heap[parent], heap[i])) {
                break;
            }
            swap(heap, i, parent);
            i = parent;
        }
    }

    private void siftDown(float[] probs, int e, int[] heap, int size) {
        int i = 0;
        while (true) {
            int weakest = i;
            for (int child = 2 * i + 1; child <= 2 * i + 2 && child < size; child++) {
                if (better(probs, e, heap[weakest], heap[child])) {
                    weakest = child;
                }
            }
            if (weakest == i) {
                return;
            }
            swap(heap, i, weakest);
            i = weakest;
        }
    }

    private static void swap(int[] a, int i, int j) {
        int tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
    }
}
