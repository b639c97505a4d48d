package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/** Backpressure (a full queue refuses at once), deadlines, and clients that hang up while queued. */
@Timeout(180)
class QueueLimitsTest {

    private static String request(TestServer t, long seed) {
        return Oip.request(EncoderInput.sample(t.encoder.config(), 1, seed), "INT32", "pooled_output").toString();
    }

    @Test
    void floodingATinyQueueGivesEveryClientOneAnswer200Or503() throws Exception {
        // Each call takes >= 30 ms, so 48 clients at once overflow a queue of 4 sequences.
        UnaryOperator<BatchEncoder> slow = inner -> (input, layers) -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.encode(input, layers);
        };
        try (TestServer t = new TestServer(Fixtures.LINEAR, TestServer.options().withBatching(2, 1000, 4), slow)) {
            int clients = 48;
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            List<EncoderInput> inputs = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < clients; c++) {
                    EncoderInput in = EncoderInput.sample(t.encoder.config(), 1, 200 + c);
                    inputs.add(in);
                    String body = Oip.request(in, "INT32", "pooled_output").toString();
                    futures.add(pool.submit(() -> t.post("/v2/models/m/infer", body)));
                }
                int ok = 0;
                int refused = 0;
                for (int c = 0; c < clients; c++) {
                    HttpResponse<String> r = futures.get(c).get(); // a connection error would throw here
                    if (r.statusCode() == 200) {
                        ok++;
                        EncoderOutput alone = t.encoder.encode(inputs.get(c));
                        Oip.assertBitsEqual("client " + c, alone.pooledOutput(),
                                Oip.floats(Oip.output(Oip.parse(r.body()), "pooled_output")));
                    } else {
                        refused++;
                        assertEquals(503, r.statusCode(), r.body());
                        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                        assertTrue(Oip.parse(r.body()).get("error").asText().contains("queue full"), r.body());
                    }
                }
                assertTrue(refused > 0, "the queue of 4 never overflowed: " + ok + " answered");
                assertTrue(ok >= 4, "only " + ok + " answered");
                Metrics m = Metrics.scrape(t);
                assertEquals(ok, m.value("sparse_mixer_requests_total{outcome=\"success\"}"), m.text());
                assertEquals(refused, m.value("sparse_mixer_requests_total{outcome=\"rejected\"}"), m.text());
                assertEquals(ok, m.value("sparse_mixer_sequences_total"), m.text());
                assertEquals(0, m.value("sparse_mixer_queue_depth"), m.text());
                assertEquals(0, m.value("sparse_mixer_in_flight"), m.text());
            }
        }
    }

    @Test
    void aRequestThatWaitsPastItsTimeoutGets503AndIsNotComputed() throws Exception {
        Gate gate = new Gate();
        try (TestServer t = new TestServer(Fixtures.LINEAR, TestServer.options().withLimits(300, 1 << 20, 10_000), gate)) {
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> post(t, request(t, 1)));
            gate.awaitCall(); // the first request holds the encoder
            // OIP 'timeout' parameter, in microseconds: 50 ms.
            JsonNode own = Oip.parse(request(t, 2));
            ((com.fasterxml.jackson.databind.node.ObjectNode) own).putObject("parameters").put("timeout", 50_000);
            HttpResponse<String> r = t.post("/v2/models/m/infer", own.toString());
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(Oip.parse(r.body()).get("error").asText().contains("timed out"), r.body());
            assertTrue(r.headers().firstValue("Retry-After").isEmpty());
            // No parameter: the server default, --request-timeout-ms 300.
            long start = System.nanoTime();
            r = t.post("/v2/models/m/infer", request(t, 3));
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(Oip.parse(r.body()).get("error").asText().contains("timed out"), r.body());
            assertTrue(System.nanoTime() - start >= 300_000_000L, "answered before its timeout");
            // A request with time to spare waits in the queue (watched, not mistaken for a hang-up) and is served.
            JsonNode patient = Oip.parse(request(t, 4));
            ((com.fasterxml.jackson.databind.node.ObjectNode) patient).putObject("parameters").put("timeout", 20_000_000);
            CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() -> post(t, patient.toString()));
            Thread.sleep(500);
            assertTrue(!waiting.isDone(), "it waits behind the held call");
            gate.open();
            assertEquals(200, first.get().statusCode());
            assertEquals(200, waiting.get().statusCode(), waiting.get().body());
            Metrics m = Metrics.scrape(t);
            assertEquals(2, m.value("sparse_mixer_requests_total{outcome=\"timed_out\"}"), m.text());
            assertEquals(0, m.value("sparse_mixer_requests_total{outcome=\"disconnected\"}"), m.text());
            assertEquals(2, m.value("sparse_mixer_sequences_total"), "the timed-out requests were not computed");
        }
    }

    @Test
    void aClientThatHangsUpWhileQueuedIsDroppedFromTheQueue() throws Exception {
        Gate gate = new Gate();
        try (TestServer t = new TestServer(Fixtures.LINEAR, TestServer.options(), gate)) {
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> post(t, request(t, 1)));
            gate.awaitCall();
            byte[] body = request(t, 2).getBytes(StandardCharsets.UTF_8);
            try (Socket s = RawHttp.connect(t.server.port())) {
                RawHttp.sendPost(s, "/v2/models/m/infer", body.length, body);
                awaitMetric(t, "sparse_mixer_queue_depth", 1);
            } // hang up while queued
            awaitMetric(t, "sparse_mixer_requests_total{outcome=\"disconnected\"}", 1);
            assertEquals(0, Metrics.scrape(t).value("sparse_mixer_queue_depth"));
            gate.open();
            assertEquals(200, first.get().statusCode());
            assertEquals(200, t.post("/v2/models/m/infer", request(t, 3)).statusCode());
            Metrics m = Metrics.scrape(t);
            assertEquals(2, m.value("sparse_mixer_sequences_total"), "the dropped request was not computed: " + m.text());
        }
    }

    private static HttpResponse<String> post(TestServer t, String body) {
        try {
            return t.post("/v2/models/m/infer", body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitMetric(TestServer t, String series, double value) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        while (Metrics.scrape(t).value(series) != value) {
            if (System.nanoTime() > end) {
                throw new AssertionError(series + " never reached " + value + ":\n" + Metrics.scrape(t).text());
            }
            Thread.sleep(10);
        }
    }
}
