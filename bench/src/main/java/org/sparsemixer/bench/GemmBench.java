package org.sparsemixer.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.GemmScalar;
import org.sparsemixer.engine.kernels.PackedMatrix;

/**
 * SGEMM C[M, N] = A[M, K] x B[K, N] (shape written MxKxN): the engine (B prepacked), OpenBLAS cblas_sgemm
 * with the same thread count, and (in {@link Scalar}) the engine's scalar twin. GFLOP/s = 2 M K N / time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:ObjectAlignmentInBytes=64"})
@State(Scope.Benchmark)
public class GemmBench {
    @Param({"512x512x512", "512x512x2048", "512x2048x512", "32x512x2048", "512x512x16"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    int m;
    int k;
    int n;
    float[] a;
    float[] b;
    float[] c;
    PackedMatrix packed;
    ComputePool pool;
    OpenBlas blas;

    static float[] random(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (r.nextDouble() - 0.5);
        }
        return x;
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = shape.split("x");
        m = Integer.parseInt(p[0]);
        k = Integer.parseInt(p[1]);
        n = Integer.parseInt(p[2]);
        a = random(1, m * k);
        b = random(2, k * n);
        c = new float[m * n];
        packed = PackedMatrix.pack(b, k, n);
        pool = new ComputePool(threads);
        OpenBlas.threads(threads);
        blas = new OpenBlas(a, b, m, k, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        blas.close();
    }

    @Benchmark
    public float[] engine() {
        Gemm.multiply(pool, a, 0, k, m, packed, c, 0, n, Epilogue.none());
        return c;
    }

    @Benchmark
    public Object openblas() {
        blas.sgemm();
        return blas;
    }

    /** The scalar twin (single-threaded, slow): fewer shapes. */
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 2)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:ObjectAlignmentInBytes=64"})
    @State(Scope.Benchmark)
    public static class Scalar {
        @Param({"512x512x512", "32x512x2048", "512x512x16"})
        public String shape;
        int m;
        int k;
        int n;
        float[] a;
        float[] b;
        float[] c;

        @Setup(Level.Trial)
        public void setUp() {
            String[] p = shape.split("x");
            m = Integer.parseInt(p[0]);
            k = Integer.parseInt(p[1]);
            n = Integer.parseInt(p[2]);
            a = random(1, m * k);
            b = random(2, k * n);
            c = new float[m * n];
        }

        @Benchmark
        public float[] scalarTwin() {
            GemmScalar.multiply(a, 0, k, m, k, b, 0, n, n, c, 0, n, Epilogue.none());
            return c;
        }
    }
}
