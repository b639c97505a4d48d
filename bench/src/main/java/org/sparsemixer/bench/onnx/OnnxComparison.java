package org.sparsemixer.bench.onnx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.FlopCount;
import org.sparsemixer.engine.ModelPresets;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.Stage;
import org.sparsemixer.engine.StageTimes;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.RandomWeights;

/**
 * The engine against ONNX Runtime on the same model, in one process: builds a preset with seeded random
 * weights (std 0.02), exports it with {@link OnnxExport}, runs it in ONNX Runtime ({@link OrtEncoder}: T intra-op
 * threads, 1 inter-op thread, all graph optimizations, no spin-waiting), checks that both agree on a sample batch, then
 * times both with interleaved iterations (the order alternates every iteration) and prints the medians.
 * Last line: {@code onnx-compare CONFIG b=B t=T engine_p50_ms=X ort_p50_ms=Y speedup=Z} with
 * {@code speedup = ort_p50 / engine_p50}.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *     org.sparsemixer.bench.onnx.OnnxComparison --config base --batch 1 --threads 2 --iterations 10 --warmup 3
 * </pre>
 * Options: {@code --gelu onnx|spelled|fastgelu} (how GELU is exported; default onnx),
 * {@code --combine onehot|scatter} (how MoE outputs return to token order; default onehot, see
 * {@link OnnxExport.Combine}),
 * {@code --encoder-outputs} (both return every layer's output; by default neither does: the export has only
 * {@code sequence_output} and {@code pooled_output}, and the engine is built with
 * {@code EncoderOptions.withEncoderOutputs(false)}, so both compute and return the same tensors),
 * {@code --spinning} (ORT's intra-op threads spin-wait between ops, ORT's own default; off here because on a
 * shared 2-core machine spinning makes ORT 1.5-2x slower whenever the other core is busy, and the comparison
 * should be against ORT's better setting), {@code --seed N},
 * {@code --ort-only} (time ORT alone, to compare export variants; no final line),
 * {@code --ignore-mismatch} (time even when the outputs disagree; otherwise exit code 1),
 * {@code --keep FILE} (keep the exported model), {@code --ort-optimized FILE} (write ORT's optimized graph),
 * {@code --ort-profile PREFIX} (ORT's own profiler on; prints ORT's time per operator type and per operator
 * and input shapes over the timed runs, next to the engine's stages; profiling slows ORT, so take speed-ups from
 * runs without it).
 */
public final class OnnxComparison {
    private OnnxComparison() {
    }

