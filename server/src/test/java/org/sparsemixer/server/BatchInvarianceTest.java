package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/**
 * Batch invariance: what a request gets is bit-identical to encoding it alone, whatever shares its call.
 * First the engine property the batcher relies on, then through the server with concurrent clients.
 */
@Timeout(180)
class BatchInvarianceTest {

    /** The engine: every request-sized slice of a big batch equals the slice encoded alone, bit for bit. */
    @ParameterizedTest
    @CsvSource({"p01_linear_postnorm_base, 1", "p05_fast_epg2, 2"})
    void aSliceOfABatchEqualsTheSliceEncodedAlone(String fixture, int requestSize) {
        try (SparseMixerEncoder encoder = Fixtures.load(fixture)) {
            for (long seed = 1; seed <= 3; seed++) {
                EncoderInput batch = EncoderInput.sample(encoder.config(), 8, seed);
                EncoderOutput all = encoder.encode(batch);
                for (int from = 0; from < 8; from += requestSize) {
                    EncoderOutput alone = encoder.encode(Fixtures.slice(batch, from, requestSize));
                    EncoderOutput part = Batches.slice(all, from, requestSize);
                    String what = fixture + " seed " + seed + " sequences " + from + "+" + requestSize;
                    Oip.assertBitsEqual(what + " pooled", alone.pooledOutput(), part.pooledOutput());
                    Oip.assertBitsEqual(what + " sequence", alone.sequenceOutput(), part.sequenceOutput());
                    Oip.assertBitsEqual(what + " layers", alone.encoderOutputs(), part.encoderOutputs());
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"p01_linear_postnorm_base, 1", "p05_fast_epg2, 2"})
    void concurrentClientsGetExactlyTheirAloneResult(String fixture, int requestSize) throws Exception {
        // A long delay so that the concurrent requests gather into merged calls.
        ServerOptions options = TestServer.options().withBatching(8, 200_000, 64);
        try (TestServer t = new TestServer(fixture, options)) {
            int clients = 16;
            List<EncoderInput> inputs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                inputs.add(EncoderInput.sample(t.encoder.config(), requestSize, 100 + c));
            }
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (EncoderInput in : inputs) {
                    String body = Oip.request(in, "INT32", "pooled_output", "sequence_output").toString();
                    responses.add(pool.submit(() -> t.post("/v2/models/m/infer", body)));
                }
                for (int c = 0; c < clients; c++) {
                    HttpResponse<String> r = responses.get(c).get();
                    assertEquals(200, r.statusCode(), r.body());
                    JsonNode resp = Oip.parse(r.body());
                    EncoderOutput alone = t.encoder.encode(inputs.get(c));
                    Oip.assertBitsEqual("client " + c + " pooled", alone.pooledOutput(),
                            Oip.floats(Oip.output(resp, "pooled_output")));
                    Oip.assertBitsEqual("client " + c + " sequence", alone.sequenceOutput(),
                            Oip.floats(Oip.output(resp, "sequence_output")));
                }
            }
            Metrics m = Metrics.scrape(t);
            double calls = m.value("sparse_mixer_encoder_calls_total");
            assertEquals(clients * requestSize, m.value("sparse_mixer_sequences_total"), m.text());
            assertTrue(calls < clients, "requests were merged: " + calls + " calls for " + clients + " requests");
            assertTrue(m.value("sparse_mixer_batch_size_sum") / m.value("sparse_mixer_batch_size_count") > requestSize,
                    m.text());
            assertEquals(clients, m.value("sparse_mixer_requests_total{outcome=\"success\"}"), m.text());
        }
    }

    @Test
    void aRequestTheModelCannotEncodeAloneIs400() throws Exception {
        try (TestServer t = new TestServer(Fixtures.EPG2, TestServer.options())) {
            EncoderInput one = EncoderInput.sample(t.encoder.config(), 1, 5);
            HttpResponse<String> r = t.post("/v2/models/m/infer", Oip.request(one, "INT32", "pooled_output").toString());
            assertEquals(400, r.statusCode());
            assertTrue(Oip.parse(r.body()).get("error").asText().contains("examples_per_group"), r.body());
            EncoderInput three = EncoderInput.sample(t.encoder.config(), 3, 5);
            r = t.post("/v2/models/m/infer", Oip.request(three, "INT32", "pooled_output").toString());
            assertEquals(400, r.statusCode());
            assertTrue(Oip.parse(r.body()).get("error").asText().contains("routing group"), r.body());
        }
    }
}
