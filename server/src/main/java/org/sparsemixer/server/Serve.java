package org.sparsemixer.server;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.ModelPresets;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.LoadOptions;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.ModelTokenizer;
import org.sparsemixer.loader.RandomWeights;
import org.sparsemixer.loader.WeightDType;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Runs {@code sparse-mixer serve}: loads the model, starts the server, prints {@code listening on URL} on
 * stdout once ready (and the time to ready on stderr), then serves until SIGTERM or SIGINT, drains and
 * returns the exit code: 0 when everything queued and in flight was answered within the drain timeout.
 */
public final class Serve {
    /** Seed of the presets' random weights, as {@code run}, {@code bench} and {@code init} use. */
    public static final long PRESET_WEIGHT_SEED = 42L;

    private Serve() {
    }

    public static int run(ServeSettings settings, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        return run(settings, out, err, UnaryOperator.identity());
    }

    /** As {@link #run(ServeSettings, PrintStream, PrintStream)}, the batcher's calls going through {@code wrap} (tests). */
    static int run(ServeSettings settings, PrintStream out, PrintStream err, UnaryOperator<BatchEncoder> wrap)
            throws IOException, InterruptedException {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long loadStart = System.nanoTime();
        String name = settings.modelName();
        try (SparseMixerEncoder encoder = load(settings)) {
            ModelTokenizer tokenizer = loadTokenizer(settings, encoder.config());
            long loadNanos = System.nanoTime() - loadStart;
            CountDownLatch stop = new CountDownLatch(1);
            // Signals instead of a shutdown hook: the hook would run after the JVM decided to exit with 143;
            // handling SIGTERM ourselves lets the drain finish and the process exit 0.
            SignalHandler previousTerm = Signal.handle(new Signal("TERM"), s -> stop.countDown());
            SignalHandler previousInt = Signal.handle(new Signal("INT"), s -> stop.countDown());
            try (InferenceServer server = InferenceServer.start(encoder, tokenizer, name, settings.server(), wrap)) {
                double ready = (System.currentTimeMillis() - jvmStart) / 1000.0;
                int[] calls = server.warmupCalls();
                int[] sizes = server.warmupBatchSizes();
                StringJoiner made = new StringJoiner(", ");
                for (int i = 0; i < sizes.length; i++) {
                    made.add(calls[i] + (calls[i] == 1 ? " call" : " calls") + " at batch " + sizes[i]);
                }
                err.printf(Locale.ROOT, "sparse-mixer serve: model '%s' ready in %.1f s from JVM start (load %.1f s,"
                                + " warm-up %.1f s: %s, %d threads)%n",
                        name, ready, loadNanos / 1e9, server.warmupNanos() / 1e9,
                        sizes.length == 0 ? "none" : made.toString(), encoder.threads());
                if (tokenizer != null) {
                    err.println("sparse-mixer serve: text inputs 'text' and 'text_pair' tokenized by " + tokenizer);
                }
                out.println("listening on " + server.url());
                out.flush();
                stop.await();
                err.println("sparse-mixer serve: shutting down, draining queued and in-flight requests");
                boolean drained = server.drain(TimeUnit.MILLISECONDS.toNanos(settings.server().drainTimeoutMs()));
                if (!drained) {
                    err.println("error: requests were still queued or in flight after --drain-timeout-ms "
                            + settings.server().drainTimeoutMs());
                    return 1;
                }
                err.println("sparse-mixer serve: drained, exiting");
                return 0;
            } finally {
                Signal.handle(new Signal("TERM"), previousTerm);
                Signal.handle(new Signal("INT"), previousInt);
            }
        }
    }

    /**
     * The tokenizer of the model directory, or null (a preset, or a directory without tokenizer files).
     *
     * @throws org.sparsemixer.engine.InvalidModelException a tokenizer file or text_input.json is invalid
     *     or does not fit the model (the command line's exit 2)
     */
    public static ModelTokenizer loadTokenizer(ServeSettings settings, SparseMixerConfig config) throws IOException {
        return settings.model() == null ? null : ModelTokenizer.load(settings.model(), config).orElse(null);
    }

    /** The model of {@code settings}: its directory, or a preset with random weights. */
    public static SparseMixerEncoder load(ServeSettings settings) throws IOException {
        EncoderOptions options = EncoderOptions.threads(settings.threads()).withWeightPrecision(settings.precision())
                .withEncoderOutputs(false);
        if (settings.model() != null) {
            return ModelLoader.load(settings.model(), options,
                    new LoadOptions(WeightDType.of(settings.precision()), settings.allowNonFinite()));
        }
        SparseMixerConfig config = ModelPresets.byName(settings.preset());
        try (RandomWeights weights = new RandomWeights(config, PRESET_WEIGHT_SEED)) {
            return SparseMixerEncoder.create(config, weights, options);
        }
    }
}
