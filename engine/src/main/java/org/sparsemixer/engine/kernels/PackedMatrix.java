package org.sparsemixer.engine.kernels;

import org.sparsemixer.engine.WeightPrecision;

/**
 * An immutable [K, N] weight prepared once at load for {@link Gemm}. Its internal layout belongs to
 * the GEMM kernels; the graph only creates it and hands it back.
 * <p>
 * Layout: the columns are cut into panels {@code nr = panelVectors * LANES} floats wide; panel p holds
 * columns [p * nr, p * nr + nr) as K consecutive rows of nr floats ({@code data[base + p * K * nr + k * nr + j]}),
 * the last panel zero-padded. A micro-kernel thus streams one panel contiguously while it broadcasts
 * elements of A. Narrow matrices (the router's N = 16) get narrower panels so no work is wasted on padding.
 * The panels begin at {@link #BASE} of their array, the first 64-byte aligned element when the JVM aligns
 * objects to 64 bytes ({@link HeapAlignment}), so that every vector of a panel is one whole cache line.
 * <p>
 * <b>16-bit storage.</b> A BF16 or F16 matrix keeps the same layout in a {@code short[]} of bit patterns
 * (half the bytes) and an optional scale factor; {@link Gemm} widens each (K block x panel) it uses into
 * float32 ({@code widen(bits) * scale}, exact apart from the scale's one rounding) right before the
 * micro-kernels read it, so the product is bit-identical to that of the F32 matrix of the widened values.
 */
public final class PackedMatrix {
    private final int rows;
    private final int cols;
    final int panelVectors;
    final int panelWidth;
    /** Index in a float array this class allocates or sizes at which the panels begin. */
    static final int BASE = HeapAlignment.FLOAT_ARRAY_LINE_START;

    /** The panels for F32 storage, from {@link #base}, else null. */
    final float[] data;
    /** Where the panels begin in {@link #data}: {@link #BASE}, or 0 for 16-bit storage. */
    final int base;
    /** The panels as 16-bit patterns for BF16 / F16 storage, else null. */
    final short[] half;
    final WeightPrecision precision;
    /** Multiplies every widened 16-bit element (1 for none; F32 storage holds scaled values instead). */
    final float scale;
    private PackedMatrix(int rows, int cols, int panelVectors, float[] data, short[] half,
                         WeightPrecision precision, float scale) {
        this.rows = rows;
        this.cols = cols;
        this.panelVectors = panelVectors;
        this.panelWidth = panelVectors * VectorShapes.LANES;
        this.data = data;
        this.base = data != null ? BASE : 0;
        this.half = half;
        this.precision = precision;
        this.scale = scale;
    }

    /** Packs the row-major [rows, cols] matrix starting at {@code offset} (the source is copied), F32. */
    public static PackedMatrix pack(float[] source, int offset, int rows, int cols) {
        return pack(source, offset, rows, cols, WeightPrecision.F32);
    }

    public static PackedMatrix pack(float[] source, int rows, int cols) {
        return pack(source, 0, rows, cols);
    }

    /**
     * Packs the row-major [rows, cols] matrix starting at {@code offset} in {@code precision}: F32 copies the
     * values, BF16 / F16 store them rounded to nearest even (the source is not modified).
     */
    public static PackedMatrix pack(float[] source, int offset, int rows, int cols, WeightPrecision precision) {
        return pack(source, offset, rows, cols, precision, 1f);
    }

