package org.sparsemixer.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.PackedMatrix;
import org.sparsemixer.engine.kernels.VectorShapes;

/**
 * Side-by-side engine vs OpenBLAS SGEMM, interleaved round by round in one JVM so that the noise of a shared
 * machine hits both alike. Prints median GFLOP/s and the ratio per shape and thread count.
 * <p>
 * Usage: {@code java --add-modules jdk.incubator.vector -XX:ObjectAlignmentInBytes=64 -cp bench/target/benchmarks.jar
 * [-Dthreads=1,2] [-Dquiet=1000] org.sparsemixer.bench.GemmCompare [rounds] [MxKxN ...]}
 */
public final class GemmCompare {
    /**
     * Pause before each engine round (2+ threads), {@code -Dquiet=MILLIS}. OpenBLAS's worker threads keep
     * spinning for a while after a call (its thread timeout); on 2 cores they took one from the engine's 2
     * threads in the round that followed, which halved the engine's 2-thread figures (4096x512x2048: 140-209
     * GFLOP/s with no pause, 220 after 300 ms, 282 after 1 s; 287 with {@code OPENBLAS_THREAD_TIMEOUT=4},
     * which makes OpenBLAS itself slower). The engine's idle workers poll for 100 us only.
     */
    static final long OPENBLAS_QUIET_MILLIS = Long.getLong("quiet", 1000);
    static final String[] DEFAULT_SHAPES = {"512x512x512", "512x512x2048", "512x2048x512", "32x512x2048", "512x512x16"};

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        String[] shapes = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length) : DEFAULT_SHAPES;
        OpenBlas.threads(1);
        System.out.println("engine: " + VectorShapes.describe() + "; openblas: " + OpenBlas.describe());
        System.out.printf("%-14s %3s %10s %10s %7s%n", "MxKxN", "thr", "engine", "openblas", "ratio");
        for (String t : System.getProperty("threads", "1,2").split(",")) {
            int threads = Integer.parseInt(t.trim());
            try (ComputePool pool = new ComputePool(threads)) {
                OpenBlas.threads(threads);
                for (String shape : shapes) {
                    String[] p = shape.split("x");
                    run(pool, threads, Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), rounds);
                }
            }
        }
    }

    static void run(ComputePool pool, int threads, int m, int k, int n, int rounds) {
        SplittableRandom r = new SplittableRandom(1);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (r.nextDouble() - 0.5);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (r.nextDouble() - 0.5);
        }
        PackedMatrix packed = PackedMatrix.pack(b, k, n);
        float[] c = new float[m * n];
        double flops = 2.0 * m * k * n;
        // Enough repetitions per sample for ~20 ms.
        int reps = (int) Math.max(1, Math.min(10_000, 2e9 / flops));
        double[] eng = new double[rounds];
        double[] obl = new double[rounds];
        try (OpenBlas blas = new OpenBlas(a, b, m, k, n)) {
            for (int w = 0; w < 3; w++) {
                for (int i = 0; i < reps; i++) {
                    Gemm.multiply(pool, a, 0, k, m, packed, c, 0, n, Epilogue.none());
                    blas.sgemm();
                }
            }
            for (int i = 0; i < m * n; i += 97) {
                if (Math.abs(c[i] - blas.c(i)) > 1e-3f * (1 + Math.abs(c[i]))) {
                    throw new IllegalStateException("engine and OpenBLAS disagree at " + i + ": " + c[i] + " vs " + blas.c(i));
                }
            }
            long engCpu = 0;
            long oblCpu = 0;
            long engWall = 0;
            long oblWall = 0;
            for (int round = 0; round < rounds; round++) {
                quiet(threads);
                long c0 = cpu();
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    Gemm.multiply(pool, a, 0, k, m, packed, c, 0, n, Epilogue.none());
                }
                long t1 = System.nanoTime();
                long c1 = cpu();
                for (int i = 0; i < reps; i++) {
                    blas.sgemm();
                }
                long t2 = System.nanoTime();
                long c2 = cpu();
                eng[round] = flops * reps / (t1 - t0);
                obl[round] = flops * reps / (t2 - t1);
                engCpu += c1 - c0;
                oblCpu += c2 - c1;
                engWall += t1 - t0;
                oblWall += t2 - t1;
            }
            cpuNote = String.format("  (cpu/wall engine %.2f, openblas %.2f)", (double) engCpu / engWall,
                    (double) oblCpu / oblWall);
        }
        double e = median(eng);
        double o = median(obl);
        System.out.printf("%-14s %3d %10.1f %10.1f %7.3f%s%n", m + "x" + k + "x" + n, threads, e, o, e / o, cpuNote);
    }

    private static String cpuNote = "";

    /** Waits for OpenBLAS's threads to stop spinning, when there are any besides the caller. */
    private static void quiet(int threads) {
        if (threads > 1) {
            try {
                Thread.sleep(OPENBLAS_QUIET_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** CPU time of the whole process (all threads), to see whether threads really ran side by side. */
    static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
