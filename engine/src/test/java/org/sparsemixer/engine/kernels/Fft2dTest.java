package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class Fft2dTest {
    private static final int[] SIZES = {1, 2, 3, 5, 7, 15, 16, 17, 31, 33, 64, 100, 127, 128};
    /**
     * Bound on max |fft - ref| / max |ref| (random inputs in [-1, 1], float storage and arithmetic).
     * Measured worst case over all shapes below is ~3.5e-7 (512x512: ~1.9e-7); the bound leaves headroom
     * and is still far below the 1e-4 requirement.
     */
    private static final double TOL = 5e-6;

    static float[] random(SplittableRandom rnd, int n, int pad) {
        float[] x = new float[n + 2 * pad];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** max |got - want| / max |want| over the matrix; want must not be all zero. */
    static double relErr(float[] got, int off, double[] want) {
        double maxRef = 0, maxErr = 0;
        for (int i = 0; i < want.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(want[i]));
            maxErr = Math.max(maxErr, Math.abs(got[off + i] - want[i]));
        }
        assertTrue(maxRef > 0, "reference is identically zero");
        return maxErr / maxRef;
    }

    /** Runs both modes with offsets and a dirty (NaN-filled) scratch and output; returns {fourierErr, hartleyErr}. */
    static double[] check(int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int pad = 3;
        float[] x = random(rnd, rows * cols, pad);
        float[] xCopy = x.clone();
        Fft2d fft = new Fft2d(rows, cols);
        float[] scratch = new float[fft.scratchSize()];
        Arrays.fill(scratch, Float.NaN);
        float[] out = new float[rows * cols + 2 * pad + 1];
        Arrays.fill(out, Float.NaN);
        double[][] y = Dft2dReference.dft(x, pad, rows, cols);
        double[] h = new double[rows * cols];
        for (int i = 0; i < h.length; i++) {
            h[i] = y[0][i] - y[1][i];
        }
        fft.fourier(x, pad, out, pad + 1, scratch);
        double ef = relErr(out, pad + 1, y[0]);
        assertTrue(Float.isNaN(out[pad]) && Float.isNaN(out[pad + 1 + rows * cols]), "wrote outside [rows, cols]");
        Arrays.fill(scratch, Float.NaN);
        fft.hartley(x, pad, out, pad + 1, scratch);
        double eh = relErr(out, pad + 1, h);
        assertArrayEquals(xCopy, x, "input modified");
        return new double[] {ef, eh};
    }

    @Test
    void allAwkwardShapePairsMatchDoubleReference() {
        double worst = 0;
        String worstShape = "";
        for (int r : SIZES) {
            for (int c : SIZES) {
                double[] e = check(r, c, 1000L * r + c);
                String msg = r + "x" + c + " fourier=" + e[0] + " hartley=" + e[1];
                assertTrue(e[0] <= TOL && e[1] <= TOL, msg);
                double m = Math.max(e[0], e[1]);
                if (m > worst) {
                    worst = m;
                    worstShape = msg;
                }
            }
        }
        System.out.println("Fft2dTest worst over small shapes: " + worstShape);
    }

    @Test
    void largeShapes() {
        for (int[] s : new int[][] {{512, 512}, {513, 96}}) {
            double[] e = check(s[0], s[1], 7 * s[0] + s[1]);
            String msg = s[0] + "x" + s[1] + " fourier=" + e[0] + " hartley=" + e[1];
            System.out.println("Fft2dTest " + msg);
            assertTrue(e[0] <= TOL && e[1] <= TOL, msg);
        }
    }

    @Test
    void referenceMatchesBruteForceQuadrupleSum() {
        for (int[] s : new int[][] {{1, 1}, {3, 5}, {4, 7}, {6, 6}, {17, 2}}) {
            float[] x = random(new SplittableRandom(s[0] * 31 + s[1]), s[0] * s[1], 0);
            double[][] a = Dft2dReference.dft(x, 0, s[0], s[1]);
            double[][] b = Dft2dReference.dftBruteForce(x, 0, s[0], s[1]);
            for (int i = 0; i < a[0].length; i++) {
                assertEquals(b[0][i], a[0][i], 1e-9);
                assertEquals(b[1][i], a[1][i], 1e-9);
            }
        }
    }

    @Test
    void knownSmallValues() {
        // x = [[1, 2], [3, 4]]: Y = [[10, -2], [-4, 0]], all real, so fourier == hartley
        Fft2d fft = new Fft2d(2, 2);
        float[] out = new float[4];
        fft.fourier(new float[] {1, 2, 3, 4}, 0, out, 0, new float[fft.scratchSize()]);
        assertArrayEquals(new float[] {10, -2, -4, 0}, out, 1e-6f);
        // a single impulse at (0, 1) in 1 x 4: Y[0,k] = exp(-i pi k / 2) = 1, -i, -1, i
        fft = new Fft2d(1, 4);
        fft.fourier(new float[] {0, 1, 0, 0}, 0, out, 0, new float[fft.scratchSize()]);
        assertArrayEquals(new float[] {1, 0, -1, 0}, out, 1e-6f);
        fft.hartley(new float[] {0, 1, 0, 0}, 0, out, 0, new float[fft.scratchSize()]);
        assertArrayEquals(new float[] {1, 1, -1, -1}, out, 1e-6f);
    }

    @Test
    void errorMetricDetectsAWrongTransform() {
        // negative control: the Hartley output must not pass as the Fourier output, nor a transposed-size transform
        int rows = 17, cols = 12;
        float[] x = random(new SplittableRandom(5), rows * cols, 0);
        Fft2d fft = new Fft2d(rows, cols);
        float[] out = new float[rows * cols];
        fft.hartley(x, 0, out, 0, new float[fft.scratchSize()]);
        assertTrue(relErr(out, 0, Dft2dReference.fourier(x, 0, rows, cols)) > 0.1);
        float[] one = x.clone();
        one[5] += 1e-2f;
        fft.fourier(one, 0, out, 0, new float[fft.scratchSize()]);
        assertTrue(relErr(out, 0, Dft2dReference.fourier(x, 0, rows, cols)) > TOL);
    }

    @Test
    void inPlaceMatchesOutOfPlace() {
        for (int[] s : new int[][] {{16, 16}, {17, 33}, {127, 100}}) {
            float[] x = random(new SplittableRandom(s[0] + s[1]), s[0] * s[1], 0);
            Fft2d fft = new Fft2d(s[0], s[1]);
            float[] sc = new float[fft.scratchSize()];
            float[] expected = new float[x.length];
            fft.hartley(x, 0, expected, 0, sc);
            float[] inPlace = x.clone();
            fft.hartley(inPlace, 0, inPlace, 0, sc);
            assertArrayEquals(expected, inPlace);
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new Fft2d(0, 4));
        Fft2d fft = new Fft2d(8, 8);
        assertThrows(IllegalArgumentException.class,
                () -> fft.fourier(new float[64], 0, new float[64], 0, new float[fft.scratchSize() - 1]));
    }

    @Test
    void twoThreadsSharingOnePlanMatchSingleThreaded() throws Exception {
        int rows = 100, cols = 127;
        Fft2d fft = new Fft2d(rows, cols);
        int inputs = 8;
        float[][] xs = new float[inputs][];
        float[][] expected = new float[inputs][];
        float[] sc = new float[fft.scratchSize()];
        for (int i = 0; i < inputs; i++) {
            xs[i] = random(new SplittableRandom(77 + i), rows * cols, 0);
            expected[i] = new float[rows * cols];
            if (i % 2 == 0) {
                fft.fourier(xs[i], 0, expected[i], 0, sc);
            } else {
                fft.hartley(xs[i], 0, expected[i], 0, sc);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Boolean> job = () -> {
                float[] scratch = new float[fft.scratchSize()];
                float[] out = new float[rows * cols];
                for (int rep = 0; rep < 20; rep++) {
                    for (int i = 0; i < inputs; i++) {
                        if (i % 2 == 0) {
                            fft.fourier(xs[i], 0, out, 0, scratch);
                        } else {
                            fft.hartley(xs[i], 0, out, 0, scratch);
                        }
                        if (!Arrays.equals(out, expected[i])) {
                            return false;
                        }
                    }
                }
                return true;
            };
            Future<Boolean> a = pool.submit(job), b = pool.submit(job);
            assertTrue(a.get(), "thread A diverged");
            assertTrue(b.get(), "thread B diverged");
        } finally {
            pool.shutdownNow();
        }
    }
}
