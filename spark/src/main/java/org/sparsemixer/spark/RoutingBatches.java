package org.sparsemixer.spark;

import org.sparsemixer.engine.SparseMixerConfig;

/**
 * Batch sizes a model accepts. Expert-choice MoE layers route tokens within groups of
 * floor(max_sequence_length x examples_per_group) tokens, so a batch must hold at least
 * examples_per_group examples and a whole number of groups. With examples_per_group > 1 a row's output
 * depends on the rows routed with it (as in the engine and in TensorFlow); the job keeps those groups
 * aligned to its batches, and pads a partition's last short batch with copies of its last row.
 */
final class RoutingBatches {
    private RoutingBatches() {
    }

    /** Whether the model accepts a batch of {@code size} examples. */
    static boolean accepts(SparseMixerConfig config, int size) {
        if (size < 1) {
            return false;
        }
        if (config.moeLayers().isEmpty()) {
            return true;
        }
        return config.examplesPerGroup() <= size
                && ((long) size * config.maxSequenceLength()) % config.tokensPerGroup() == 0;
    }

    /**
     * @throws IllegalArgumentException naming {@code --batch} and the nearest accepted sizes when the model
     *                                  does not accept batches of {@code batch}
     */
    static void requireAccepted(SparseMixerConfig config, int batch) {
        if (!accepts(config, batch)) {
            throw new IllegalArgumentException("--batch " + batch + " is not a batch size the model accepts: its MoE "
                    + "layers route groups of examples_per_group = " + config.examplesPerGroup() + " examples ("
                    + config.tokensPerGroup() + " tokens); use a multiple of the group, e.g. " + smallestAtLeast(config, batch));
        }
    }

    /** The smallest accepted batch size >= {@code rows}: the size a short last batch is padded to. */
    static int smallestAtLeast(SparseMixerConfig config, int rows) {
        int size = Math.max(1, rows);
        while (!accepts(config, size)) {
            size++;
        }
        return size;
    }
}
