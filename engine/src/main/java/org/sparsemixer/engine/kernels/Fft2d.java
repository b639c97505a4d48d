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
 *       for {@code n = 0..S/2} (Hermitian symmetry of the full 2-D transform), vectorized along j into a
 *       row-major half spectrum, then block-transposed (8 x 8 register transposes) to {@code [H, S/2+1]}.</li>
 *   <li>Batched length-H FFT along the rows of that half-spectrum (batch S/2+1).</li>
 *   <li>Write out by block transposes: rows {@code n <= S/2} directly; rows {@code S-n} from
 *       {@code Y[S-n, k] = conj Y[n, (H-k) mod H]} (a transpose with reversed strides).</li>
 * </ol>
 * Storage and arithmetic are float; twiddles are computed in double from exactly reduced angles. Immutable and
 * thread-safe after construction; every call works only in the caller's scratch (no allocation).
 */
public final class Fft2d {
    private static final VectorSpecies<Float> SPECIES = ComplexFft.SPECIES;
    private static final int LANES = SPECIES.length();

    private final int rows, cols;
    /** Packed column batch B = ceil(cols / 2); half-spectrum rows Sh = rows / 2 + 1. */
    private final int packed, half;
    private final ComplexFft colFft, rowFft;
    /**
     * Scratch layout: T (re, im planes of cols * half) at 0, then A (re, im planes of rows * packed), then a region
     * shared by the 1-D FFT scratch and the row-major half spectrum (re, im planes of half * cols).
     */
    private final int tSize, aOff, aSize, fftOff, scratch;

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
        long t = 2L * cols * half, a = 2L * rows * packed;
        long total = t + a + Math.max(2L * half * cols,
                Math.max((long) colFft.scratchSize(packed), (long) rowFft.scratchSize(half)));
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("Fft2d too large: " + rows + " x " + cols);
        }
        this.tSize = (int) t;
        this.aOff = tSize;
        this.aSize = (int) a;
        this.fftOff = aOff + aSize;
        this.scratch = (int) total;
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

    /**
     * {@code out = Re Y}, row-major {@code [rows, cols]}. {@code x} is fully read before {@code out} is written, so
     * {@code out} may be exactly {@code x} (same array and offset, in place); other partial overlaps are not allowed.
     * {@code scratch} needs {@link #scratchSize()} floats and must not overlap x or out.
     */
    public void fourier(float[] x, int xOffset, float[] out, int outOffset, float[] scratch) {
        run(x, xOffset, out, outOffset, scratch, false);
    }

    /** {@code out = Re Y - Im Y}; same contract as {@link #fourier}. */
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

        // 2. unpack the two real columns' spectra for n = 0..S/2 into the row-major half spectrum
        //    Hs[n][j] (re/im planes at hRe/hIm, vectorized along j), then block-transpose it into T[j][n]
        final int hRe = fftOff, hIm = fftOff + Sh * H;
        final int both = H - B; // columns b < both have a partner b + B; an odd H leaves one unpaired column
        final int vb = SPECIES.loopBound(both);
        for (int n = 0; n < Sh; n++) {
            int nn = n == 0 ? 0 : S - n;
            int zr0 = aRe + n * B, zi0 = aIm + n * B, wr0 = aRe + nn * B, wi0 = aIm + nn * B;
            int pr = hRe + n * H, pi = hIm + n * H;
            int b = 0;
            for (; b < vb; b += LANES) {
                var zr = FloatVector.fromArray(SPECIES, sc, zr0 + b);
                var zi = FloatVector.fromArray(SPECIES, sc, zi0 + b);
                var wr = FloatVector.fromArray(SPECIES, sc, wr0 + b);
                var wi = FloatVector.fromArray(SPECIES, sc, wi0 + b);
                zr.add(wr).mul(0.5f).intoArray(sc, pr + b);
                zi.sub(wi).mul(0.5f).intoArray(sc, pi + b);
                zi.add(wi).mul(0.5f).intoArray(sc, pr + B + b);
                wr.sub(zr).mul(0.5f).intoArray(sc, pi + B + b);
            }
            for (; b < both; b++) {
                float zr = sc[zr0 + b], zi = sc[zi0 + b], wr = sc[wr0 + b], wi = sc[wi0 + b];
                sc[pr + b] = 0.5f * (zr + wr);
                sc[pi + b] = 0.5f * (zi - wi);
                sc[pr + B + b] = 0.5f * (zi + wi);
                sc[pi + B + b] = 0.5f * (wr - zr);
            }
            for (; b < B; b++) {
                sc[pr + b] = 0.5f * (sc[zr0 + b] + sc[wr0 + b]);
                sc[pi + b] = 0.5f * (sc[zi0 + b] - sc[wi0 + b]);
            }
        }
        Transpose8.matrix(sc, hRe, H, sc, tRe, Sh, Sh, H);
        Transpose8.matrix(sc, hIm, H, sc, tIm, Sh, Sh, H);

        // 3. FFT along H for each of the Sh half-spectrum rows (batch contiguous): U[k][n] = Y[n][k], n <= S/2
        rowFft.transform(sc, tRe, sc, tIm, Sh, sc, fftOff);

        // 4. Rows n <= S/2 of the output are P = Re U (Hartley: Re U - Im U) transposed; rows S - n come from
        //    Y[S-n][k] = conj(U[(H-k) mod H][n]), i.e. M = Re U (Hartley: Re U + Im U) read with reversed k.
        int p = tRe, mOff = tRe;
        if (hartley) {
            final int len = H * Sh, vl = SPECIES.loopBound(len);
            int i = 0;
            for (; i < vl; i += LANES) {
                var re = FloatVector.fromArray(SPECIES, sc, tRe + i);
                var im = FloatVector.fromArray(SPECIES, sc, tIm + i);
                re.sub(im).intoArray(sc, tRe + i);
                re.add(im).intoArray(sc, tIm + i);
            }
            for (; i < len; i++) {
                float re = sc[tRe + i], im = sc[tIm + i];
                sc[tRe + i] = re - im;
                sc[tIm + i] = re + im;
            }
            mOff = tIm;
        }
        Transpose8.matrix(sc, p, Sh, out, outOff, H, H, Sh);
        final int nm = S - Sh; // mirrored rows S - n for n = 1..nm
        if (nm > 0) {
            for (int n = 1; n <= nm; n++) {
                out[outOff + (S - n) * H] = sc[mOff + n];
            }
            if (H > 1) {
                Transpose8.matrix(sc, mOff + (H - 1) * Sh + 1, -Sh, out, outOff + (S - 1) * H + 1, -H, H - 1, nm);
            }
        }
    }
}
