package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Real-input 2-D DFT over a row-major {@code [rows, cols]} matrix (rows = sequence S, cols = hidden H):
 * {@code Y[n,k] = sum_i sum_j x[i,j] exp(-2 pi i (n i / S + k j / H))}. Fourier mixing writes {@code Re Y},
 * Hartley mixing writes {@code Re Y - Im Y}.
 *
 * <p>Algorithm (all batched 1-D transforms come from {@link ComplexFft}, vectorized over the batch):
 * <ol>
 *   <li>Columns first (along S): x is real, so columns {@code j} and {@code j + B} ({@code B = ceil(H/2)}) are
 *       packed as one complex column {@code x[:,j] + i x[:,j+B]}; one batched length-S FFT over B columns
 *       (contiguous in row-major order, so no transpose).</li>
 *   <li>Unpack with {@code A_j[n] = (Z[n] + conj Z[-n]) / 2}, {@code A_{j+B}[n] = (Z[n] - conj Z[-n]) / 2i}, only
 *       for {@code n = 0..S/2} (Hermitian symmetry of the full 2-D transform), transposed to {@code [H, S/2+1]}.</li>
 *   <li>Batched length-H FFT along the rows of that half-spectrum (batch S/2+1).</li>
 *   <li>Write out: rows {@code n <= S/2} directly; rows {@code S-n} from
 *       {@code Y[S-n, k] = conj Y[n, (H-k) mod H]}.</li>
 * </ol>
 * Storage and arithmetic are float; twiddles are computed in double from exactly reduced angles. Immutable and
 * thread-safe after construction; every call works only in the caller's scratch (no allocation).
 */
public final class Fft2d {
    private static final VectorSpecies<Float> SPECIES = ComplexFft.SPECIES;
    private static final int LANES = SPECIES.length();
    /** Unpack transpose tile width (columns); small so the strided writes stay in L1. */
    private static final int TILE = 8;
    /** Output pass tile: NT half-spectrum rows x KT columns, so the gathered lines of U are reused from L1. */
    private static final int NT = 16, KT = 128;

    private final int rows, cols;
    /** Packed column batch B = ceil(cols / 2); half-spectrum rows Sh = rows / 2 + 1. */
    private final int packed, half;
    private final ComplexFft colFft, rowFft;
    /** Scratch layout: T (re, im: cols * half each) at 0, then A (re, im: rows * packed each), then FFT scratch. */
    private final int tSize, aOff, aSize, fftOff, scratch;
    /** Gather index maps {@code l * Sh} and {@code -l * Sh}, l < LANES. */
    private final int[] gatherUp, gatherDown;

