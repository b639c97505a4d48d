package org.sparsemixer.bench;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_full;

/** Thin wrapper around OpenBLAS's cblas_sgemm on off-heap buffers (bench-only reference). */
final class OpenBlas implements AutoCloseable {
    final int m;
    final int k;
    final int n;
    final FloatPointer a;
    final FloatPointer b;
    final FloatPointer c;

    OpenBlas(float[] aData, float[] bData, int m, int k, int n) {
        this.m = m;
        this.k = k;
        this.n = n;
        a = new FloatPointer(aData);
        b = new FloatPointer(bData);
        c = new FloatPointer((long) m * n);
    }

    static void threads(int threads) {
        openblas_full.openblas_set_num_threads(threads);
    }

    static String describe() {
        return openblas_full.openblas_get_config().getString() + " core=" + openblas_full.openblas_get_corename().getString()
                + " threads=" + openblas_full.openblas_get_num_threads();
    }

    /** C = A x B, all row-major. */
    void sgemm() {
        openblas_full.cblas_sgemm(openblas_full.CblasRowMajor, openblas_full.CblasNoTrans, openblas_full.CblasNoTrans, m, n, k,
                1f, a, k, b, n, 0f, c, n);
    }

    float c(int i) {
        return c.get(i);
    }

    @Override
    public void close() {
        a.close();
        b.close();
        c.close();
    }
}
