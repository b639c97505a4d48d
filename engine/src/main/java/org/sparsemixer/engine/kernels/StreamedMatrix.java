package org.sparsemixer.engine.kernels;

/**
 * A weight matrix B [K, N] laid out for {@link StreamedGemm}: products with few rows (an expert's tokens) in
 * which B comes from memory once per product and is the broadcast operand.
 * <p>
 * Layout: the columns in groups of {@link #GROUP}; group g holds {@code B[k, 2g .. 2g + 1]} for k ascending,
 * at {@code data[(g * K + k) * 2 + o]} (zero past N), and the groups are padded to {@code 5 T}, T =
 * {@link #tiles()}. Tile t reads groups t, t + T, ..., t + 4T: five sequential streams a fifth of the matrix
 * apart, each 8 bytes a step of k, so their cache misses overlap and B arrives at the rate the multiply-adds
 * use it. Against the panel layout of {@link PackedMatrix}, whose first row tile waits for each panel to
 * arrive before the others compute from L2, an expert's 32 x 512 x 2048 product from memory ran 1.7x as fast
 * and 256 x 512 x 2048 1.2x on one thread of the Intel machine ({@code bench/tools/WeightStreamProbe.java},
 * with four streams of 3 columns; the tile is 10 columns since, see {@link StreamedGemm}).
 */
public final class StreamedMatrix {
    /** Columns per stream of a tile. */
    public static final int GROUP = 2;
    /** Streams per tile. */
    public static final int STREAMS = 5;
    /** Rows of the source a pack step reads (64 rows of Base's widest expert matrix: 512 KB). */
    private static final int PACK_ROWS = 64;

    private final int rows;
    private final int cols;
    private final int tiles;
    final float[] data;

    private StreamedMatrix(int rows, int cols, int tiles, float[] data) {
        this.rows = rows;
        this.cols = cols;
        this.tiles = tiles;
        this.data = data;
    }

    /** Packs the row-major [rows, cols] matrix at {@code source[offset]}. */
    public static StreamedMatrix pack(float[] source, int offset, int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("a streamed matrix needs rows and columns, not " + rows + " x " + cols);
        }
        if (offset < 0 || (long) rows * cols > source.length - (long) offset) {
            throw new IllegalArgumentException(rows + " x " + cols + " values at offset " + offset + " overrun "
                    + source.length);
        }
        int groups = (cols + GROUP - 1) / GROUP;
        int tiles = (groups + STREAMS - 1) / STREAMS;
        float[] data = new float[Math.multiplyExact(Math.multiplyExact(tiles * STREAMS, rows), GROUP)];
        // Rows in blocks of PACK_ROWS, so that the rows a block reads stay in cache while every group takes its
        // pair from them (group by group over all rows read each line of the source once per group in it), and
        // whole groups copied with a constant length: Base's 128 expert matrices packed in ~0.2 s, not 0.54 s.
        int whole = cols / GROUP;
        for (int k0 = 0; k0 < rows; k0 += PACK_ROWS) {
            int k1 = Math.min(rows, k0 + PACK_ROWS);
            for (int g = 0; g < whole; g++) {
                int src = offset + g * GROUP;
                int dst = g * rows * GROUP;
                for (int k = k0; k < k1; k++) {
                    for (int o = 0; o < GROUP; o++) {
                        data[dst + k * GROUP + o] = source[src + k * cols + o];
                    }
                }
            }
        }
        for (int o = 0; o < cols - whole * GROUP; o++) {
            for (int k = 0; k < rows; k++) {
                data[(whole * rows + k) * GROUP + o] = source[offset + k * cols + whole * GROUP + o];
            }
        }
        return new StreamedMatrix(rows, cols, tiles, data);
    }

    /** K. */
    public int rows() {
        return rows;
    }

    /** N. */
    public int cols() {
        return cols;
    }

    /** Tiles of {@code STREAMS x GROUP} columns. */
    public int tiles() {
        return tiles;
    }

    /** Bytes of memory the matrix holds. */
    public long storageBytes() {
        return 4L * data.length;
    }

    /** B[k, j]. */
    public float get(int k, int j) {
        if (k < 0 || k >= rows || j < 0 || j >= cols) {
            throw new IndexOutOfBoundsException("(" + k + ", " + j + ") of " + rows + " x " + cols);
        }
        return data[((j / GROUP) * rows + k) * GROUP + j % GROUP];
    }
}