    /**
     * The matrix of {@code precision.round(source[i]) * scale} (each product rounded to float32), row-major
     * [rows, cols]. F32 packs the products; BF16 / F16 keep the rounded values in 16 bits and multiply by
     * {@code scale} while widening, which gives the same float32 products.
     */
    public static PackedMatrix packScaled(float[] source, int rows, int cols, WeightPrecision precision, float scale) {
        if (precision == WeightPrecision.F32 && scale != 1f) {
            float[] scaled = new float[Math.min(source.length, Math.multiplyExact(rows, cols))];
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] = source[i] * scale;
            }
            return pack(scaled, 0, rows, cols, precision, 1f);
        }
        return pack(source, 0, rows, cols, precision, scale);
    }

    private static PackedMatrix pack(float[] source, int offset, int rows, int cols, WeightPrecision precision,
                                     float scale) {
        long size = (long) rows * cols;
        if (rows < 1 || cols < 1 || offset < 0 || offset + size > source.length) {
            throw new IllegalArgumentException("cannot pack a [" + rows + ", " + cols + "] matrix at offset "
                    + offset + " of an array of " + source.length);
        }
        int nv = panelVectors(cols);
        long packedSize = packedSize(rows, cols, nv);
        if (packedSize > Integer.MAX_VALUE - 16 - BASE) {
            throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] is too large to pack");
        }
        if (precision == WeightPrecision.F32) {
            float[] packed = new float[BASE + (int) packedSize];
            packInto(source, offset, cols, 1, rows, cols, nv, packed, BASE);
            return new PackedMatrix(rows, cols, nv, packed, null, precision, 1f);
        }
        short[] packed = new short[(int) packedSize];
        packHalf(source, offset, rows, cols, nv, precision, packed);
        return new PackedMatrix(rows, cols, nv, null, packed, precision, scale);
    }

    /** Floats of the buffer {@link #packScratch} needs for a [rows, cols] matrix (its panels from {@link #BASE}). */
    public static int scratchSize(int rows, int cols) {
        long size = packedSize(rows, cols, panelVectors(cols));
        if (rows < 1 || cols < 1 || size > Integer.MAX_VALUE - 16 - BASE) {
            throw new IllegalArgumentException("cannot pack a [" + rows + ", " + cols + "] matrix");
        }
        return BASE + (int) size;
    }

    /**
     * Packs the activations {@code source} (F32, any strides) into {@code buffer} (at least
     * {@link #scratchSize} floats) and returns a matrix over that buffer. Unlike the weights, it is only
     * valid until the buffer is written again: it serves a B that several products of one call share (an
     * attention head's K^T and V, used by every block of query rows) without packing it for each.
     */
    public static PackedMatrix packScratch(MatrixView source, float[] buffer) {
        PackedMatrix m = scratch(buffer, source.rows(), source.cols());
        packInto(source.data(), source.offset(), source.rowStride(), source.colStride(), m.rows, m.cols,
                m.panelVectors, buffer, m.base);
        return m;
    }

    /**
     * A matrix over {@code buffer} (at least {@link #scratchSize} floats) whose panels the caller writes
     * ({@link Gemm#multiplyIntoPanels}); like {@link #packScratch}, valid until the buffer is written again.
     */
    static PackedMatrix scratch(float[] buffer, int rows, int cols) {
        int size = scratchSize(rows, cols);
        if (buffer.length < size) {
            throw new IllegalArgumentException("a buffer of " + buffer.length + " floats cannot hold a packed ["
                    + rows + ", " + cols + "] matrix (" + size + ")");
        }
        return new PackedMatrix(rows, cols, panelVectors(cols), buffer, null, WeightPrecision.F32, 1f);
    }

    /** As {@link #packInto} for a row-major source, storing 16-bit patterns of {@code precision}. */
    private static void packHalf(float[] src, int offset, int rows, int cols, int nv, WeightPrecision precision,
                                 short[] dst) {
        int nr = nv * VectorShapes.LANES;
        int panels = (cols + nr - 1) / nr;
        for (int p = 0; p < panels; p++) {
            int j0 = p * nr;
            int width = Math.min(nr, cols - j0);
            int base = p * rows * nr;
            for (int r = 0; r < rows; r++) {
                int d = base + r * nr;
                int s = offset + r * cols + j0;
                for (int j = 0; j < width; j++) {
                    dst[d + j] = precision.bits(src[s + j]);
                }
                // the padding stays 0, which widens to +0.0 in both formats
            }
        }
    }

    /** The precision the elements are stored in. */
    public WeightPrecision precision() {
        return precision;
    }

    /**
     * Bytes of the packed panels (the last panel's padding included, not the {@link #BASE} floats before the
     * first): 4 per element for F32, 2 for BF16 / F16.
     */
    public long storageBytes() {
        return data != null ? 4L * (data.length - base) : 2L * half.length;
    }

    /** Widens {@code n} consecutive packed elements from {@code offset} of a 16-bit matrix into {@code dst}. */
    void widen(int offset, float[] dst, int dstOffset, int n) {
        if (precision == WeightPrecision.BF16) {
            HalfWidening.bf16(half, offset, dst, dstOffset, n, scale);
        } else {
            HalfWidening.f16(half, offset, dst, dstOffset, n, scale);
        }
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
        int i = (p * rows + k) * panelWidth + (n - p * panelWidth);
        return data != null ? data[base + i] : precision.widen(half[i]) * scale;
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
     * {@code nv} vectors from {@code dst[dstBase]}, zero-padding the last panel.
     */
    static void packInto(float[] src, int offset, int rowStride, int colStride, int rows, int cols, int nv,
                         float[] dst, int dstBase) {
        int nr = nv * VectorShapes.LANES;
        packPanels(src, offset, rowStride, colStride, rows, cols, nv, dst, dstBase, 0, (cols + nr - 1) / nr);
    }

    /** As {@link #packInto} for panels [p0, p1) only (panels are independent: threads may pack a share each). */
    static void packPanels(float[] src, int offset, int rowStride, int colStride, int rows, int cols, int nv,
                           float[] dst, int dstBase, int p0, int p1) {
        int nr = nv * VectorShapes.LANES;
        for (int p = p0; p < p1; p++) {
            int j0 = p * nr;
            int width = Math.min(nr, cols - j0);
            int base = dstBase + p * rows * nr;
            if (colStride == 1) {
                for (int r = 0; r < rows; r++) {
                    int d = base + r * nr;
                    System.arraycopy(src, offset + r * rowStride + j0, dst, d, width);
                    if (width < nr) {
                        java.util.Arrays.fill(dst, d + width, d + nr, 0f);
                    }
                }
            } else {
                if (rowStride == 1) {
                    // A transposed view of a row-major matrix (attention's K^T): source column j0 + j is
                    // contiguous, so the panel is the transpose of a width x rows block, in 8 x 8 registers.
                    Transpose8.matrix(src, offset + j0 * colStride, colStride, dst, base, nr, width, rows);
                } else {
                    // Any other strides: read along rows of the source, which are columns here, and scatter
                    // with stride nr.
                    for (int j = 0; j < width; j++) {
                        int s = offset + (j0 + j) * colStride;
                        int d = base + j;
                        for (int r = 0; r < rows; r++) {
                            dst[d + r * nr] = src[s + r * rowStride];
                        }
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
