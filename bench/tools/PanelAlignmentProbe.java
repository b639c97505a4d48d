package org.sparsemixer.engine.kernels;

import java.util.SplittableRandom;

/**
 * Probe for issue 13 that found the cost of misaligned panels: the dense micro-kernel ({@code MicroKernels.k6x4},
 * 6 rows x 4 vectors, K = 512) on one thread, over PANELS packed panels of B (128 KB each, cycled, so they come
 * from L2 as in the encoder) and ROWS rows of a C 2048 floats wide, with B's and C's first element placed
 * 0, 4, 8 or 12 floats past element 0 of their arrays. Run with {@code -XX:ObjectAlignmentInBytes=64}, element
 * 12 of a float[] is 64-byte aligned (16-byte array header) and the others are 16, 32 or 48 bytes off: every
 * 512-bit load of a misaligned panel then straddles two cache lines. Prints GFLOP/s per placement, per round.
 * <p>
 * It lives in the kernels' package to call the kernel directly, so it is compiled next to the engine's classes
 * (after {@code ./mvnw -q -pl engine -am package -DskipTests}):
 * <pre>
 * javac --add-modules jdk.incubator.vector -cp engine/target/classes -d /tmp/probe bench/tools/PanelAlignmentProbe.java
 * java --add-modules jdk.incubator.vector -XX:ObjectAlignmentInBytes=64 -cp /tmp/probe:engine/target/classes \
 *     org.sparsemixer.engine.kernels.PanelAlignmentProbe [PANELS] [ROWS]      (default 4 96)
 * </pre>
 */
public final class PanelAlignmentProbe {
    public static void main(String[] args) {
        int panels = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 96;
        int kc = 512;
        int nr = 4 * VectorShapes.LANES;
        int ldc = 2048;
        SplittableRandom random = new SplittableRandom(1);
        float[] a = new float[6 * kc + 64];
        float[] b = new float[panels * kc * nr + 64];
        float[] c = new float[rows * ldc + 64];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextGaussian();
        }
        int[][] placements = {{0, 0}, {12, 0}, {0, 12}, {12, 12}, {4, 4}, {8, 8}};
        for (int round = 0; round < 8; round++) {
            StringBuilder line = new StringBuilder("round " + round + ":");
            for (int[] at : placements) {
                long start = System.nanoTime();
                long flops = 0;
                for (int rep = 0; rep < 3; rep++) {
                    for (int row = 0; row + 6 <= rows; row += 6) {
                        for (int p = 0; p < panels; p++) {
                            MicroKernels.k6x4(a, 0, kc, b, at[0] + p * kc * nr, kc, c,
                                    at[1] + row * ldc + (p % (ldc / nr)) * nr, ldc, false);
                            flops += 2L * 6 * kc * nr;
                        }
                    }
                }
                line.append(String.format("  B+%d C+%d %.1f", at[0], at[1], flops / (double) (System.nanoTime() - start)));
            }
            System.out.println(line);
        }
    }
}
