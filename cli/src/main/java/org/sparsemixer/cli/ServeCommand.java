package org.sparsemixer.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sparsemixer.engine.ModelPresets;
import org.sparsemixer.server.Serve;
import org.sparsemixer.server.ServeSettings;
import org.sparsemixer.server.ServerOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code serve}: the inference server (module server); this class only reads the command line. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serve one model over HTTP: Open Inference Protocol (KServe v2, with the binary tensor extension) and"
                    + " TensorFlow Serving REST, with dynamic batching, health, Prometheus metrics at /metrics and"
                    + " a graceful drain on SIGTERM/SIGINT. Prints 'listening on http://HOST:PORT' once ready."
                    + " See docs/serving.md."})
final class ServeCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true)
    ModelChoice choice;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Model name in the URLs (default: the model directory's name, or the preset's).")
    String name;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = ServerOptions.DEFAULT_HOST,
            description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + ServerOptions.DEFAULT_PORT,
            description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: available processors).")
    Integer threads;

    @Option(names = "--max-batch", paramLabel = "B", defaultValue = "" + ServerOptions.DEFAULT_MAX_BATCH,
            description = "Most sequences merged into one encoder call (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-delay-ms", paramLabel = "MS", defaultValue = "" + ServerOptions.DEFAULT_MAX_DELAY_MS,
            description = "Longest wait after the oldest queued request for more to fill a batch (default: ${DEFAULT-VALUE}).")
    double maxDelayMs;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "" + ServerOptions.DEFAULT_MAX_QUEUE,
            description = "Most sequences queued; beyond it requests get 503 with Retry-After (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "" + ServerOptions.DEFAULT_WARMUP,
            description = "Most warm-up calls at each batch size the batcher uses, before ready; a size is done"
                    + " once a call took within 10 %% of the one before (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--request-timeout-ms", paramLabel = "MS", defaultValue = "" + ServerOptions.DEFAULT_REQUEST_TIMEOUT_MS,
            description = "Longest a request may wait in the queue, unless it sets the 'timeout' parameter; 0: no limit"
                    + " (default: ${DEFAULT-VALUE}).")
    long requestTimeoutMs;

    @Option(names = "--max-body-mb", paramLabel = "MB", defaultValue = "" + ServerOptions.DEFAULT_MAX_BODY_MB,
            description = "Largest request body; larger ones get 413 (default: ${DEFAULT-VALUE}).")
    long maxBodyMb;

    @Option(names = "--drain-timeout-ms", paramLabel = "MS", defaultValue = "" + ServerOptions.DEFAULT_DRAIN_TIMEOUT_MS,
            description = "Longest the shutdown waits for queued and in-flight requests (default: ${DEFAULT-VALUE}).")
    long drainTimeoutMs;

    @Mixin
    WeightOptions weights;

    @Override
    public Integer call() throws Exception {
        int threadCount = Arguments.threads(threads);
        Path model = ModelChoice.model(choice);
        String preset = ModelChoice.preset(choice);
        Arguments.modelDirectory(model);
        if (model == null) {
            ModelPresets.byName(preset); // an unknown preset fails here, before anything loads
        }
        if (!(maxDelayMs >= 0) || maxDelayMs > 60_000) {
            throw new IllegalArgumentException("--max-delay-ms must be in [0, 60000], got " + maxDelayMs);
        }
        if (maxBodyMb < 1 || maxBodyMb > 2047) {
            throw new IllegalArgumentException("--max-body-mb must be in [1, 2047], got " + maxBodyMb);
        }
        ServerOptions server = new ServerOptions(host, port, maxBatch, Math.round(maxDelayMs * 1000), maxQueue, warmup,
                requestTimeoutMs, maxBodyMb << 20, drainTimeoutMs);
        ServeSettings settings = new ServeSettings(model, preset, name, threadCount, weights.precision(),
                weights.allowNonFinite, server);
        return Serve.run(settings, System.out, System.err);
    }
}
