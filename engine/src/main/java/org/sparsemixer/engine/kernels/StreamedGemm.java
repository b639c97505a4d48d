package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products with few rows against a {@link StreamedMatrix}, B being the broadcast operand: {@code C^T =
 * epilogue(A x B)^T}, with A and C given transposed in blocks of {@link #BLOCK} rows (two vectors).
 * <p>
 * Layouts: {@code at[ORIGIN + (block * K + k) * BLOCK + r]} is A[block * BLOCK + r, k] (zero for rows past
 * m); {@code ct[ORIGIN + (block * N + j) * BLOCK + r]} receives C[block * BLOCK + r, j]. So the C^T of a first
 * product is the A^T of a second one (an expert's two products chain without a transpose). {@link #ORIGIN} is
 * the first 64-byte aligned element of a float array when the JVM aligns objects to 64 bytes (see
 * {@link PackedMatrix}): every vector of A^T the kernel loads is then one cache line.
 * <p>
 * Each element is the chain of {@link Gemm}: {@code c = 0; for k ascending: c = fma(A[m, k], B[k, n], c)}, then
 * {@code gelu?(c + bias[n])} with the same vector operations as {@link Gemm}'s epilogue, so results are
 * bit-identical to {@link Gemm} and {@link GemmScalar}. The register tile is 10 columns (the five streams of
 * a {@link StreamedMatrix} tile, 2 columns each) x 2 vectors of rows; the loop reads one element of B per
 * column and step of k, so B is read once per block of rows, at the rate the multiply-adds consume it, from
 * five places at once (the reason for the layout: see {@link StreamedMatrix}).
 * <p>
 * Why 10 columns and not 12: the tile's 20 accumulators, its 2 vectors of A and 10 broadcasts fit the 32
 * vector registers however C2 schedules the loop. With 12 columns (24 + 2 + 12) C2 hoisted some broadcasts
 * above the multiply-adds in some compilations and spilled two accumulators to the stack, a store and reload
 * every step of k; whether it did depended on the profile (in every whole Base call checked on main; in a
 * trial of the dense feed-forward through this class, 2.7x slower products in one JVM, not in another).
 * Base's experts at batch 8 took 8 % less time with 10 columns (bench/README.md).
 * <p>
 * Used for the experts' products when their weights are F32 (16-bit experts keep {@link PackedMatrix} and
 * {@link Gemm}). In whole Base calls on the Intel machine the experts took 19-33 % less time at batch 1 than
 * with the panels (bench/README.md).
 */
public final class StreamedGemm {
    private static final VectorSpecies<Float> S = VectorShapes.F;
    private static final int L = VectorShapes.LANES;
    /** Rows per block of A^T and C^T: two vectors. */
    public static final int BLOCK = 2 * L;
    /** Index of the first block in an A^T or C^T array ({@link #transposedSize}). */
    public static final int ORIGIN = HeapAlignment.FLOAT_ARRAY_LINE_START;
    private static final int TILE_COLUMNS = StreamedMatrix.STREAMS * StreamedMatrix.GROUP;
    /** Largest group of A^T blocks (one K chunk of them) that the tiles of B pass over together: 1/4 of a 2 MB L2. */
    static final long A_GROUP_BYTES = 512 * 1024;
    /** Per-thread finished tile before its epilogue. */
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[TILE_COLUMNS * BLOCK]);

    private StreamedGemm() {
    }

    /** Blocks of {@link #BLOCK} rows that {@code rows} rows take. */
    public static int blocks(int rows) {
        return (rows + BLOCK - 1) / BLOCK;
    }

    /** Floats of an A^T or C^T array for {@code rows} rows of {@code cols} columns. */
    public static int transposedSize(int rows, int cols) {
        return Math.addExact(ORIGIN, Math.multiplyExact(blocks(rows) * BLOCK, cols));
    }

    /**
     * {@code C^T = gelu?(A x B + bias)^T} for the {@code rows} rows of A^T (in {@link #blocks} blocks; a last
     * block of at most one vector of rows runs a one-vector kernel); {@code bias} may be null. The tiles
     * of B are split over the pool's threads (each tile's elements are computed by one thread, in the same
     * order whatever the split).
     */
    public static void multiply(ComputePool pool, float[] at, int rows, StreamedMatrix b, float[] bias, boolean gelu,
                                float[] ct) {
        int k = b.rows();
        int n = b.cols();
        int blocks = blocks(rows);
        if (at.length < ORIGIN + (long) blocks * k * BLOCK || ct.length < ORIGIN + (long) blocks * n * BLOCK) {
            throw new IllegalArgumentException("A^T of " + at.length + " or C^T of " + ct.length + " floats for "
                    + blocks + " blocks of " + BLOCK + " rows x " + k + " -> " + n);
        }
        if (bias != null && bias.length < n) {
            throw new IllegalArgumentException("bias of length " + bias.length + " for " + n + " columns");
        }
        long flops = 2L * blocks * BLOCK * k * n;
        if (pool.threads() > 1 && flops >= Gemm.PARALLEL_MIN_FLOPS) {
            pool.forRange(b.tiles(), 1, (t0, t1) -> tiles(at, rows, b, bias, gelu, ct, t0, t1));
        } else {
            tiles(at, rows, b, bias, gelu, ct, 0, b.tiles());
        }
    }

    private static void tiles(float[] at, int rows, StreamedMatrix b, float[] bias, boolean gelu, float[] ct,
                              int t0, int t1) {
        int blocks = blocks(rows);
        boolean halfLast = rows - (blocks - 1) * BLOCK <= L;
        int k = b.rows();
        int n = b.cols();
        int tiles = b.tiles();
        int stream = tiles * k * StreamedMatrix.GROUP;
        float[] tile = TILE.get();
        // K in Gemm's K blocks (the partial sums wait in C^T between blocks, a lossless store and reload), and
        // the blocks of A^T in groups whose K block stays in L2 while every tile of B passes over it (a tile's 10
        // columns then serve the group's blocks from L1): B is read once whatever the number of rows.
        int kcStep = Gemm.kBlockStep(k);
        int group = (int) Math.max(1, A_GROUP_BYTES / ((long) kcStep * BLOCK * Float.BYTES));
        for (int pc = 0; pc < k; pc += kcStep) {
            int kc = Math.min(kcStep, k - pc);
            boolean last = pc + kc == k;
            for (int b0 = 0; b0 < blocks; b0 += group) {
                int b1 = Math.min(blocks, b0 + group);
                for (int t = t0; t < t1; t++) {
                    int s0 = (t * k + pc) * StreamedMatrix.GROUP;
                    int col0 = t * StreamedMatrix.GROUP;
                    for (int block = b0; block < b1; block++) {
                        int ctBlock = ORIGIN + block * n * BLOCK;
                        if (pc == 0) {
                            java.util.Arrays.fill(tile, 0f);
                        } else {
                            load(tile, col0, tiles, n, ct, ctBlock);
                        }
                        int ao = ORIGIN + (block * k + pc) * BLOCK;
                        if (halfLast && block == blocks - 1) {
                            tileHalf(b.data, s0, s0 + stream, s0 + 2 * stream, s0 + 3 * stream, s0 + 4 * stream, at, ao, kc, tile);
                        } else {
                            tile(b.data, s0, s0 + stream, s0 + 2 * stream, s0 + 3 * stream, s0 + 4 * stream, at, ao, kc, tile);
                        }
                        store(tile, col0, tiles, n, last ? bias : null, last && gelu, ct, ctBlock);
                    }
                }
            }
        }
    }

    /**
     * As {@link #tile} for a block whose rows fit one vector (the second vector of each column is left as it
     * was: it holds only padding rows): half the multiply-adds for an expert of at most LANES tokens.
     */
    private static void tileHalf(float[] b, int s0, int s1, int s2, int s3, int s4, float[] at, int ao, int k, float[] tile) {
        FloatVector c0 = FloatVector.fromArray(S, tile, 0 * L);
        FloatVector c1 = FloatVector.fromArray(S, tile, 2 * L);
        FloatVector c2 = FloatVector.fromArray(S, tile, 4 * L);
        FloatVector c3 = FloatVector.fromArray(S, tile, 6 * L);
        FloatVector c4 = FloatVector.fromArray(S, tile, 8 * L);
        FloatVector c5 = FloatVector.fromArray(S, tile, 10 * L);
        FloatVector c6 = FloatVector.fromArray(S, tile, 12 * L);
        FloatVector c7 = FloatVector.fromArray(S, tile, 14 * L);
        FloatVector c8 = FloatVector.fromArray(S, tile, 16 * L);
        FloatVector c9 = FloatVector.fromArray(S, tile, 18 * L);
        for (int kk = 0; kk < k; kk++, s0 += 2, s1 += 2, s2 += 2, s3 += 2, s4 += 2, ao += BLOCK) {
            FloatVector a0 = FloatVector.fromArray(S, at, ao);
            c0 = a0.fma(FloatVector.broadcast(S, b[s0]), c0);
            c1 = a0.fma(FloatVector.broadcast(S, b[s0 + 1]), c1);
            c2 = a0.fma(FloatVector.broadcast(S, b[s1]), c2);
            c3 = a0.fma(FloatVector.broadcast(S, b[s1 + 1]), c3);
            c4 = a0.fma(FloatVector.broadcast(S, b[s2]), c4);
            c5 = a0.fma(FloatVector.broadcast(S, b[s2 + 1]), c5);
            c6 = a0.fma(FloatVector.broadcast(S, b[s3]), c6);
            c7 = a0.fma(FloatVector.broadcast(S, b[s3 + 1]), c7);
            c8 = a0.fma(FloatVector.broadcast(S, b[s4]), c8);
            c9 = a0.fma(FloatVector.broadcast(S, b[s4 + 1]), c9);
        }
        c0.intoArray(tile, 0 * L);
        c1.intoArray(tile, 2 * L);
        c2.intoArray(tile, 4 * L);
        c3.intoArray(tile, 6 * L);
        c4.intoArray(tile, 8 * L);
        c5.intoArray(tile, 10 * L);
        c6.intoArray(tile, 12 * L);
        c7.intoArray(tile, 14 * L);
        c8.intoArray(tile, 16 * L);
        c9.intoArray(tile, 18 * L);
    }

    /** Column r of a tile: its place among the matrix's columns. */
    private static int column(int col0, int tiles, int r) {
        return col0 + (r / StreamedMatrix.GROUP) * tiles * StreamedMatrix.GROUP + r % StreamedMatrix.GROUP;
    }

    /** The partial sums of a tile's columns (those before N) back from C^T. */
    private static void load(float[] tile, int col0, int tiles, int n, float[] ct, int ctBlock) {
        for (int r = 0; r < TILE_COLUMNS; r++) {
            int col = column(col0, tiles, r);
            if (col < n) {
                FloatVector.fromArray(S, ct, ctBlock + col * BLOCK).intoArray(tile, 2 * r * L);
                FloatVector.fromArray(S, ct, ctBlock + col * BLOCK + L).intoArray(tile, (2 * r + 1) * L);
            }
        }
    }

    /**
     * One tile: 10 columns (five streams of 2) x one block of 2 x LANES rows over kc steps of k, from and into
     * {@code tile} (column r's two vectors at {@code 2 r L}). The epilogue runs afterwards ({@link #store}):
     * vectors handed to a method C2 does not inline are boxed, and 20 epilogue calls here would not all be
     * inlined.
     */
    private static void tile(float[] b, int s0, int s1, int s2, int s3, int s4, float[] at, int ao, int k, float[] tile) {
        FloatVector c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1, c7_0, c7_1, c8_0, c8_1, c9_0, c9_1;
        c0_0 = FloatVector.fromArray(S, tile, 0 * L);
        c0_1 = FloatVector.fromArray(S, tile, 1 * L);
        c1_0 = FloatVector.fromArray(S, tile, 2 * L);
        c1_1 = FloatVector.fromArray(S, tile, 3 * L);
        c2_0 = FloatVector.fromArray(S, tile, 4 * L);
        c2_1 = FloatVector.fromArray(S, tile, 5 * L);
        c3_0 = FloatVector.fromArray(S, tile, 6 * L);
        c3_1 = FloatVector.fromArray(S, tile, 7 * L);
        c4_0 = FloatVector.fromArray(S, tile, 8 * L);
        c4_1 = FloatVector.fromArray(S, tile, 9 * L);
        c5_0 = FloatVector.fromArray(S, tile, 10 * L);
        c5_1 = FloatVector.fromArray(S, tile, 11 * L);
        c6_0 = FloatVector.fromArray(S, tile, 12 * L);
        c6_1 = FloatVector.fromArray(S, tile, 13 * L);
        c7_0 = FloatVector.fromArray(S, tile, 14 * L);
        c7_1 = FloatVector.fromArray(S, tile, 15 * L);
        c8_0 = FloatVector.fromArray(S, tile, 16 * L);
        c8_1 = FloatVector.fromArray(S, tile, 17 * L);
        c9_0 = FloatVector.fromArray(S, tile, 18 * L);
        c9_1 = FloatVector.fromArray(S, tile, 19 * L);
        for (int kk = 0; kk < k; kk++, s0 += 2, s1 += 2, s2 += 2, s3 += 2, s4 += 2, ao += BLOCK) {
            FloatVector a0 = FloatVector.fromArray(S, at, ao);
            FloatVector a1 = FloatVector.fromArray(S, at, ao + L);
            FloatVector b0 = FloatVector.broadcast(S, b[s0]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a1.fma(b0, c0_1);
            FloatVector b1 = FloatVector.broadcast(S, b[s0 + 1]);
            c1_0 = a0.fma(b1, c1_0);
            c1_1 = a1.fma(b1, c1_1);
            FloatVector b2 = FloatVector.broadcast(S, b[s1]);
            c2_0 = a0.fma(b2, c2_0);
            c2_1 = a1.fma(b2, c2_1);
            FloatVector b3 = FloatVector.broadcast(S, b[s1 + 1]);
            c3_0 = a0.fma(b3, c3_0);
            c3_1 = a1.fma(b3, c3_1);
            FloatVector b4 = FloatVector.broadcast(S, b[s2]);
            c4_0 = a0.fma(b4, c4_0);
            c4_1 = a1.fma(b4, c4_1);
            FloatVector b5 = FloatVector.broadcast(S, b[s2 + 1]);
            c5_0 = a0.fma(b5, c5_0);
            c5_1 = a1.fma(b5, c5_1);
            FloatVector b6 = FloatVector.broadcast(S, b[s3]);
            c6_0 = a0.fma(b6, c6_0);
            c6_1 = a1.fma(b6, c6_1);
            FloatVector b7 = FloatVector.broadcast(S, b[s3 + 1]);
            c7_0 = a0.fma(b7, c7_0);
            c7_1 = a1.fma(b7, c7_1);
            FloatVector b8 = FloatVector.broadcast(S, b[s4]);
            c8_0 = a0.fma(b8, c8_0);
            c8_1 = a1.fma(b8, c8_1);
            FloatVector b9 = FloatVector.broadcast(S, b[s4 + 1]);
            c9_0 = a0.fma(b9, c9_0);
            c9_1 = a1.fma(b9, c9_1);
        }
        c0_0.intoArray(tile, 0 * L);
        c0_1.intoArray(tile, 1 * L);
        c1_0.intoArray(tile, 2 * L);
        c1_1.intoArray(tile, 3 * L);
        c2_0.intoArray(tile, 4 * L);
        c2_1.intoArray(tile, 5 * L);
        c3_0.intoArray(tile, 6 * L);
        c3_1.intoArray(tile, 7 * L);
        c4_0.intoArray(tile, 8 * L);
        c4_1.intoArray(tile, 9 * L);
        c5_0.intoArray(tile, 10 * L);
        c5_1.intoArray(tile, 11 * L);
        c6_0.intoArray(tile, 12 * L);
        c6_1.intoArray(tile, 13 * L);
        c7_0.intoArray(tile, 14 * L);
        c7_1.intoArray(tile, 15 * L);
        c8_0.intoArray(tile, 16 * L);
        c8_1.intoArray(tile, 17 * L);
        c9_0.intoArray(tile, 18 * L);
        c9_1.intoArray(tile, 19 * L);
    }

    /** A tile's columns (skipped past N) into their places in C^T, after the epilogue of {@link Gemm} (none between K chunks). */
    private static void store(float[] tile, int col0, int tiles, int n, float[] bias, boolean gelu, float[] ct,
                              int ctBlock) {
        for (int r = 0; r < TILE_COLUMNS; r++) {
            int col = column(col0, tiles, r);
            if (col >= n) {
                continue;
            }
            for (int v = 0; v < 2; v++) {
                FloatVector x = FloatVector.fromArray(S, tile, (2 * r + v) * L);
                if (bias != null) {
                    x = x.add(bias[col]);
                }
                x.intoArray(ct, ctBlock + col * BLOCK + v * L);
            }
        }
        if (gelu) {
            // On the array after the store, never on a vector argument (see Gemm.epilogueTile): the tile's
            // columns before N are a prefix of its order, GROUP of them contiguous in C^T, groups tiles apart.
            int columns = 0;
            while (columns < TILE_COLUMNS && column(col0, tiles, columns) < n) {
                columns++;
            }
            int groups = columns / StreamedMatrix.GROUP;
            int groupStride = tiles * StreamedMatrix.GROUP * BLOCK;
            VectorMath.gelu(ct, ctBlock + col0 * BLOCK, groupStride, groups, StreamedMatrix.GROUP * BLOCK, null, 0);
            if (columns % StreamedMatrix.GROUP != 0) {
                int first = column(col0, tiles, groups * StreamedMatrix.GROUP);
                VectorMath.gelu(ct, ctBlock + first * BLOCK, 0, 1, (columns % StreamedMatrix.GROUP) * BLOCK, null, 0);
            }
        }
    }

    /** {@code at} = rows [0, rows) of the row-major [rows, k] matrix at {@code x[offset]}, in blocks, zero-padded. */
    public static void transposeIn(float[] x, int offset, int rows, int k, float[] at) {
        int blocks = blocks(rows);
        if (rows % BLOCK != 0) {
            java.util.Arrays.fill(at, ORIGIN + (blocks - 1) * k * BLOCK, ORIGIN + blocks * k * BLOCK, 0f);
        }
        for (int block = 0; block < blocks; block++) {
            int r0 = block * BLOCK;
            Transpose8.matrix(x, offset + r0 * k, k, at, ORIGIN + block * k * BLOCK, BLOCK, Math.min(BLOCK, rows - r0), k);
        }
    }

    /** Rows [0, rows) of C^T (blocks of [n][BLOCK]) written row-major into {@code out[offset + r * n + j]}. */
    public static void transposeOut(float[] ct, int rows, int n, float[] out, int offset) {
        for (int block = 0; block < blocks(rows); block++) {
            int r0 = block * BLOCK;
            Transpose8.matrix(ct, ORIGIN + block * n * BLOCK, BLOCK, out, offset + r0 * n, n, n, Math.min(BLOCK, rows - r0));
        }
    }
}
