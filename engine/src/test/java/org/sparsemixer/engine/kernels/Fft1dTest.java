package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link ComplexFft} against a double direct DFT, every code path (radix 2/3/4/5, generic, Bluestein). */
class Fft1dTest {

    static double check(int n, int batch, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ComplexFft fft = new ComplexFft(n);
        int off = 5;
        float[] re = new float[off + n * batch], im = new float[off + n * batch + 2];
        for (int i = off; i < re.length; i++) {
            re[i] = (float) (rnd.nextDouble() * 2 - 1);
            im[i + 2] = (float) (rnd.nextDouble() * 2 - 1);
        }
        float[] re0 = re.clone(), im0 = im.clone();
        float[] sc = new float[fft.scratchSize(batch) + 3];
        Arrays.fill(sc, Float.NaN);
        fft.transform(re, off, im, off + 2, batch, sc, 3);
        double maxRef = 0, maxErr = 0;
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < n; k++) {
                double sr = 0, si = 0;
                for (int j = 0; j < n; j++) {
                    double ang = -2 * Math.PI * (((long) j * k) % n) / n;
                    double xr = re0[off + j * batch + b], xi = im0[off + 2 + j * batch + b];
                    sr += xr * Math.cos(ang) - xi * Math.sin(ang);
                    si += xr * Math.sin(ang) + xi * Math.cos(ang);
                }
                maxRef = Math.max(maxRef, Math.hypot(sr, si));
                maxErr = Math.max(maxErr, Math.abs(re[off + k * batch + b] - sr));
                maxErr = Math.max(maxErr, Math.abs(im[off + 2 + k * batch + b] - si));
            }
        }
        return maxErr / maxRef;
    }

    @Test
    void allLengthsUpTo70AndAwkwardOnes() {
        int[] extra = {81, 96, 97, 125, 127, 128, 143, 169, 211, 243, 256, 257, 500, 512, 513, 768, 1000, 1021, 1024};
        int[] batches = {1, 3, 16, 17, 40};
        double worst = 0;
        for (int n = 1; n <= 70 + extra.length; n++) {
            int len = n <= 70 ? n : extra[n - 71];
            int batch = batches[n % batches.length];
            double e = check(len, batch, len * 13L + batch);
            assertTrue(e < 5e-6, "n=" + len + " batch=" + batch + " err=" + e);
            worst = Math.max(worst, e);
        }
        System.out.println("Fft1dTest worst relative error " + worst);
    }

    @Test
    void pathSelection() {
        assertFalse(new ComplexFft(512).isBluestein());
        assertFalse(new ComplexFft(768).isBluestein());
        assertFalse(new ComplexFft(31).isBluestein());
        assertFalse(new ComplexFft(143).isBluestein());
        assertTrue(new ComplexFft(127).isBluestein());
        assertTrue(new ComplexFft(513).isBluestein());
        assertEquals(0, new ComplexFft(1).scratchSize(10));
        assertEquals("[4, 4, 4, 4, 2]", Arrays.toString(ComplexFft.factor(512)));
        assertEquals("[4, 2, 3, 5, 5]", Arrays.toString(ComplexFft.factor(600)));
    }
}
