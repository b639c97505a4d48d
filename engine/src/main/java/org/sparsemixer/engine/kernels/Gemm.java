package org.sparsemixer.engine.kernels;

/**
 * The one entry point for every dense product of the encoder, but for the F32 experts' ({@link StreamedGemm}).
 * <p>
 * <b>Summation order (the determinism contract).</b> Every output element is
 * {@code c = 0; for k = 0 .. K-1 ascending: c = fma(A[m, k], B[k, n], c)}, one exact chain of fused
 * multiply-adds in float, then the epilogue {@code c = act(c + bias[n]) + residual[m, n]}. The register
 * tiles keep c in a vector lane; between K blocks it is stored to C and reloaded, which is lossless. Work
 * is split over M (row tiles) or N (panels), never over K, and edge tiles run the same chains, so the
 * result is bit-identical for any thread count, any tiling and to the scalar twin {@link GemmScalar}.
 * <p>
 * <b>Tiling.</b> B is packed in panels of {@code nv} vectors ({@link PackedMatrix}; 4 x 16 = 64 floats
 * with 512-bit vectors, 2 x 8 with 256-bit, 1 vector for N &lt;= LANES). The micro-kernels
 * ({@link MicroKernels}) hold an mr x nv tile of accumulators (mr &lt;= 6, or &lt;= 12 for one-vector panels)
 * in registers, stream the panel
 * and broadcast elements of A read in place (A is never packed). Loops, outside in: K blocks of at most
 * {@link #KC} (evenly cut; K &lt;= 512 is one block, so C is written once), row blocks of {@link #MC} (one block
 * when the rows of a K block fit {@link #A_BLOCK_BYTES}), panels, row tiles. The rows of a block are cut into
 * tiles of balanced heights (32 rows = 6+6+5+5+5+5, no padded rows computed), but for products of a few
 * rows ({@link #multiplyPadded}) and one-vector panels (12-row tiles, the last on padded rows); a last partial
 * panel, and a padded tile, are computed into a small per-thread buffer and copied out. The epilogue runs on
 * each tile after its last K block, while it is in L1. M = 1 uses the same kernels (1 x nv tiles stream the
 * panels: a vector i-k-j loop).
 * <p>
 * <b>16-bit weights.</b> A BF16 / F16 {@link PackedMatrix} is widened one (K block x panel) at a time into a
 * per-thread float buffer that then serves all rows of the block ({@link #blockHalf}); widening is exact, so
 * the results are those of the F32 matrix of the same values, bit for bit.
 * <p>
 * <b>Threads.</b> Products below {@link #PARALLEL_MIN_FLOPS} run on the caller (a pool dispatch costs
 * tens of microseconds). Larger ones are cut into units of {@link #MC} rows x {@link #PANEL_GROUP} panels
 * that the pool's threads take from a shared counter (dynamic balance on a shared machine), except when the
 * rows of a K block of A fit {@link #A_ALL_ROWS_BYTES} (a 512-token sequence against a weight): a unit then
 * takes every row (or, with fewer panels than two units a thread, a block of at least MC rows) and a group of
 * panels (halved until there are two units a thread), so each panel of B
 * comes from memory once a product instead of once every MC rows, and stays in L2 while the unit's row
 * blocks pass over it. Base at batch 1: feed-forward -7 %, whole call -3.6 % (bench/README.md).
 */
public final class Gemm {
    private static final int L = VectorShapes.LANES;
    /** Register tile height (12 for one-vector panels, see {@link MicroKernels#maxRows}); unit of the M split. */
    static final int MR = 6;
    /** Largest K block. */
    static final int KC = 512;
    /** Rows per block (a multiple of MR): the A block, MC x KC floats, stays in L2. */
    static final int MC = 96;
    /** Panels per unit of parallel work (256 columns with 512-bit vectors). */
    static final int PANEL_GROUP = 4;
    /** Below this many flops (2 M N K) a product runs on the calling thread. */
    static final long PARALLEL_MIN_FLOPS = 3_000_000L;
    /** Products with fewer rows than this, not a multiple of the tile height, run {@link #multiplyPadded}. */
    static final int PADDED_ROWS = 48;
    /** Largest A (rows x K block) whose rows all go to one parallel unit: half of this machine's 2 MB L2. */
    static final long A_ALL_ROWS_BYTES = 1024 * 1024;
    /** Largest A block (rows x K block) that {@link #block} keeps as one row block: half of a 1 MB L2. */
    static final long A_BLOCK_BYTES = 512 * 1024;

