package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.kernels.PackedMatrix;

/** Reads the tensors of {@link ModelLayout} from a {@link TensorSource} while the graph is built. */
final class Weights {
    private final TensorSource source;
    private final java.util.Map<String, int[]> layout;

    Weights(SparseMixerConfig config, TensorSource source) {
        this.source = source;
        this.layout = ModelLayout.expectedTensors(config);
    }

    /** The tensor as row-major floats, checked to have the size its layout shape gives. */
    float[] floats(String name) {
        int[] shape = layout.get(name);
        if (shape == null) {
            throw new IllegalStateException("tensor " + name + " is not part of this model's layout");
        }
        float[] values = source.floats(name, shape.clone());
        long expected = ModelLayout.elementCount(shape);
        if (values == null || values.length != expected) {
            throw new org.sparsemixer.engine.InvalidModelException("tensor " + name + ": the weight source returned "
                    + (values == null ? "nothing" : values.length + " values") + ", expected " + expected);
        }
        return values;
    }

    /** A weight matrix [rows, cols] (higher-rank tensors are read as their row-major 2-D view). */
    PackedMatrix matrix(String name, int rows, int cols) {
        return PackedMatrix.pack(floats(name), rows, cols);
    }

    /** Slice {@code index} of a stacked [count, rows, cols] tensor, e.g. one expert's kernel. */
    static PackedMatrix slice(float[] stacked, int index, int rows, int cols) {
        return PackedMatrix.pack(stacked, index * rows * cols, rows, cols);
    }

    static float[] sliceVector(float[] stacked, int index, int length) {
        return java.util.Arrays.copyOfRange(stacked, index * length, (index + 1) * length);
    }
}
