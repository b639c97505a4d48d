package org.sparsemixer.engine;

/**
 * Where the encoder reads its weights from while it is being built. Tensor names and shapes are
 * those of {@link ModelLayout#expectedTensors(SparseMixerConfig)}; the source has already checked
 * them, and returns the tensor as row-major float32 values (converting other dtypes as needed).
 */
@FunctionalInterface
public interface TensorSource {
    /**
     * @param name  a name from {@link ModelLayout#expectedTensors(SparseMixerConfig)}
     * @param shape the shape the layout expects for it
     * @return the tensor as {@code product(shape)} row-major floats, in a new array that the encoder
     *         may keep (and never modifies): a source must not hand out an array it uses elsewhere
     */
    float[] floats(String name, int[] shape);
}
