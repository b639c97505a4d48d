package org.sparsemixer.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.WeightPrecision;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.ModelLoader;

/**
 * One encoder per executor JVM and model: loaded lazily by the first task that needs it, then shared by
 * every task slot of the JVM for the JVM's life (an encoder is thread-safe). Tasks and partitions never
 * reload it, so the weights are in memory once per executor, not once per task. Keyed by the model's
 * absolute path, the thread count and the weight precision.
 */
public final class EncoderHolder {
    private static final Logger LOG = LoggerFactory.getLogger(EncoderHolder.class);
    private static final ConcurrentHashMap<Key, SparseMixerEncoder> ENCODERS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private record Key(Path modelDir, int threads, WeightPrecision precision) {
    }

    private EncoderHolder() {
    }

    /**
     * The JVM's encoder for these settings, loading it (and making the settings' warm-up calls at their batch
     * size) on first use. Concurrent first callers wait for one load.
     *
     * @throws UncheckedIOException when the model files cannot be read (then a later call tries again)
     */
    public static SparseMixerEncoder encoder(EmbedSettings settings) {
        Key key = new Key(Path.of(settings.modelDir()).toAbsolutePath().normalize(), settings.threads(),
                settings.weightPrecision());
        return ENCODERS.computeIfAbsent(key, k -> load(k, settings));
    }

    /** How many encoders this JVM has loaded so far (for tests and logs: one per model and options). */
    public static int loads() {
        return LOADS.get();
    }

    private static SparseMixerEncoder load(Key key, EmbedSettings settings) {
        long start = System.nanoTime();
        EncoderOptions options = EncoderOptions.threads(key.threads())
                .withWeightPrecision(key.precision())
                .withEncoderOutputs(false);
        SparseMixerEncoder encoder;
        try {
            encoder = ModelLoader.load(key.modelDir(), options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the model " + key.modelDir() + ": " + e.getMessage(), e);
        }
        LOADS.incrementAndGet();
        long loaded = System.nanoTime();
        if (settings.warmUpCalls() > 0) {
            encoder.warmUp(settings.warmUpCalls(),
                    RoutingBatches.smallestAtLeast(encoder.config(), settings.batch()));
        }
        LOG.info("loaded {} ({} MB of weights, {} thread(s)) in {} ms, warm-up {} call(s) in {} ms",
                key.modelDir(), encoder.weightBytes() >> 20, key.threads(), (loaded - start) / 1_000_000,
                settings.warmUpCalls(), (System.nanoTime() - loaded) / 1_000_000);
        return encoder;
    }
}
