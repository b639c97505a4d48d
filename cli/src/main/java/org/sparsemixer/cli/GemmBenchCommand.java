package org.sparsemixer.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.sparsemixer.engine.WeightPrecision;
import org.sparsemixer.engine.kernels.GemmTiming;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bench gemm}: the engine's SGEMM (prepacked B) on random data. */
@Command(name = "gemm",
        mixinStandardHelpOptions = true,
        description = {
            "Time the engine's SGEMM C[M,N] = A[M,K] x B[K,N] (B prepacked) on random data.",
            "Ends with one line: gemm MxKxN threads=T gflops=X"})
final class GemmBenchCommand implements Callable<Integer> {
    /** Products of this many FLOPs at least are timed per measurement, so tiny shapes are not all timer noise. */
    private static final double MIN_TIMED_FLOPS = 2e10;

    @Spec
    CommandSpec spec;

    @Option(names = "--m", paramLabel = "M", required = true, description = "Rows of A and C.")
    int m;

    @Option(names = "--k", paramLabel = "K", required = true, description = "Columns of A, rows of B.")
    int k;

    @Option(names = "--n", paramLabel = "N", required = true, description = "Columns of B and C.")
    int n;

    @Option(names = "--threads", paramLabel = "T", description = "Compute threads (default: available processors).")
    Integer threads;

    @Option(names = "--weights-dtype", paramLabel = "DTYPE", defaultValue = "f32",
            description = "Storage of B: f32, or bf16 / f16 (16-bit, widened in the kernels); default: ${DEFAULT-VALUE}.")
    WeightPrecision weightsDtype = WeightPrecision.F32;

    @Override
    public Integer call() {
        Arguments.atLeast("--m", m, 1);
        Arguments.atLeast("--k", k, 1);
        Arguments.atLeast("--n", n, 1);
        if ((long) m * k > Integer.MAX_VALUE || (long) k * n > Integer.MAX_VALUE || (long) m * n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--m, --k, --n: every matrix must hold fewer than 2^31 elements");
        }
        int threadCount = Arguments.threads(threads);
        double flops = 2.0 * m * k * n;
        int iterations = (int) Math.max(3, Math.min(10_000, Math.ceil(MIN_TIMED_FLOPS / flops)));
        double gflops = GemmTiming.gflops(m, k, n, threadCount, Math.max(2, iterations / 4), iterations, weightsDtype);
        spec.commandLine().getOut().printf(Locale.ROOT, "gemm %dx%dx%d threads=%d%s gflops=%.1f%n",
                m, k, n, threadCount,
                weightsDtype == WeightPrecision.F32 ? "" : " b=" + weightsDtype.name().toLowerCase(Locale.ROOT), gflops);
        return Main.EXIT_OK;
    }
}
