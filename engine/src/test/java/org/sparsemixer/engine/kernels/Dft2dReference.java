package org.sparsemixer.engine.kernels;

/**
 * Scalar double-precision twin of {@link Fft2d}: the 2-D DFT by direct summation (no FFT), done separably
 * (a direct DFT along every row, then along every column, O(S H (S + H))) so it stays usable at 512 x 512.
 * Angles are reduced exactly, {@code 2 pi ((k n) mod N) / N}, before {@code Math.cos / Math.sin}.
 */
public final class Dft2dReference {
    private Dft2dReference() {
    }

    /** Returns {re, im} of Y, each row-major [rows, cols]. */
    public static double[][] dft(float[] x, int off, int rows, int cols) {
        double[] cosH = table(cols, true), sinH = table(cols, false);
        double[] cosS = table(rows, true), sinS = table(rows, false);
        // along cols: R[i][k] = sum_j x[i][j] w_H^{jk}
        double[] rRe = new double[rows * cols], rIm = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                double sr = 0, si = 0;
                for (int j = 0; j < cols; j++) {
                    int q = (int) (((long) j * k) % cols);
                    double v = x[off + i * cols + j];
                    sr += v * cosH[q];
                    si -= v * sinH[q];
                }
                rRe[i * cols + k] = sr;
                rIm[i * cols + k] = si;
            }
        }
        double[] yRe = new double[rows * cols], yIm = new double[rows * cols];
        for (int n = 0; n < rows; n++) {
            for (int k = 0; k < cols; k++) {
                double sr = 0, si = 0;
                for (int i = 0; i < rows; i++) {
                    int q = (int) (((long) i * n) % rows);
                    double c = cosS[q], s = -sinS[q];
                    double ar = rRe[i * cols + k], ai = rIm[i * cols + k];
                    sr += ar * c - ai * s;
                    si += ar * s + ai * c;
                }
                yRe[n * cols + k] = sr;
                yIm[n * cols + k] = si;
            }
        }
        return new double[][] {yRe, yIm};
    }

    /** The literal quadruple sum, for cross-checking {@link #dft} on small shapes. */
    public static double[][] dftBruteForce(float[] x, int off, int rows, int cols) {
        double[] yRe = new double[rows * cols], yIm = new double[rows * cols];
        for (int n = 0; n < rows; n++) {
            for (int k = 0; k < cols; k++) {
                double sr = 0, si = 0;
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        double ang = -2.0 * Math.PI * ((double) (((long) n * i) % rows) / rows
                                + (double) (((long) k * j) % cols) / cols);
                        double v = x[off + i * cols + j];
                        sr += v * Math.cos(ang);
                        si += v * Math.sin(ang);
                    }
                }
                yRe[n * cols + k] = sr;
                yIm[n * cols + k] = si;
            }
        }
        return new double[][] {yRe, yIm};
    }

    public static double[] fourier(float[] x, int off, int rows, int cols) {
        return dft(x, off, rows, cols)[0];
    }

    public static double[] hartley(float[] x, int off, int rows, int cols) {
        double[][] y = dft(x, off, rows, cols);
        double[] h = new double[rows * cols];
        for (int i = 0; i < h.length; i++) {
            h[i] = y[0][i] - y[1][i];
        }
        return h;
    }

    private static double[] table(int n, boolean cos) {
        double[] t = new double[n];
        for (int q = 0; q < n; q++) {
            double ang = 2.0 * Math.PI * q / n;
            t[q] = cos ? Math.cos(ang) : Math.sin(ang);
        }
        return t;
    }
}
