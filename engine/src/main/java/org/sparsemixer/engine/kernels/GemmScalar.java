package org.sparsemixer.engine.kernels;

/**
 * Scalar twin of {@link Gemm}: the same fused multiply-add chain per element (k ascending from 0f) and the
 * same float epilogue (GELU through {@link Activations#geluScalar}), so its results are bit-identical to the
 * vectorized kernels'. Slow; for tests and benchmarks.
 */
public final class GemmScalar {
    private GemmScalar() {
    }

    /** {@code C = epilogue(A x B)}, B the row-major [k, n] matrix {@code b[bOffset + kk * ldb + j]}. */
    public static void multiply(float[] a, int aOffset, int lda, int m, int k, float[] b, int bOffset, int ldb,
                                int n, float[] c, int cOffset, int ldc, Epilogue epilogue) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int kk = 0; kk < k; kk++) {
                    sum = Math.fma(a[aOffset + i * lda + kk], b[bOffset + kk * ldb + j], sum);
                }
                c[cOffset + i * ldc + j] = epilogue(epilogue, sum, i, j);
            }
        }
    }

    /** {@code C = A x B} on strided views. */
    public static void multiply(MatrixView a, MatrixView b, MatrixView c) {
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < b.cols(); j++) {
                float sum = 0f;
                for (int kk = 0; kk < a.cols(); kk++) {
                    sum = Math.fma(a.get(i, kk), b.get(kk, j), sum);
                }
                c.data()[c.offset() + i * c.rowStride() + j * c.colStride()] = sum;
            }
        }
    }

    /** The epilogue of one element (row, col), as the vector code does it. */
    static float epilogue(Epilogue e, float v, int row, int col) {
        if (e.bias() != null) {
            v += e.bias()[col];
        }
        if (e.gelu()) {
            v = VectorMath.geluScalar(v);
        }
        if (e.residual() != null) {
            v += e.residual()[e.residualOffset() + row * e.residualStride() + col];
        }
        return v;
    }
}
