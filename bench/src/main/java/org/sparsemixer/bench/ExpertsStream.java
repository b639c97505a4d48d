package org.sparsemixer.bench;

import java.util.Locale;
import java.util.SplittableRandom;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.PackedMatrix;

/**
 * Base's experts at batch 1 with their weights streaming from memory: E distinct expert FFNs
 * (512 x 2048 and 2048 x 512, 8 MB each, 384 MB for E = 48, far beyond L3) run over M tokens each, one or
 * two threads each taking every other expert, 96 expert calls per round. With E = 2 the weights stay in
 * L3, which separates the memory stall from the compute. Prints ms per expert call (per thread) and the
 * weight bytes streamed per second.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.sparsemixer.bench.ExpertsStream [M] [E]
 * </pre>
 */
public final class ExpertsStream {
    private static final int H = 512;
    private static final int F = 2048;
    private static final int CALLS = 96;

    private ExpertsStream() {
    }

    public static void main(String[] args) throws InterruptedException {
        int m = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int experts = args.length > 1 ? Integer.parseInt(args[1]) : 48;
        SplittableRandom random = new SplittableRandom(1);
        PackedMatrix[] intermediate = new PackedMatrix[experts];
        PackedMatrix[] output = new PackedMatrix[experts];
        for (int e = 0; e < experts; e++) {
            intermediate[e] = PackedMatrix.pack(gaussian(random, H * F), H, F);
            output[e] = PackedMatrix.pack(gaussian(random, F * H), F, H);
        }
        float[] bias1 = new float[F];
        float[] bias2 = new float[H];
        for (int threads = 1; threads <= 2; threads++) {
            float[][] x = new float[threads][];
            float[][] inner = new float[threads][m * F];
            float[][] out = new float[threads][m * H];
            for (int t = 0; t < threads; t++) {
                x[t] = gaussian(random, m * H);
            }
            for (int round = 0; round < 8; round++) {
                int count = threads;
                Thread[] workers = new Thread[threads];
                long start = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    workers[t] = new Thread(() -> {
                        for (int call = id; call < CALLS; call += count) {
                            int e = call % experts;
                            Gemm.multiply(x[id], 0, H, m, intermediate[e], inner[id], 0, F, Epilogue.biasGelu(bias1));
                            Gemm.multiply(inner[id], 0, F, m, output[e], out[id], 0, H, Epilogue.bias(bias2));
                        }
                    });
                    workers[t].start();
                }
                for (Thread w : workers) {
                    w.join();
                }
                long nanos = System.nanoTime() - start;
                if (round >= 4) {
                    System.out.printf(Locale.ROOT, "threads %d M %d E %d: %.3f ms per expert call per thread, %.1f GFLOP/s,"
                                    + " %.1f GB/s of weights%n", threads, m, experts, nanos / 1e6 / CALLS * threads,
                            4.0 * m * H * F * CALLS / nanos, CALLS * 8.0 * H * F / nanos);
                }
            }
        }
    }

    private static float[] gaussian(SplittableRandom random, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) (random.nextDouble() * 0.04 - 0.02);
        }
        return v;
    }
}
