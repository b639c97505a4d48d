package org.sparsemixer.engine.kernels;

import java.util.SplittableRandom;
import org.sparsemixer.engine.WeightPrecision;

/** Times the engine's packed SGEMM on seeded random data (for {@code bench gemm}). */
public final class GemmTiming {
    private GemmTiming() {
    }

    /**
     * GFLOP/s (2 m k n flops per product) of {@code C[m, n] = A[m, k] x B[k, n]} with B prepacked, on a
     * fixed pool of {@code threads}, averaged over {@code iterations} timed products after
     * {@code warmupIterations} untimed ones.
     */
    public static double gflops(int m, int k, int n, int threads, int warmupIterations, int iterations) {
        return gflops(m, k, n, threads, warmupIterations, iterations, WeightPrecision.F32);
    }

    /** As {@link #gflops(int, int, int, int, int, int)} with B stored in {@code precision}. */
    public static double gflops(int m, int k, int n, int threads, int warmupIterations, int iterations,
                                WeightPrecision precision) {
        if (m < 1 || k < 1 || n < 1 || threads < 1 || warmupIterations < 0 || iterations < 1) {
            throw new IllegalArgumentException("need m, k, n, threads, iterations >= 1 and warmup >= 0");
        }
        SplittableRandom random = new SplittableRandom(42);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (random.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (random.nextDouble() * 2 - 1);
        }
        PackedMatrix packed = PackedMatrix.pack(b, 0, k, n, precision);
        float[] c = new float[m * n];
        try (ComputePool pool = new ComputePool(threads)) {
            for (int i = 0; i < warmupIterations; i++) {
                Gemm.multiply(pool, a, 0, k, m, packed, c, 0, n, Epilogue.none());
            }
            long start = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                Gemm.multiply(pool, a, 0, k, m, packed, c, 0, n, Epilogue.none());
            }
            long elapsed = System.nanoTime() - start;
            return 2.0 * m * k * n * iterations / elapsed;
        }
    }
}
