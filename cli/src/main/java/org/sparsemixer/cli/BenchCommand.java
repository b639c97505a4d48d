package org.sparsemixer.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sparsemixer.engine.EncoderBenchmark;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.FlopCount;
import org.sparsemixer.engine.ModelPresets;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.Stage;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.engine.kernels.HeapAlignment;
import org.sparsemixer.engine.kernels.VectorShapes;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.RandomWeights;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bench}: latency and throughput of whole forward passes on one model. */
@Command(name = "bench",
        subcommands = GemmBenchCommand.class,
        mixinStandardHelpOptions = true,
        description = {
            "Time whole forward passes: latency percentiles, throughput, achieved GFLOP/s and time per stage.",
            "With --concurrency C, C caller threads share the encoder; seq_per_s is then overall throughput"
                    + " (all sequences over the wall-clock time), latencies are per call.",
            "Ends with one line: bench CONFIG b=B t=T c=C p50_ms=X seq_per_s=Y gflops=Z"})
final class BenchCommand implements Callable<Integer> {
    static final long WEIGHT_SEED = 42L;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true)
    ModelChoice choice;

    @Option(names = "--batch", paramLabel = "B",
            description = "Sequences per call (default: 1, or the smallest batch the MoE routing groups allow).")
    Integer batch;

    @Option(names = "--threads", paramLabel = "T", description = "Compute threads (default: available processors).")
    Integer threads;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "10", description = "Timed calls (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3",
            description = "Untimed warm-up calls first (SparseMixerEncoder.warmUp at the batch size; default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--timeline",
            description = "Cold-start figures of this process: process start to loaded encoder and to the first"
                    + " timed result, the first call, steady p50 (median of the last half of the timed calls) and"
                    + " the calls until one is within 10 %% of it; every timed call in order. Use with --warmup 0"
                    + " or a few, and --iterations 30 or more.")
    boolean timeline;

    @Mixin
    WeightOptions weights;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "1",
            description = "Caller threads sharing one encoder, each making --warmup and --iterations calls"
                    + " (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Override
    public Integer call() throws Exception {
        int threadCount = Arguments.threads(threads);
        Arguments.atLeast("--iterations", iterations, 1);
        Arguments.atLeast("--warmup", warmup, 0);
        Arguments.atLeast("--concurrency", concurrency, 1);
        if (batch != null) {
            Arguments.atLeast("--batch", batch, 1);
        }
        Path model = ModelChoice.model(choice);
        String preset = ModelChoice.preset(choice);
        Arguments.modelDirectory(model);
        EncoderOptions options = EncoderOptions.threads(threadCount).withWeightPrecision(weights.precision());
        PrintWriter out = spec.commandLine().getOut();

        String label;
        SparseMixerEncoder encoder;
        if (model != null) {
            label = model.toString();
            encoder = ModelLoader.load(model, options, weights.loadOptions());
        } else {
            label = preset;
            SparseMixerConfig config = ModelPresets.byName(preset);
            try (RandomWeights random = new RandomWeights(config, WEIGHT_SEED)) {
                encoder = SparseMixerEncoder.create(config, random, options);
            }
        }
        try (encoder) {
            SparseMixerConfig config = encoder.config();
            int size = batch != null ? batch : RunCommand.defaultBatch(config);
            Arguments.batchFits(encoder, size);
            EncoderInput input = EncoderInput.sample(config, size, RunCommand.SAMPLE_SEED);
            double loadedMillis = ProcessClock.millisSinceStart();
            EncoderBenchmark.Result r = EncoderBenchmark.run(encoder, input, warmup, iterations, concurrency,
                    HeapAllocations::total);
            print(out, label, r, options.encoderOutputs(), loadedMillis);
        }
        return Main.EXIT_OK;
    }

    /** Steady state is reached at the first call within this fraction of the steady p50. */
    static final double STEADY_TOLERANCE = 0.10;

    /**
     * The cold-start figures. The first timed result arrived {@code loaded + warm-up + first call} after the
     * process started (the time between them is a few microseconds of bookkeeping).
     */
    private void printTimeline(PrintWriter out, String label, EncoderBenchmark.Result r, double loadedMillis) {
        long[] calls = r.callOrderNanos();
        double warmupMillis = r.warmupNanos() / 1e6;
        double firstCallMillis = calls[0] / 1e6;
        double firstResultMillis = loadedMillis + warmupMillis + firstCallMillis;
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < calls.length; i++) {
            list.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", calls[i] / 1e6));
        }
        out.printf(Locale.ROOT, "timeline:    process start -> encoder loaded %.0f ms, warm-up (%d calls) %.0f ms,"
                        + " first result %.0f ms; first call %.1f ms = %.2fx steady p50 %.2f ms;"
                        + " first call within %.0f %% of it: call %d%n",
                loadedMillis, warmup, warmupMillis, firstResultMillis, firstCallMillis,
                firstCallMillis / r.steadyMillis(), r.steadyMillis(), STEADY_TOLERANCE * 100,
                r.callsToSteady(STEADY_TOLERANCE));
        out.printf(Locale.ROOT, "calls (ms, in order): %s%n", list);
        out.printf(Locale.ROOT, "cold-start %s b=%d t=%d warmup=%d loaded_ms=%.0f warmup_ms=%.0f first_result_ms=%.0f"
                        + " first_call_ms=%.1f steady_p50_ms=%.2f calls_to_steady=%d%n",
                label, r.batch(), r.threads(), warmup, loadedMillis, warmupMillis, firstResultMillis, firstCallMillis,
                r.steadyMillis(), r.callsToSteady(STEADY_TOLERANCE));
    }

    /**
     * Heap allocated per call, against the outputs a call must allocate (sequence and pooled output, and
     * every layer's output unless the options skip them): everything else should be reused workspaces.
     */
    private void printAllocations(PrintWriter out, EncoderBenchmark.Result r, boolean encoderOutputs) {
        SparseMixerConfig c = r.config();
        int calls = r.latenciesNanos().length;
        long tokens = (long) r.batch() * c.maxSequenceLength();
        long outputFloats = tokens * c.hiddenSize() * (encoderOutputs ? 1 + c.numLayers() : 1)
                + (long) r.batch() * c.hiddenSize();
        double perCall = (double) r.allocatedBytes() / calls;
        out.printf(Locale.ROOT, "allocated:   %.2f MB per call (mean of the %d timed calls), of which outputs %.2f MB;"
                        + " other %.1f KB%n",
                perCall / 1e6, calls, outputFloats * 4 / 1e6, (perCall - outputFloats * 4) / 1e3);
    }

    /** The report; its last line is always {@code bench MODEL b=.. t=.. c=.. p50_ms=.. seq_per_s=.. gflops=..}. */
    private void print(PrintWriter out, String label, EncoderBenchmark.Result r, boolean encoderOutputs,
                       double loadedMillis) {
        SparseMixerConfig c = r.config();
        out.printf(Locale.ROOT, "model:       %s (%d layers, hidden %d, seq len %d, %d MoE layers x %d experts,"
                        + " capacity factor %s, %d attention layers)%n",
                label, c.numLayers(), c.hiddenSize(), c.maxSequenceLength(), c.moeLayers().size(), c.numExperts(),
                c.evalCapacityFactor(), c.attentionLayers().size());
        out.printf(Locale.ROOT, "run:         batch %d, threads %d, %d warm-up (%.0f ms) + %d timed calls%s, weights %s%n",
                r.batch(), r.threads(), warmup, r.warmupNanos() / 1e6, iterations,
                r.callers() == 1 ? "" : " by each of " + r.callers() + " concurrent callers",
                weights.dtype.cliName());
        out.printf(Locale.ROOT, "kernels:     %s; %s%n", VectorShapes.describe(), HeapAlignment.describe());
        out.printf(Locale.ROOT, "latency:     p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, mean %.2f ms%n",
                r.percentileMillis(50), r.percentileMillis(90), r.percentileMillis(99), r.meanMillis());
        if (r.callers() == 1) {
            out.printf(Locale.ROOT, "throughput:  %.2f sequences/s, %.0f tokens/s%n", r.sequencesPerSecond(), r.tokensPerSecond());
        } else {
            out.printf(Locale.ROOT, "throughput:  %.2f sequences/s overall, %.0f tokens/s (%d callers, %d calls in %.1f ms)%n",
                    r.sequencesPerSecond(), r.tokensPerSecond(), r.callers(), r.latenciesNanos().length, r.wallNanos() / 1e6);
        }
        out.printf(Locale.ROOT, "compute:     %.2f GFLOP per call (matrix products), %.1f GFLOP/s"
                        + (r.callers() == 1 ? " at p50" : " overall") + "%n",
                FlopCount.forward(c, r.batch()) / 1e9, r.gflops());
        out.println("stages (mean per call):");
        double total = 0;
        for (Stage s : Stage.values()) {
            total += r.stageMillis(s);
        }
        for (Stage s : Stage.values()) {
            double ms = r.stageMillis(s);
            out.printf(Locale.ROOT, "  %-20s %9.2f ms %5.1f%%%n", s.name().toLowerCase(Locale.ROOT), ms,
                    total > 0 ? 100 * ms / total : 0);
        }
        if (r.allocatedBytes() >= 0) {
            printAllocations(out, r, encoderOutputs);
        }
        if (timeline) {
            printTimeline(out, label, r, loadedMillis);
        }
        out.printf(Locale.ROOT, "bench %s b=%d t=%d c=%d p50_ms=%.2f seq_per_s=%.3f gflops=%.1f%n",
                label, r.batch(), r.threads(), r.callers(), r.percentileMillis(50), r.sequencesPerSecond(), r.gflops());
    }
}