    public Fft2d(int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("Fft2d needs positive sizes, got " + rows + " x " + cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.packed = (cols + 1) / 2;
        this.half = rows / 2 + 1;
        this.colFft = new ComplexFft(rows);
        this.rowFft = new ComplexFft(cols);
        this.tSize = 2 * cols * half;
        this.aOff = tSize;
        this.aSize = 2 * rows * packed;
        this.fftOff = aOff + aSize;
        long total = (long) fftOff + Math.max(colFft.scratchSize(packed), rowFft.scratchSize(half));
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("Fft2d too large: " + rows + " x " + cols);
        }
        this.scratch = (int) total;
        this.gatherUp = new int[LANES];
        this.gatherDown = new int[LANES];
        for (int l = 0; l < LANES; l++) {
            gatherUp[l] = l * half;
            gatherDown[l] = -l * half;
        }
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Floats of scratch one call needs. */
    public int scratchSize() {
        return scratch;
    }

    /** {@code out = Re Y}, row-major {@code [rows, cols]}. {@code out} must not overlap {@code x}. */
    public void fourier(float[] x, int xOffset, float[] out, int outOffset, float[] scratch) {
        run(x, xOffset, out, outOffset, scratch, false);
    }

    /** {@code out = Re Y - Im Y}, row-major {@code [rows, cols]}. {@code out} must not overlap {@code x}. */
    public void hartley(float[] x, int xOffset, float[] out, int outOffset, float[] scratch) {
        run(x, xOffset, out, outOffset, scratch, true);
    }

    private void run(float[] x, int xOff, float[] out, int outOff, float[] sc, boolean hartley) {
        if (sc.length < scratch) {
            throw new IllegalArgumentException("scratch too small: " + sc.length + " < " + scratch);
        }
        final int S = rows, H = cols, B = packed, Sh = half;
        final int aRe = aOff, aIm = aOff + rows * packed;
        final int tRe = 0, tIm = cols * half;

        // 1. pack columns j and j + B into one complex column, rows stay contiguous
        for (int i = 0; i < S; i++) {
            int src = xOff + i * H;
            System.arraycopy(x, src, sc, aRe + i * B, B);
            System.arraycopy(x, src + B, sc, aIm + i * B, H - B);
            if (H - B < B) {
                sc[aIm + i * B + B - 1] = 0f;
            }
        }
        colFft.transform(sc, aRe, sc, aIm, B, sc, fftOff);

        // 2. unpack the two real columns' spectra for n = 0..S/2, transposed into T[j][n]
        final int both = H - B; // columns b < both have a partner b + B; an odd H leaves one unpaired column
        for (int b0 = 0; b0 < B; b0 += TILE) {
            int b1 = Math.min(B, b0 + TILE);
            int p1 = Math.min(both, b1);
            for (int n = 0; n < Sh; n++) {
                int nn = n == 0 ? 0 : S - n;
                int zo = n * B, wo = nn * B;
                int t = b0 * Sh + n, t2 = (b0 + B) * Sh + n;
                int b = b0;
                for (; b < p1; b++, t += Sh, t2 += Sh) {
                    float zr = sc[aRe + zo + b], zi = sc[aIm + zo + b];
                    float wr = sc[aRe + wo + b], wi = sc[aIm + wo + b];
                    sc[tRe + t] = 0.5f * (zr + wr);
                    sc[tIm + t] = 0.5f * (zi - wi);
                    sc[tRe + t2] = 0.5f * (zi + wi);
                    sc[tIm + t2] = 0.5f * (wr - zr);
                }
                for (; b < b1; b++, t += Sh) {
                    sc[tRe + t] = 0.5f * (sc[aRe + zo + b] + sc[aRe + wo + b]);
                    sc[tIm + t] = 0.5f * (sc[aIm + zo + b] - sc[aIm + wo + b]);
                }
            }
        }

        // 3. FFT along H for each of the Sh half-spectrum rows (batch contiguous)
        rowFft.transform(sc, tRe, sc, tIm, Sh, sc, fftOff);

        // 4. U[k][n] = Y[n][k] for n <= S/2; rows S-n from Y[S-n][k] = conj(U[(H-k) mod H][n]).
        //    Output rows are written contiguously, U is read with stride-Sh gathers (ascending for row n,
        //    descending for the mirrored row S-n).
        final int[] up = gatherUp, down = gatherDown;
        for (int n0 = 0; n0 < Sh; n0 += NT) {
            int n1 = Math.min(Sh, n0 + NT);
            for (int k0 = 0; k0 < H; k0 += KT) {
                int k1 = Math.min(H, k0 + KT);
                for (int n = n0; n < n1; n++) {
                    int o = outOff + n * H;
                    int k = k0;
                    for (; k + LANES <= k1; k += LANES) {
                        int u = k * Sh + n;
                        var re = FloatVector.fromArray(SPECIES, sc, tRe + u, up, 0);
                        if (hartley) {
                            re = re.sub(FloatVector.fromArray(SPECIES, sc, tIm + u, up, 0));
                        }
                        re.intoArray(out, o + k);
                    }
                    for (int u = k * Sh + n; k < k1; k++, u += Sh) {
                        out[o + k] = hartley ? sc[tRe + u] - sc[tIm + u] : sc[tRe + u];
                    }
                    if (n == 0 || S - n < Sh) {
                        continue;
                    }
                    int om = outOff + (S - n) * H;
                    k = k0;
                    if (k == 0) {
                        out[om] = hartley ? sc[tRe + n] + sc[tIm + n] : sc[tRe + n];
                        k = 1;
                    }
                    for (; k + LANES <= k1; k += LANES) {
                        int u = (H - k) * Sh + n;
                        var re = FloatVector.fromArray(SPECIES, sc, tRe + u, down, 0);
                        if (hartley) {
                            re = re.add(FloatVector.fromArray(SPECIES, sc, tIm + u, down, 0));
                        }
                        re.intoArray(out, om + k);
                    }
                    for (int u = (H - k) * Sh + n; k < k1; k++, u -= Sh) {
                        out[om + k] = hartley ? sc[tRe + u] + sc[tIm + u] : sc[tRe + u];
                    }
                }
            }
        }
    }
}
