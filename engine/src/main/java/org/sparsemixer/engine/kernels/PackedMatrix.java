package org.sparsemixer.engine.kernels;

/**
 * An immutable [K, N] weight prepared once at load for {@link Gemm}. Its internal layout belongs to
 * the GEMM kernels; the graph only creates it and hands it back.
 */
public final class PackedMatrix {
    private final int rows;
    private final int cols;
    final float[] data;

    private PackedMatrix(int rows, int cols, float[] data) {
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    /** Packs the row-major [rows, cols] matrix starting at {@code offset} (the source is copied). */
    public static PackedMatrix pack(float[] source, int offset, int rows, int cols) {
        long size = (long) rows * cols;
        if (rows < 1 || cols < 1 || offset < 0 || offset + size > source.length) {
            throw new IllegalArgumentException("cannot pack a [" + rows + ", " + cols + "] matrix at offset "
                    + offset + " of an array of " + source.length);
        }
        float[] copy = new float[(int) size];
        System.arraycopy(source, offset, copy, 0, copy.length);
        return new PackedMatrix(rows, cols, copy);
    }

    public static PackedMatrix pack(float[] source, int rows, int cols) {
        return pack(source, 0, rows, cols);
    }

    /** K. */
    public int rows() {
        return rows;
    }

    /** N. */
    public int cols() {
        return cols;
    }

    /** Element (k, n), for tests and slow paths. */
    public float get(int k, int n) {
        return data[k * cols + n];
    }
}
