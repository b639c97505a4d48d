package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one entry point for every dense product of the encoder.
 * <p>
 * Each output element is a sum over k in ascending order with fused multiply-adds, whatever the
 * vector width, tiling or thread split, so results are identical for any thread count. Rows of C
 * are split across the pool.
 */
public final class Gemm {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int MIN_ROWS_PER_TASK = 4;

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
        MatrixView bView = MatrixView.rowMajor(b.data, 0, k, n);
        pool.forRange(m, MIN_ROWS_PER_TASK, (from, to) -> {
            for (int i = from; i < to; i++) {
                rowTimesRowMajor(a, aOffset + i * lda, 1, k, bView, c, cOffset + i * ldc);
                applyEpilogue(epilogue, c, cOffset + i * ldc, n, i);
            }
        });
    }

    /** {@code C = A x B} for activations given as strided views; C must have unit column stride. */
    public static void multiply(ComputePool pool, MatrixView a, MatrixView b, MatrixView c) {
        if (a.cols() != b.rows() || a.rows() != c.rows() || b.cols() != c.cols()) {
            throw new IllegalArgumentException("shape mismatch: [" + a.rows() + ", " + a.cols() + "] x ["
                    + b.rows() + ", " + b.cols() + "] -> [" + c.rows() + ", " + c.cols() + "]");
        }
        if (c.colStride() != 1) {
            throw new IllegalArgumentException("C must have unit column stride");
        }
        pool.forRange(a.rows(), MIN_ROWS_PER_TASK, (from, to) -> multiplyRows(a, b, c, from, to));
    }

    /** Single-threaded form of {@link #multiply(ComputePool, MatrixView, MatrixView, MatrixView)}. */
    public static void multiply(MatrixView a, MatrixView b, MatrixView c) {
        multiply(SINGLE, a, b, c);
    }

    private static final ComputePool SINGLE = ComputePool.singleThreaded();

    private static void multiplyRows(MatrixView a, MatrixView b, MatrixView c, int from, int to) {
        int k = a.cols();
        int n = b.cols();
        for (int i = from; i < to; i++) {
            int cRow = c.offset() + i * c.rowStride();
            int aRow = a.offset() + i * a.rowStride();
            if (b.colStride() == 1) {
                rowTimesRowMajor(a.data(), aRow, a.colStride(), k, b, c.data(), cRow);
            } else {
                for (int j = 0; j < n; j++) {
                    c.data()[cRow + j] = dot(a.data(), aRow, a.colStride(), b.data(),
                            b.offset() + j * b.colStride(), b.rowStride(), k);
                }
            }
        }
    }

    /** c[0..n) = sum_k a[k] * B[k, :], B with unit column stride; k ascending, fused. */
    private static void rowTimesRowMajor(float[] a, int aRow, int aStride, int k, MatrixView b, float[] c, int cRow) {
        int n = b.cols();
        float[] bData = b.data();
        int bound = SPECIES.loopBound(n);
        java.util.Arrays.fill(c, cRow, cRow + n, 0f);
        for (int kk = 0; kk < k; kk++) {
            float aik = a[aRow + kk * aStride];
            int bRow = b.offset() + kk * b.rowStride();
            FloatVector va = FloatVector.broadcast(SPECIES, aik);
            int j = 0;
            for (; j < bound; j += SPECIES.length()) {
                FloatVector vc = FloatVector.fromArray(SPECIES, c, cRow + j);
                va.fma(FloatVector.fromArray(SPECIES, bData, bRow + j), vc).intoArray(c, cRow + j);
            }
            for (; j < n; j++) {
                c[cRow + j] = Math.fma(aik, bData[bRow + j], c[cRow + j]);
            }
        }
    }

    /** sum_k x[k] * y[k], sequentially with fused multiply-adds. */
    private static float dot(float[] x, int xOff, int xStride, float[] y, int yOff, int yStride, int k) {
        float sum = 0f;
        for (int kk = 0; kk < k; kk++) {
            sum = Math.fma(x[xOff + kk * xStride], y[yOff + kk * yStride], sum);
        }
        return sum;
    }

    private static void applyEpilogue(Epilogue e, float[] c, int cRow, int n, int row) {
        if (e.isNone()) {
            return;
        }
        float[] bias = e.bias();
        float[] res = e.residual();
        int resRow = e.residualOffset() + row * e.residualStride();
        for (int j = 0; j < n; j++) {
            float v = c[cRow + j];
            if (bias != null) {
                v += bias[j];
            }
            if (e.gelu()) {
                v = Activations.gelu(v);
            }
            if (res != null) {
                v += res[resRow + j];
            }
            c[cRow + j] = v;
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
