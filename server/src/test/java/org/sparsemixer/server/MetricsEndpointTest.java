package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsemixer.engine.EncoderInput;

/** GET /metrics: Prometheus text with every documented series, counting what happened. */
@Timeout(60)
class MetricsEndpointTest {
    @Test
    void metricsCountRequestsByOutcomeSequencesCallsAndTimes() throws Exception {
        try (TestServer t = new TestServer(Fixtures.LINEAR, TestServer.options())) {
            EncoderInput two = EncoderInput.sample(t.encoder.config(), 2, 1);
            assertEquals(200, t.post("/v2/models/m/infer", Oip.request(two, "INT32", "pooled_output").toString()).statusCode());
            assertEquals(400, t.post("/v2/models/m/infer", "{").statusCode());
            HttpResponse<String> r = t.get("/metrics");
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
            Metrics m = Metrics.scrape(t);
            assertEquals(1, m.value("sparse_mixer_requests_total{outcome=\"success\"}"));
            assertEquals(1, m.value("sparse_mixer_requests_total{outcome=\"bad_request\"}"));
            for (String o : new String[] {"rejected", "timed_out", "failed", "disconnected"}) {
                assertEquals(0, m.value("sparse_mixer_requests_total{outcome=\"" + o + "\"}"), o);
            }
            assertEquals(2, m.value("sparse_mixer_sequences_total"));
            assertEquals(1, m.value("sparse_mixer_encoder_calls_total"));
            assertEquals(1, m.value("sparse_mixer_batch_size_count"));
            assertEquals(2, m.value("sparse_mixer_batch_size_sum"));
            assertEquals(0, m.value("sparse_mixer_batch_size_bucket{le=\"1.0\"}"));
            assertEquals(1, m.value("sparse_mixer_batch_size_bucket{le=\"2.0\"}"));
            assertEquals(1, m.value("sparse_mixer_queue_seconds_count"));
            assertEquals(1, m.value("sparse_mixer_compute_seconds_count"));
            assertTrue(m.value("sparse_mixer_compute_seconds_sum") > 0);
            assertEquals(0, m.value("sparse_mixer_queue_depth"));
            assertEquals(0, m.value("sparse_mixer_in_flight"));
        }
    }
}
