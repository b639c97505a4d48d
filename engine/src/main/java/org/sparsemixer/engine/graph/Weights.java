package org.sparsemixer.engine.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.WeightPrecision;
import org.sparsemixer.engine.kernels.PackedMatrix;
import org.sparsemixer.engine.kernels.StreamedMatrix;
import org.sparsemixer.engine.kernels.WeightTable;

/**
 * Reads the tensors of {@link ModelLayout} from a {@link TensorSource} while the graph is built, in the
 * encoder's weight precision: matrices and tables are stored in it, every other tensor is rounded to it
 * (and kept as float32). The source is only ever called from the building thread; with a packing thread
 * ({@link #Weights(SparseMixerConfig, TensorSource, WeightPrecision, boolean)}), experts' kernels are packed
 * there while the next is read. Close it when the graph is built.
 */
final class Weights implements AutoCloseable {
    /** Expert slices read but not yet packed, at most (4 MB each in Base): bounds the memory the pipeline holds. */
    private static final int SLICES_IN_FLIGHT = 4;

    private final TensorSource source;
    private final java.util.Map<String, int[]> layout;
    private final WeightPrecision precision;
    /** Whether the source reads a slice on its own rather than through TensorSource's default (whole tensor, copy). */
    private final boolean sourceReadsSlices;
    /**
     * For a source without a slice reader of its own: the stacked tensors read whole, by name. The default
     * slice reads the whole tensor for every slice, O(E^2) for E experts (10 s of zero-filling for 12588
     * experts of hidden 8); reading each once keeps it O(E). The graph reads two stacks in turn (the experts'
     * inner and outer kernels), so two are kept: the peak is the one tensor the default held anyway, twice.
     */
    private final java.util.Map<String, float[]> stacks = new java.util.LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, float[]> eldest) {
            return size() > 2;
        }
    };
    /** Bytes of everything handed out to be kept (matrices and tables as stored, vectors as floats). */
    private long bytes;

    /** Packs expert slices while the building thread reads the next ones; null to pack on the building thread. */
    private final ExecutorService packer;

    Weights(SparseMixerConfig config, TensorSource source, WeightPrecision precision, boolean packingThread) {
        this.source = source;
        this.layout = ModelLayout.expectedTensors(config);
        this.precision = precision;
        this.sourceReadsSlices = readsSlices(source);
        this.packer = packingThread
                ? Executors.newSingleThreadExecutor(Thread.ofPlatform().name("sparse-mixer-pack").daemon().factory())
                : null;
    }

    @Override
    public void close() {
        if (packer != null) {
            packer.shutdownNow();
        }
    }

    /** Whether {@code source}'s class overrides {@link TensorSource#slice} (a lambda never does). */
    private static boolean readsSlices(TensorSource source) {
        try {
            return source.getClass().getMethod("slice", String.class, int[].class, int.class).getDeclaringClass()
                    != TensorSource.class;
        } catch (NoSuchMethodException e) {
            throw new AssertionError("TensorSource.slice is public", e);
        }
    }

    WeightPrecision precision() {
        return precision;
    }

    /** Bytes of the weights handed out so far in the form the graph keeps them. */
    long bytes() {
        return bytes;
    }

    /** The tensor as row-major floats rounded to the weight precision (a rounded copy unless F32). */
    float[] floats(String name) {
        float[] values = raw(name);
        bytes += 4L * values.length;
        if (precision == WeightPrecision.F32) {
            return values;
        }
        float[] rounded = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = precision.round(values[i]);
        }
        return rounded;
    }

    /** An embedding table, stored in the weight precision. */
    WeightTable table(String name) {
        return count(WeightTable.of(raw(name), precision));
    }

    /**
     * The tensor as the source gives it (not rounded; the caller stores it in the weight precision),
     * checked to have the size its layout shape gives.
     */
    float[] raw(String name) {
        int[] shape = shape(name);
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
        return count(PackedMatrix.pack(raw(name), 0, rows, cols, precision));
    }

    /**
     * Two [rows, cols] tensors side by side as one [rows, 2 cols] matrix (columns of {@code left} first), so
     * that two products of the same input are one: each output element is the same chain as on its own.
     */
    PackedMatrix sideBySide(String left, String right, int rows, int cols) {
        float[] l = raw(left);
        float[] r = raw(right);
        float[] both = new float[Math.multiplyExact(2 * rows, cols)];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(l, i * cols, both, 2 * i * cols, cols);
            System.arraycopy(r, i * cols, both, (2 * i + 1) * cols, cols);
        }
        return count(PackedMatrix.pack(both, 0, rows, 2 * cols, precision));
    }

    /** {@link PackedMatrix#packScaled} of the tensor in the weight precision. */
    PackedMatrix scaledMatrix(String name, int rows, int cols, float scale) {
        return count(PackedMatrix.packScaled(raw(name), rows, cols, precision, scale));
    }

    /**
     * Slice {@code index} of a stacked [count, rows, cols] tensor, e.g. one expert's kernel, read on its
     * own so that the whole stack (64 MB per MoE kernel in Base) is never held at once.
     */
    PackedMatrix sliceMatrix(String name, int index, int rows, int cols) {
        return count(PackedMatrix.pack(sliceValues(name, index), 0, rows, cols, precision));
    }

    private float[] sliceValues(String name, int index) {
        int[] shape = shape(name);
        if (shape.length < 2 || index < 0 || index >= shape[0]) {
            throw new IllegalStateException("tensor " + name + " has no slice " + index);
        }
        float[] values = sourceReadsSlices ? source.slice(name, shape.clone(), index) : sliceOfStack(name, shape, index);
        long expected = ModelLayout.elementCount(shape) / shape[0];
        if (values == null || values.length != expected) {
            throw new org.sparsemixer.engine.InvalidModelException("tensor " + name + ": the weight source returned "
                    + (values == null ? "nothing" : values.length + " values") + " for slice " + index + ", expected "
                    + expected);
        }
        return values;
    }

    /**
     * Whether experts' kernels are {@link #sliceStreamed} (F32 weights) rather than {@link #sliceMatrix} panels
     * (16-bit weights keep the panels and their widening kernels).
     */
    boolean streamsExperts() {
        return precision == WeightPrecision.F32;
    }

    /** As {@link #sliceMatrix}, laid out for {@link org.sparsemixer.engine.kernels.StreamedGemm}; F32 weights only. */
    StreamedMatrix sliceStreamed(String name, int index, int rows, int cols) {
        if (!streamsExperts()) {
            throw new IllegalStateException(precision + " weights keep panels: no streamed slice of " + name);
        }
        return count(StreamedMatrix.pack(sliceValues(name, index), 0, rows, cols));
    }

    /**
     * {@link #sliceStreamed} of every slice of the stacked [count, rows, cols] kernel {@code name}. With a
     * packing thread, slice i is packed there while slice i + 1 is read here (Base: 128 matrices of 4 MB, most
     * of its weights).
     */
    StreamedMatrix[] slicesStreamed(String name, int count, int rows, int cols) {
        if (!streamsExperts()) {
            throw new IllegalStateException(precision + " weights keep panels: no streamed slices of " + name);
        }
        StreamedMatrix[] packed = new StreamedMatrix[count];
        if (packer == null) {
            for (int i = 0; i < count; i++) {
                packed[i] = sliceStreamed(name, i, rows, cols);
            }
            return packed;
        }
        List<Future<StreamedMatrix>> pending = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (i >= SLICES_IN_FLIGHT) {
                packed[i - SLICES_IN_FLIGHT] = count(done(pending.get(i - SLICES_IN_FLIGHT)));
            }
            float[] values = sliceValues(name, i);
            pending.add(packer.submit(() -> StreamedMatrix.pack(values, 0, rows, cols)));
        }
        for (int i = Math.max(0, count - SLICES_IN_FLIGHT); i < count; i++) {
            packed[i] = count(done(pending.get(i)));
        }
        return packed;
    }

    /** The packed matrix, or the exception packing it threw (rethrown here, on the building thread). */
    private static StreamedMatrix done(Future<StreamedMatrix> packing) {
        try {
            return packing.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the encoder", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Drops the stacked tensors read whole for slicing (the graph has taken its slices of them). */
    void endOfStacks() {
        stacks.clear();
    }

    /** What TensorSource's default slice returns, with the whole tensor read once per stack, not once per slice. */
    private float[] sliceOfStack(String name, int[] shape, int index) {
        float[] all = stacks.get(name);
        if (all == null) {
            all = raw(name);
            stacks.put(name, all);
        }
        int perSlice = Math.toIntExact(ModelLayout.elementCount(shape) / shape[0]);
        return java.util.Arrays.copyOfRange(all, index * perSlice, (index + 1) * perSlice);
    }

    private int[] shape(String name) {
        int[] shape = layout.get(name);
        if (shape == null) {
            throw new IllegalStateException("tensor " + name + " is not part of this model's layout");
        }
        return shape;
    }

    private PackedMatrix count(PackedMatrix m) {
        bytes += m.storageBytes();
        return m;
    }

    private StreamedMatrix count(StreamedMatrix m) {
        bytes += m.storageBytes();
        return m;
    }

    private WeightTable count(WeightTable t) {
        bytes += t.storageBytes();
        return t;
    }

    static float[] sliceVector(float[] stacked, int index, int length) {
        return java.util.Arrays.copyOfRange(stacked, index * length, (index + 1) * length);
    }
}
