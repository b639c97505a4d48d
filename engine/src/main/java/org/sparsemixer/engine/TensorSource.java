package org.sparsemixer.engine;

/**
 * Where the encoder reads its weights from while it is being built. Tensor names and shapes are
 * those of {@link ModelLayout#expectedTensors(SparseMixerConfig)}; the source has already checked
 * them, and returns the tensor as row-major float32 values (converting other dtypes as needed).
 * <p>
 * The encoder calls a source only from the thread that builds it (the caller of
 * {@code SparseMixerEncoder.create}), one call at a time, so a source need not be thread-safe.
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

    /**
     * Slice {@code index} along the first dimension: the {@code product(shape[1:])} values of e.g. one
     * expert of a stacked [E, H, F] kernel. Sources that can read part of a tensor override this so that
     * building a graph never holds a whole stacked tensor; the default reads the tensor and copies.
     */
    default float[] slice(String name, int[] shape, int index) {
        int perSlice = Math.toIntExact(ModelLayout.elementCount(shape) / shape[0]);
        float[] all = floats(name, shape);
        return java.util.Arrays.copyOfRange(all, index * perSlice, (index + 1) * perSlice);
    }
}
