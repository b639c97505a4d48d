package org.sparsemixer.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The server's Prometheus metrics, in a registry of its own (several servers in one JVM, as in the
 * tests, do not mix their counts). Names are documented in docs/serving.md.
 */
final class ServerMetrics {
    private static final double NANOS_PER_SECOND = 1e9;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Counter sequences;
    private final Counter encoderCalls;
    private final Histogram batchSize;
    private final Histogram queueSeconds;
    private final Histogram computeSeconds;
    private final Gauge queueDepth;
    private final Gauge inFlight;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    ServerMetrics(int maxBatch) {
        requests = Counter.builder().name("sparse_mixer_requests_total")
                .help("Inference requests answered, by outcome (success, rejected, timed_out, bad_request, failed,"
                        + " disconnected)")
                .labelNames("outcome").register(registry);
        for (HttpError.Outcome o : HttpError.Outcome.values()) {
            requests.labelValues(o.label); // every outcome shows from the start, at 0
        }
        sequences = Counter.builder().name("sparse_mixer_sequences_total")
                .help("Sequences computed by the encoder").register(registry);
        encoderCalls = Counter.builder().name("sparse_mixer_encoder_calls_total")
                .help("Encoder calls (merged batches)").register(registry);
        double[] bounds = new double[maxBatch];
        for (int i = 0; i < maxBatch; i++) {
            bounds[i] = i + 1;
        }
        batchSize = Histogram.builder().name("sparse_mixer_batch_size")
                .help("Sequences per encoder call").classicOnly().classicUpperBounds(bounds).register(registry);
        double[] seconds = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30};
        queueSeconds = Histogram.builder().name("sparse_mixer_queue_seconds")
                .help("Time a request waited in the queue before its encoder call started")
                .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
                .classicOnly().classicUpperBounds(seconds).register(registry);
        computeSeconds = Histogram.builder().name("sparse_mixer_compute_seconds")
                .help("Time of one encoder call")
                .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
                .classicOnly().classicUpperBounds(seconds).register(registry);
        queueDepth = Gauge.builder().name("sparse_mixer_queue_depth")
                .help("Sequences waiting in the queue").register(registry);
        inFlight = Gauge.builder().name("sparse_mixer_in_flight")
                .help("Inference requests being handled (queued, computing or being answered)").register(registry);
    }

    void outcome(HttpError.Outcome outcome) {
        requests.labelValues(outcome.label).inc();
    }

    void queued(long nanos) {
        queueSeconds.observe(nanos / NANOS_PER_SECOND);
    }

    void computed(int batchSequences, long nanos) {
        sequences.inc(batchSequences);
        encoderCalls.inc();
        batchSize.observe(batchSequences);
        computeSeconds.observe(nanos / NANOS_PER_SECOND);
    }

    void queueDepth(int sequencesQueued) {
        queueDepth.set(sequencesQueued);
    }

    void requestStarted() {
        inFlight.inc();
    }

    void requestEnded() {
        inFlight.dec();
    }

    String contentType() {
        return writer.getContentType();
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
