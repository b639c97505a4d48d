package org.sparsemixer.engine.kernels;

/**
 * An immutable [K, N] weight prepared once at load for {@link Gemm}. Its internal layout belongs to
 * the GEMM kernels; the graph only creates it and hands it back.
 * <p>
 * Layout: the columns are cut into panels {@code nr = panelVectors * LANES} floats wide; panel p holds
 * columns [p * nr, p * nr + nr) as K consecutive rows of nr floats ({@code data[p * K * nr + k * nr + j]}),
 * the last panel zero-padded. A micro-kernel thus streams one panel contiguously while it broadcasts
 * elements of A. Narrow matrices (the router's N = 16) get narrower panels so no work is wasted on padding.
 */
public final class PackedMatrix {
    private final int rows;
    private final int cols;
    final int panelVectors;
    final int panelWidth;
    final float[] data;

    private PackedMatrix(int rows, int cols, int panelVectors, float[] data) {
        this.rows = rows;
        this.cols = cols;
        this.panelVectors = panelVectors;
        this.panelWidth = panelVectors * VectorShapes.LANES;
        this.data = data;
    }

    /** Packs the row-major [rows, cols] matrix starting at {@code offset} (the source is copied). */
    public static PackedMatrix pack(float[] source, int offset, int rows, int cols) {
        long size = (long) rows * cols;
        if (rows < 1 || cols < 1 || offset < 0 || offset + size > source.length) {
            throw new IllegalArgumentException("cannot pack a [" + rows + ", " + cols + "] matrix at offset "
                    + offset + " of an array of " + source.length);
        }
        int nv = panelVectors(cols);
        long packedSize = packedSize(rows, cols, nv);
        if (packedSize > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] is too large to pack");
        }
        float[] packed = new float[(int) packedSize];
        packInto(source, offset, cols, 1, rows, cols, nv, packed);
        return new PackedMatrix(rows, cols, nv, packed);
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
        if (k < 0 || k >= rows || n < 0 || n >= cols) {
            throw new IndexOutOfBoundsException("(" + k + ", " + n + ") outside [" + rows + ", " + cols + "]");
        }
        int p = n / panelWidth;
        return data[(p * rows + k) * panelWidth + (n - p * panelWidth)];
    }

    /** Vectors per panel for a matrix of {@code cols} columns: as few as cover it, at most the widest tile. */
    static int panelVectors(int cols) {
        int needed = (cols + VectorShapes.LANES - 1) / VectorShapes.LANES;
        return Math.max(1, Math.min(VectorShapes.MAX_PANEL_VECTORS, needed));
    }

    static long packedSize(int rows, int cols, int nv) {
        int nr = nv * VectorShapes.LANES;
        long panels = (cols + nr - 1) / nr;
        return panels * rows * nr;
    }

    /**
     * Packs the strided [rows, cols] matrix {@code src[offset + r * rowStride + c * colStride]} into panels of
     * {@code nv} vectors at the start of {@code dst}, zero-padding the last panel.
     */
    static void packInto(float[] src, int offset, int rowStride, int colStride, int rows, int cols, int nv,
                         float[] dst) {
        int nr = nv * VectorShapes.LANES;
        int panels = (cols + nr - 1) / nr;
        for (int p = 0; p < panels; p++) {
            int j0 = p * nr;
            int width = Math.min(nr, cols - j0);
            int base = p * rows * nr;
            if (colStride == 1) {
                for (int r = 0; r < rows; r++) {
                    int d = base + r * nr;
                    System.arraycopy(src, offset + r * rowStride + j0, dst, d, width);
                    if (width < nr) {
                        java.util.Arrays.fill(dst, d + width, d + nr, 0f);
                    }
                }
            } else {
                // Column-major-ish source (a transposed view): read along rows of the source, which are
                // columns here, and scatter with stride nr.
                for (int j = 0; j < width; j++) {
                    int s = offset + (j0 + j) * colStride;
                    int d = base + j;
                    for (int r = 0; r < rows; r++) {
                        dst[d + r * nr] = src[s + r * rowStride];
                    }
                }
                if (width < nr) {
                    for (int r = 0; r < rows; r++) {
                        int d = base + r * nr;
                        java.util.Arrays.fill(dst, d + width, d + nr, 0f);
                    }
                }
            }
        }
    }
}
