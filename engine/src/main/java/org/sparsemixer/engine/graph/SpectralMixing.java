package org.sparsemixer.engine.graph;

import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Fft2d;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.MatrixView;
import org.sparsemixer.engine.kernels.PackedMatrix;

/**
 * Fourier ({@code Re Y}) or Hartley ({@code Re Y - Im Y}) mixing, Y the unnormalized 2-D DFT of each
 * example over (sequence, hidden). Ignores the mask, as TensorFlow's layer does.
 * <p>
 * DFT path: with C = cos and S = sin matrices (F = C - iS), {@code Re Y = Cs X Ch - Ss X Sh} and
 * {@code Re Y - Im Y = Cs X (Ch + Sh) + Ss X (Ch - Sh)}: both are {@code Cs (X R1) + Ss (X R2)}, two
 * weight GEMMs over all tokens and two sequence products per example. FFT path: {@link Fft2d}.
 */
final class SpectralMixing implements TokenMixer {
    private final MixingMechanism mechanism;
    private final int sequenceLength;
    private final int hidden;
    // DFT path
    private final float[] seqCos;
    private final float[] seqSin;
    private final PackedMatrix hiddenRight1;
    private final PackedMatrix hiddenRight2;
    // FFT path
    private final Fft2d fft;
    private final ThreadScratch fftScratch = new ThreadScratch();

    SpectralMixing(MixingMechanism mechanism, boolean useFft, int sequenceLength, int hidden) {
        if (mechanism == MixingMechanism.LINEAR) {
            throw new IllegalArgumentException("linear mixing is not spectral");
        }
        this.mechanism = mechanism;
        this.sequenceLength = sequenceLength;
        this.hidden = hidden;
        if (useFft) {
            fft = new Fft2d(sequenceLength, hidden);
            seqCos = seqSin = null;
            hiddenRight1 = hiddenRight2 = null;
        } else {
            fft = null;
            seqCos = dft(sequenceLength, true);
            seqSin = dft(sequenceLength, false);
            float[] ch = dft(hidden, true);
            float[] sh = dft(hidden, false);
            float[] r1 = new float[hidden * hidden];
            float[] r2 = new float[hidden * hidden];
            boolean hartley = mechanism == MixingMechanism.HARTLEY;
            for (int i = 0; i < r1.length; i++) {
                r1[i] = hartley ? ch[i] + sh[i] : ch[i];
                r2[i] = hartley ? ch[i] - sh[i] : -sh[i];
            }
            hiddenRight1 = PackedMatrix.pack(r1, hidden, hidden);
            hiddenRight2 = PackedMatrix.pack(r2, hidden, hidden);
        }
    }

    /** cos or sin of {@code 2 pi (j k mod n) / n}, reduced exactly before the double-precision trig. */
    static float[] dft(int n, boolean cosine) {
        float[] m = new float[n * n];
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < n; k++) {
                double angle = 2 * Math.PI * ((long) j * k % n) / n;
                m[j * n + k] = (float) (cosine ? StrictMath.cos(angle) : StrictMath.sin(angle));
            }
        }
        return m;
    }

    @Override
    public void mix(ComputePool pool, Workspace ws, float[] query, float[] keyValue, int[] mask, int batch, float[] out) {
        int s = sequenceLength;
        int block = s * hidden;
        if (fft != null) {
            pool.forRange(batch, 1, (from, to) -> {
                float[] scratch = fftScratch.get(fft.scratchSize());
                for (int b = from; b < to; b++) {
                    if (mechanism == MixingMechanism.FOURIER) {
                        fft.fourier(query, b * block, out, b * block, scratch);
                    } else {
                        fft.hartley(query, b * block, out, b * block, scratch);
                    }
                }
            });
            return;
        }
        float[] p = ws.get(Workspace.Buffer.PROJECTED, batch * block);
        float[] q = ws.get(Workspace.Buffer.SPECTRAL_SIN, batch * block);
        Gemm.multiply(pool, query, 0, hidden, batch * s, hiddenRight1, p, 0, hidden, Epilogue.none());
        Gemm.multiply(pool, query, 0, hidden, batch * s, hiddenRight2, q, 0, hidden, Epilogue.none());
        MatrixView cos = MatrixView.rowMajor(seqCos, 0, s, s);
        MatrixView sin = MatrixView.rowMajor(seqSin, 0, s, s);
        for (int b = 0; b < batch; b++) {
            int o = b * block;
            Gemm.multiply(pool, cos, MatrixView.rowMajor(p, o, s, hidden), MatrixView.rowMajor(out, o, s, hidden));
            // p[b] is no longer needed: reuse it for the sine product
            Gemm.multiply(pool, sin, MatrixView.rowMajor(q, o, s, hidden), MatrixView.rowMajor(p, o, s, hidden));
            for (int i = o; i < o + block; i++) {
                out[i] += p[i];
            }
        }
    }
}