    public static void main(String[] args) throws Exception {
        String configName = "base";
        int batch = 1;
        int threads = 2;
        int iterations = 10;
        int warmup = 3;
        long seed = 42;
        boolean encoderOutputs = false;
        boolean spinning = false;
        boolean ortOnly = false;
        boolean ignoreMismatch = false;
        OnnxExport.Gelu gelu = OnnxExport.Gelu.ONNX;
        OnnxExport.Combine combine = OnnxExport.Combine.ONE_HOT;
        Path keep = null;
        Path optimized = null;
        Path profile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--config" -> configName = args[++i];
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--encoder-outputs" -> encoderOutputs = true;
                case "--spinning" -> spinning = true;
                case "--ort-only" -> ortOnly = true;
                case "--ignore-mismatch" -> ignoreMismatch = true;
                case "--keep" -> keep = Path.of(args[++i]);
                case "--ort-optimized" -> optimized = Path.of(args[++i]);
                case "--ort-profile" -> profile = Path.of(args[++i]);
                case "--combine" -> combine = switch (args[++i].toLowerCase(Locale.ROOT)) {
                    case "onehot" -> OnnxExport.Combine.ONE_HOT;
                    case "scatter" -> OnnxExport.Combine.SCATTER_ND;
                    default -> throw new IllegalArgumentException("--combine takes onehot or scatter");
                };
                case "--gelu" -> gelu = switch (args[++i].toLowerCase(Locale.ROOT)) {
                    case "onnx" -> OnnxExport.Gelu.ONNX;
                    case "spelled" -> OnnxExport.Gelu.SPELLED;
                    case "fastgelu" -> OnnxExport.Gelu.MS_FAST_GELU;
                    default -> throw new IllegalArgumentException("--gelu takes onnx, spelled or fastgelu");
                };
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (iterations < 1 || warmup < 0 || batch < 1 || threads < 1) {
            throw new IllegalArgumentException("need --iterations >= 1, --warmup >= 0, --batch >= 1, --threads >= 1");
        }
        SparseMixerConfig config = ModelPresets.byName(configName);
        // The same weights and sample batch as `./sparse-mixer bench` (truncated normal, std 0.02).
        RandomWeights weights = new RandomWeights(config, seed);
        EncoderInput input = EncoderInput.sample(config, batch, seed + 1);

        Path model = keep != null ? keep : Files.createTempFile("sparse-mixer-" + configName, ".onnx");
        if (keep == null) {
            model.toFile().deleteOnExit();
        }
        long t0 = System.nanoTime();
        OnnxExport.export(config, weights,
                OnnxExport.Options.batch(batch).withEncoderOutputs(encoderOutputs).withGelu(gelu).withCombine(combine), model);
        System.out.printf(Locale.ROOT, "exported %s (b=%d, gelu=%s, moe combine=%s, encoder_outputs=%s): %.0f MB in %.1f s%n",
                configName, batch, gelu, combine, encoderOutputs, Files.size(model) / 1e6, (System.nanoTime() - t0) / 1e9);

        try (RandomWeights generator = weights;
             SparseMixerEncoder engine = SparseMixerEncoder.create(config, generator,
                     EncoderOptions.threads(threads).withEncoderOutputs(encoderOutputs));
             OrtEncoder ort = new OrtEncoder(model, threads, config.numLayers(), config.hiddenSize(), spinning,
                     optimized, profile)) {
            if (keep == null) {
                Files.delete(model); // ORT has read it
            }
            System.out.printf(Locale.ROOT, "engine threads=%d encoder_outputs=%s; ort %s intra-op threads=%d inter-op=1"
                            + " opt=ALL spinning=%s%n", threads, encoderOutputs,
                    ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion(), threads, spinning);
            EncoderOutput want = engine.encode(input);
            EncoderOutput got = ort.encode(input);
            List<OutputComparison.Diff> diffs = OutputComparison.compare(want, got);
            boolean agree = diffs.stream().allMatch(d -> d.violations() == 0);
            for (OutputComparison.Diff d : diffs) {
                System.out.println("check " + d);
            }
            System.out.println(agree ? "check: engine and ORT agree (1e-4 abs + 1e-4 rel)"
                    : "check: engine and ORT DISAGREE (a routing near-tie in random weights, or a bug)");
            if (!agree && !ignoreMismatch) {
                System.err.println("error: engine and ORT outputs differ beyond 1e-4 abs + 1e-4 rel; not timing"
                        + " (--ignore-mismatch to time anyway, --seed N for other random weights)");
                System.exit(1);
            }

            if (ortOnly) {
                for (int i = 0; i < warmup; i++) {
                    ort.encode(input);
                }
                long[] ortNanos = new long[iterations];
                for (int i = 0; i < iterations; i++) {
                    ortNanos[i] = timeOrt(ort, input);
                }
                System.out.printf(Locale.ROOT, "ort-only %s b=%d t=%d gelu=%s combine=%s spinning=%s ort_p50_ms=%.1f min=%.1f%n",
                        configName, batch, threads, gelu, combine, spinning, median(ortNanos) / 1e6, min(ortNanos) / 1e6);
                return;
            }

            for (int i = 0; i < warmup; i++) {
                engine.encode(input);
                ort.encode(input);
            }
            long[] engineNanos = new long[iterations];
            long[] ortNanos = new long[iterations];
            StageTimes stages = new StageTimes();
            for (int i = 0; i < iterations; i++) {
                if (i % 2 == 0) {
                    engineNanos[i] = timeEngine(engine, input, stages);
                    ortNanos[i] = timeOrt(ort, input);
                } else {
                    ortNanos[i] = timeOrt(ort, input);
                    engineNanos[i] = timeEngine(engine, input, stages);
                }
            }
            System.out.println("engine stages (mean per call over the timed calls):");
            for (Stage st : Stage.values()) {
                System.out.printf(Locale.ROOT, "  engine %-20s %9.2f ms%n", st.name().toLowerCase(Locale.ROOT),
                        stages.nanos(st) / 1e6 / iterations);
            }
            if (profile != null) {
                OrtProfile.print(OrtProfile.read(ort.endProfiling(), iterations), System.out, 25);
            }
            double engineP50 = median(engineNanos) / 1e6;
            double ortP50 = median(ortNanos) / 1e6;
            double gflop = FlopCount.forward(config, batch) / 1e9;
            System.out.printf(Locale.ROOT, "engine: p50 %.1f ms  min %.1f ms  max %.1f ms  (%.1f GFLOP/s)%n", engineP50,
                    min(engineNanos) / 1e6, max(engineNanos) / 1e6, gflop / (engineP50 / 1e3));
            System.out.printf(Locale.ROOT, "ort:    p50 %.1f ms  min %.1f ms  max %.1f ms  (%.1f GFLOP/s)%n", ortP50,
                    min(ortNanos) / 1e6, max(ortNanos) / 1e6, gflop / (ortP50 / 1e3));
            System.out.printf(Locale.ROOT,
                    "onnx-compare %s b=%d t=%d engine_p50_ms=%.1f ort_p50_ms=%.1f speedup=%.2f%n",
                    configName, batch, threads, engineP50, ortP50, ortP50 / engineP50);
        }
    }

    private static long timeEngine(SparseMixerEncoder engine, EncoderInput input, StageTimes stages) {
        long start = System.nanoTime();
        engine.encode(input, stages);
        return System.nanoTime() - start;
    }

    private static long timeOrt(OrtEncoder ort, EncoderInput input) throws Exception {
        long start = System.nanoTime();
        ort.encode(input);
        return System.nanoTime() - start;
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    private static long min(long[] values) {
        return Arrays.stream(values).min().orElse(0);
    }

    private static long max(long[] values) {
        return Arrays.stream(values).max().orElse(0);
    }
}