    private static final ComputePool SINGLE = ComputePool.singleThreaded();
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);
    /** Per-thread buffer of one widened (K block x panel) of a 16-bit B. */
    private static final ThreadLocal<float[]> WIDENED = ThreadLocal.withInitial(() -> new float[0]);
    /** Per-thread A and C of {@link #multiplyPadded}. */
    private static final ThreadLocal<float[][]> PADDED = ThreadLocal.withInitial(() -> new float[2][0]);
    /** Per-thread A (rows padded with zeros) and C of one tile that {@link #panelTiles} runs through a buffer. */
    private static final ThreadLocal<float[][]> TAIL = ThreadLocal.withInitial(() -> new float[2][0]);

    private Gemm() {
    }

    /**
     * {@code C[m, n] = epilogue(A[m, k] x B[k, n])} with B a prepacked weight.
     * Row i of A starts at {@code a[aOffset + i * lda]}, row i of C at {@code c[cOffset + i * ldc]}.
     */
    public static void multiply(ComputePool pool, float[] a, int aOffset, int lda, int m, PackedMatrix b,
                                float[] c, int cOffset, int ldc, Epilogue epilogue) {
        int k = b.rows();
        int n = b.cols();
        checkRows("A", a, aOffset, lda, m, k);
        checkRows("C", c, cOffset, ldc, m, n);
        checkEpilogue(epilogue, m, n);
        if (m == 0) {
            return;
        }
        if (m < PADDED_ROWS && m % MicroKernels.maxRows(b.panelVectors) != 0) {
            multiplyPadded(pool, a, aOffset, lda, m, b, c, cOffset, ldc, epilogue);
            return;
        }
        run(pool, a, aOffset, lda, m, k, n, b.panelVectors, b.data, b.base, b.half == null ? null : b, c, cOffset, ldc, 0,
                epilogue);
    }

    /**
     * A product of a few rows computed on them padded with zero rows to a multiple of the tile height, so that
     * only full-height kernels run. Every larger product keeps those compiled, while the kernels of 1 to 4
     * rows that a handful of rows would need (the pooler's batch of first tokens) run a few hundred times a
     * call and stay in the interpreter, some 100x slower: Base's pooler at batch 8 took 4-6 ms for 4 MFLOP.
     * Rows do not mix, and the epilogue runs on the real rows as the tiles would run it, so the result is
     * that of the unpadded product, bit for bit.
     */
    private static void multiplyPadded(ComputePool pool, float[] a, int aOffset, int lda, int m, PackedMatrix b,
                                       float[] c, int cOffset, int ldc, Epilogue epilogue) {
        int k = b.rows();
        int n = b.cols();
        int mr = MicroKernels.maxRows(b.panelVectors);
        int padded = (m + mr - 1) / mr * mr;
        float[][] buffers = PADDED.get();
        float[] ap = paddedRows(buffers, a, aOffset, lda, m, padded, k);
        float[] cp = atLeast(buffers, 1, padded * n);
        run(pool, ap, 0, k, padded, k, n, b.panelVectors, b.data, b.base, b.half == null ? null : b, cp, 0, n, 0,
                Epilogue.none());
        for (int r = 0; r < m; r++) {
            System.arraycopy(cp, r * n, c, cOffset + r * ldc, n);
        }
        epilogueTile(epilogue, c, cOffset, ldc, 0, m, 0, n);
    }

    /**
     * {@code A[m, k] x B[k, n]} written as the panels of a matrix that a following product takes as its B
     * (a [m, n] {@link PackedMatrix} over {@code buffer}, at least {@link PackedMatrix#scratchSize}(m, n)
     * floats), so that product does not pack it: B's panels and the result's are equally wide, and panel p of
     * the result is written by the products of B's panel p. Valid until the buffer is written again. The
     * values are those of {@link #multiply} with no epilogue, bit for bit; the padding past n is zero.
     */
    public static PackedMatrix multiplyIntoPanels(ComputePool pool, float[] a, int aOffset, int lda, int m,
                                                  PackedMatrix b, float[] buffer) {
        int k = b.rows();
        int n = b.cols();
        checkRows("A", a, aOffset, lda, m, k);
        // Both are [., n] matrices, so their panels are equally wide (PackedMatrix.panelVectors(n)).
        PackedMatrix c = PackedMatrix.scratch(buffer, m, n);
        int nr = b.panelWidth;
        int width = n % nr;
        if (width != 0) {
            int last = c.base + (n / nr) * m * nr;
            for (int r = 0; r < m; r++) {
                java.util.Arrays.fill(buffer, last + r * nr + width, last + (r + 1) * nr, 0f);
            }
        }
        run(pool, a, aOffset, lda, m, k, n, b.panelVectors, b.data, b.base, b.half == null ? null : b, buffer, c.base, nr, m * nr,
                Epilogue.none());
        return c;
    }

    /** Single-threaded form of the packed product. */
    public static void multiply(float[] a, int aOffset, int lda, int m, PackedMatrix b,
                                float[] c, int cOffset, int ldc, Epilogue epilogue) {
        multiply(SINGLE, a, aOffset, lda, m, b, c, cOffset, ldc, epilogue);
    }

    /**
     * {@code C = A x B} for activations given as strided views; C must have unit column stride.
     * B is packed on the fly into a per-thread buffer (row-major and transposed views alike, so
     * {@code Q x K^T} reads K in place); A is read in place when its column stride is 1, else copied.
     */
    public static void multiply(ComputePool pool, MatrixView a, MatrixView b, MatrixView c) {
        multiply(pool, a, b, c, Epilogue.none());
    }

    /** As {@link #multiply(ComputePool, MatrixView, MatrixView, MatrixView)} with a fused epilogue. */
    public static void multiply(ComputePool pool, MatrixView a, MatrixView b, MatrixView c, Epilogue epilogue) {
        if (a.cols() != b.rows() || a.rows() != c.rows() || b.cols() != c.cols()) {
            throw new IllegalArgumentException("shape mismatch: [" + a.rows() + ", " + a.cols() + "] x ["
                    + b.rows() + ", " + b.cols() + "] -> [" + c.rows() + ", " + c.cols() + "]");
        }
        if (c.colStride() != 1) {
            throw new IllegalArgumentException("C must have unit column stride");
        }
        int m = a.rows();
        int k = a.cols();
        int n = b.cols();
        checkEpilogue(epilogue, m, n);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            for (int i = 0; i < m; i++) {
                int row = c.offset() + i * c.rowStride();
                java.util.Arrays.fill(c.data(), row, row + n, 0f);
                epilogueTile(epilogue, c.data(), c.offset(), c.rowStride(), i, 1, 0, n);
            }
            return;
        }
        float[][] scratch = SCRATCH.get();
        int nv = PackedMatrix.panelVectors(n);
        float[] bp = atLeast(scratch, 0, PackedMatrix.scratchSize(k, n));
        if (onPool(pool, 2L * m * n * k)) {
            // The product will run on the pool anyway; let its threads pack a share of the panels each.
            int panels = (n + nv * L - 1) / (nv * L);
            pool.forRange(panels, 1, (p0, p1) ->
                    PackedMatrix.packPanels(b.data(), b.offset(), b.rowStride(), b.colStride(), k, n, nv, bp,
                            PackedMatrix.BASE, p0, p1));
        } else {
            PackedMatrix.packInto(b.data(), b.offset(), b.rowStride(), b.colStride(), k, n, nv, bp, PackedMatrix.BASE);
        }
        float[] aData = a.data();
        int aOff = a.offset();
        int lda = a.rowStride();
        if (a.colStride() != 1) {
            aData = atLeast(scratch, 1, m * k);
            for (int i = 0; i < m; i++) {
                for (int kk = 0; kk < k; kk++) {
                    aData[i * k + kk] = a.get(i, kk);
                }
            }
            aOff = 0;
            lda = k;
        }
        run(pool, aData, aOff, lda, m, k, n, nv, bp, PackedMatrix.BASE, null, c.data(), c.offset(), c.rowStride(), 0, epilogue);
    }

    /**
     * {@code buffers[0]} holding {@code rows} rows of A ({@code k} floats each, from {@code a[aOff + r * lda]}), k
     * floats apart, then zero rows up to {@code padded}: the A of a product run on zero-padded rows. (The zeros
     * keep garbage, such as subnormals that slow the multiply-adds, out of the rows whose results are dropped.)
     */
    private static float[] paddedRows(float[][] buffers, float[] a, int aOff, int lda, int rows, int padded, int k) {
        float[] ap = atLeast(buffers, 0, padded * k);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, aOff + r * lda, ap, r * k, k);
        }
        java.util.Arrays.fill(ap, rows * k, padded * k, 0f);
        return ap;
    }

    /** {@code buffers[i]}, first replaced by a new array of {@code size} floats when it is shorter. */
    private static float[] atLeast(float[][] buffers, int i, int size) {
        if (buffers[i].length < size) {
            buffers[i] = new float[size];
        }
        return buffers[i];
    }

    /** Single-threaded form of {@link #multiply(ComputePool, MatrixView, MatrixView, MatrixView)}. */
    public static void multiply(MatrixView a, MatrixView b, MatrixView c) {
        multiply(SINGLE, a, b, c);
    }

    // ------------------------------------------------------------------------------------------ driver

    /** B is {@code bp} (F32 panels from {@code bp[bBase]}) or, when {@code half} is not null, that 16-bit matrix. */
    private static void run(ComputePool pool, float[] a, int aOff, int lda, int m, int k, int n, int nv,
                            float[] bp, int bBase, PackedMatrix half, float[] c, int cOff, int ldc, int cPanel, Epilogue e) {
        int nr = nv * L;
        int panels = (n + nr - 1) / nr;
        if (!onPool(pool, 2L * m * n * k)) {
            if (half != null) {
                blockHalf(a, aOff, lda, 0, m, k, n, half, 0, panels, c, cOff, ldc, cPanel, e);
            } else {
                block(a, aOff, lda, 0, m, k, n, nv, bp, bBase, 0, panels, c, cOff, ldc, cPanel, e);
            }
            return;
        }
        // Dynamic split: units of (row block x panel group) are handed out from a shared counter, so a core
        // slowed down by other processes simply takes fewer units. Which thread computes a unit does not
        // change any element's summation chain.
        boolean allRows = (long) m * kBlockStep(k) * Float.BYTES <= A_ALL_ROWS_BYTES;
        int wanted = 2 * pool.threads();
        int pg = allRows ? allRowsPanelGroup(panels, wanted) : PANEL_GROUP;
        int unitRows = !allRows ? MC : panels >= wanted ? m : fewPanelsUnitRows(m, panels, wanted);
        int mBlocks = (m + unitRows - 1) / unitRows;
        int groups = (panels + pg - 1) / pg;
        pool.forEachIndex(mBlocks * groups, u -> {
            int rb = u / groups;
            int g = u - rb * groups;
            int m0 = rb * unitRows;
            int p0 = g * pg;
            if (half != null) {
                blockHalf(a, aOff, lda, m0, Math.min(m, m0 + unitRows), k, n, half, p0,
                        Math.min(panels, p0 + pg), c, cOff, ldc, cPanel, e);
            } else {
                block(a, aOff, lda, m0, Math.min(m, m0 + unitRows), k, n, nv, bp, bBase, p0,
                        Math.min(panels, p0 + pg), c, cOff, ldc, cPanel, e);
            }
        });
    }

    /** Panels of a unit that takes every row: {@link #PANEL_GROUP}, halved until there are {@code wanted} units. */
    private static int allRowsPanelGroup(int panels, int wanted) {
        int group = PANEL_GROUP;
        while (group > 1 && (panels + group - 1) / group < wanted) {
            group /= 2;
        }
        return group;
    }

    /**
     * Rows of a unit when there are too few panels for {@code wanted} units of every row (the router's 16
     * columns are one panel): the rows are split too, into blocks of at least MC rows. Base's routing at batch
     * 1: 1.0-1.2 ms a call, against 3.7-4.4 with one unit (on one thread while the other waited) and 3.0-4.3
     * with the earlier 96-row units.
     */
    private static int fewPanelsUnitRows(int m, int panels, int wanted) {
        int rowBlocks = Math.min((wanted + panels - 1) / panels, (m + MC - 1) / MC);
        return (m + rowBlocks - 1) / rowBlocks;
    }

    /**
     * Where panel p's columns of C begin, less their column offset {@code p * nr} that {@link #panelTiles} adds:
     * C itself ({@code cPanel} 0, row-major) or its panel p ({@code cPanel} = floats a panel, C in panels).
     */
    private static int panelOffset(int cOff, int cPanel, int p, int nr) {
        return cPanel == 0 ? cOff : cOff + p * (cPanel - nr);
    }

    /** Whether a product of {@code flops} is split over the pool rather than run on the caller. */
    private static boolean onPool(ComputePool pool, long flops) {
        return pool.threads() > 1 && flops >= PARALLEL_MIN_FLOPS;
    }

    /** Depth of the K blocks: K cut evenly into blocks of at most {@link #KC} (K <= KC is one block). */
    static int kBlockStep(int k) {
        int kBlocks = (k + KC - 1) / KC;
        return (k + kBlocks - 1) / kBlocks;
    }

    /** Rows [m0, m1) x panels [p0, p1) of C, all K. */
    static void block(float[] a, int aOff, int lda, int m0, int m1, int k, int n, int nv, float[] bp, int bBase,
                      int p0, int p1, float[] c, int cOff, int ldc, int cPanel, Epilogue e) {
        int nr = nv * L;
        int kcStep = kBlockStep(k);
        // Up to A_BLOCK_BYTES of A, one row block: each panel of B is then read once for all the rows
        // (an expert's 256 tokens at batch 8 streams its weights once instead of three times).
        int mc = (long) (m1 - m0) * kcStep * Float.BYTES <= A_BLOCK_BYTES ? Math.max(1, m1 - m0) : MC;
        for (int pc = 0; pc < k; pc += kcStep) {
            int kc = Math.min(kcStep, k - pc);
            for (int ic = m0; ic < m1; ic += mc) {
                int rows = Math.min(mc, m1 - ic);
                for (int p = p0; p < p1; p++) {
                    panelTiles(a, aOff, lda, ic, rows, pc, kc, k, n, nv, p, bp, bBase + (p * k + pc) * nr, c,
                            panelOffset(cOff, cPanel, p, nr), ldc, e);
                }
            }
        }
    }

    /**
     * As {@link #block} for a 16-bit B. Loops, outside in: K blocks, panels, row blocks: each (K block x
     * panel) of B is widened once into a per-thread float buffer ({@code kc x nr} floats, at most 128 KB)
     * and then serves every row of [m0, m1) (at most {@link #MC} rows in a parallel unit), so the widening
     * costs about 1 / rows of the multiply-adds. The same micro-kernels then run on the same float values
     * in the same order as for an F32 matrix of the widened values: the result is bit-identical to it.
     */
    static void blockHalf(float[] a, int aOff, int lda, int m0, int m1, int k, int n, PackedMatrix b,
                          int p0, int p1, float[] c, int cOff, int ldc, int cPanel, Epilogue e) {
        int nv = b.panelVectors;
        int nr = nv * L;
        int kcStep = kBlockStep(k);
        float[] widened = WIDENED.get();
        int wBase = PackedMatrix.BASE;
        if (widened.length < wBase + kcStep * nr) {
            widened = new float[wBase + kcStep * nr];
            WIDENED.set(widened);
        }
        for (int pc = 0; pc < k; pc += kcStep) {
            int kc = Math.min(kcStep, k - pc);
            for (int p = p0; p < p1; p++) {
                b.widen((p * k + pc) * nr, widened, wBase, kc * nr);
                for (int ic = m0; ic < m1; ic += MC) {
                    int rows = Math.min(MC, m1 - ic);
                    panelTiles(a, aOff, lda, ic, rows, pc, kc, k, n, nv, p, widened, wBase, c,
                            panelOffset(cOff, cPanel, p, nr), ldc, e);
                }
            }
        }
    }

    /**
     * Rows [ic, ic + rows) (at most MC) x panel p of C over the K block [pc, pc + kc), B's block read from
     * {@code bp[bOff + kk * nr + j]}; the epilogue runs on each tile after the last K block.
     */
    private static void panelTiles(float[] a, int aOff, int lda, int ic, int rows, int pc, int kc, int k, int n,
                                   int nv, int p, float[] bp, int bOff, float[] c, int cOff, int ldc,
                                   Epilogue e) {
        int nr = nv * L;
        int mrMax = MicroKernels.maxRows(nv);
        boolean accumulate = pc > 0;
        boolean last = pc + kc == k;
        int tiles = (rows + mrMax - 1) / mrMax;
        int j0 = p * nr;
        int width = Math.min(nr, n - j0);
        // One-vector panels (the router's 16 columns) take only 12-row tiles, the last one on padded rows:
        // balanced heights of 7 to 11 rows ran kernels that only a block's remainder uses, too rarely for C2
        // to compile them (Base at batch 8: k10x1 never, k11x1 after 13 s; the router product took 1.2 ms).
        boolean fullTiles = nv == 1;
        int i = ic;
        for (int t = 0; i < ic + rows; t++) {
            int mr = fullTiles ? Math.min(mrMax, ic + rows - i) : rows / tiles + (t < rows % tiles ? 1 : 0);
            int aRow = aOff + i * lda + pc;
            int cRow = cOff + i * ldc + j0;
            boolean padTile = fullTiles && mr < mrMax;
            if (!padTile && width == nr) {
                MicroKernels.kernel(mr, nv, a, aRow, lda, bp, bOff, kc, c, cRow, ldc, accumulate);
            } else {
                // Through a per-thread tile of C: a last partial panel, or a tile run by the full-height kernel
                // on its rows padded with zero rows. Rows do not mix: the real rows get their own chains.
                float[][] tail = TAIL.get();
                float[] ta = a;
                int taRow = aRow;
                int tlda = lda;
                int kernelRows = mr;
                if (padTile) {
                    ta = paddedRows(tail, a, aRow, lda, mr, mrMax, kc);
                    taRow = 0;
                    tlda = kc;
                    kernelRows = mrMax;
                }
                float[] tile = atLeast(tail, 1, mrMax * nr);
                if (accumulate) {
                    for (int r = 0; r < mr; r++) {
                        System.arraycopy(c, cRow + r * ldc, tile, r * nr, width);
                    }
                }
                MicroKernels.kernel(kernelRows, nv, ta, taRow, tlda, bp, bOff, kc, tile, 0, nr, accumulate);
                for (int r = 0; r < mr; r++) {
                    System.arraycopy(tile, r * nr, c, cRow + r * ldc, width);
                }
            }
            if (last) {
                epilogueTile(e, c, cOff, ldc, i, mr, j0, width);
            }
            i += mr;
        }
    }

    /**
     * Applies the epilogue to rows [row0, row0 + rows) x cols [col0, col0 + cols) of C.
     * <p>
     * A GELU epilogue runs on the array, through {@code VectorMath.gelu}, which adds the bias first; the
     * residual comes after it (the same float operations in the same order as {@link GemmScalar#epilogue}).
     * A GELU method called on each vector from the loop here was left a call by C2 in 4 of 16 processes,
     * boxing every vector (see {@code VectorMath.exp}).
     */
    static void epilogueTile(Epilogue e, float[] c, int cOff, int ldc, int row0, int rows, int col0, int cols) {
        if (e.isNone()) {
            return;
        }
        if (e.gelu()) {
            VectorMath.gelu(c, cOff + row0 * ldc + col0, ldc, rows, cols, e.bias(), col0);
        }
        for (int r = row0; r < row0 + rows; r++) {
            int at = cOff + r * ldc + col0;
            if (e.bias() != null && !e.gelu()) {
                VectorMath.add(c, at, e.bias(), col0, c, at, cols);
            }
            if (e.residual() != null) {
                VectorMath.add(c, at, e.residual(), e.residualOffset() + r * e.residualStride() + col0, c, at, cols);
            }
        }
    }

    private static void checkEpilogue(Epilogue e, int m, int n) {
        if (e == null) {
            throw new IllegalArgumentException("epilogue must not be null (use Epilogue.none())");
        }
        if (e.bias() != null && e.bias().length < n) {
            throw new IllegalArgumentException("bias of length " + e.bias().length + " for " + n + " columns");
        }
        if (e.residual() != null && m > 0) {
            checkRows("residual", e.residual(), e.residualOffset(), e.residualStride(), m, n);
        }
    }

    private static void checkRows(String name, float[] array, int offset, int stride, int rows, int cols) {
        if (rows == 0) {
            return;
        }
        long last = offset + (long) (rows - 1) * stride + cols;
        if (offset < 0 || stride < cols || last > array.length) {
            throw new IllegalArgumentException(name + ": " + rows + "x" + cols + " rows with stride " + stride
                    + " at offset " + offset + " overrun an array of " + array.length);
        }
    }
}
