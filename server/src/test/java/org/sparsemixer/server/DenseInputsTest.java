package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.RandomWeights;

/** A model with dense inputs: its six inputs in the metadata, and FP32 dense tensors through infer. */
@Timeout(120)
class DenseInputsTest {
    private static final SparseMixerConfig CONFIG = new SparseMixerConfig(50, 16, 2, List.of(1), List.of(), 2, 1.0, 1.0,
            1.0, MixingMechanism.LINEAR, false, 2, 8, 2, 32, SparseMixerConfig.GELU_APPROXIMATE, null, 16, false, true);

    /** {@code batch} sequences of {@code wordLength} word tokens and 8 - wordLength dense tokens. */
    private static EncoderInput input(int batch, int wordLength, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int sd = 8 - wordLength;
        int[] ids = new int[batch * wordLength];
        int[] mask = new int[batch * wordLength];
        int[] types = new int[batch * wordLength];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(50);
            mask[i] = 1;
            types[i] = r.nextInt(2);
        }
        float[] dense = new float[batch * sd * 16];
        for (int i = 0; i < dense.length; i++) {
            dense[i] = (float) r.nextGaussian();
        }
        int[] denseMask = new int[batch * sd];
        java.util.Arrays.fill(denseMask, 1);
        return new EncoderInput(batch, wordLength, ids, mask, types, sd, dense, denseMask, new int[batch * sd]);
    }

    private static String request(EncoderInput in) {
        ObjectNode root = Oip.request(in, "INT64", "pooled_output", "sequence_output");
        ArrayNode inputs = (ArrayNode) root.get("inputs");
        ObjectNode dense = inputs.addObject().put("name", "dense_inputs").put("datatype", "FP32");
        dense.putArray("shape").add(in.batchSize()).add(in.denseLength()).add(16);
        ArrayNode data = dense.putArray("data");
        for (float f : in.denseInputs()) {
            data.add(f);
        }
        for (String name : new String[] {"dense_mask", "dense_type_ids"}) {
            ObjectNode t = inputs.addObject().put("name", name).put("datatype", "INT32");
            t.putArray("shape").add(in.batchSize()).add(in.denseLength());
            ArrayNode d = t.putArray("data");
            for (int v : name.equals("dense_mask") ? in.denseMask() : in.denseTypeIds()) {
                d.add(v);
            }
        }
        return root.toString();
    }

    @Test
    void denseInputsAreServedAndDifferentSplitsNeverShareACall() throws Exception {
        SparseMixerEncoder encoder;
        try (RandomWeights weights = new RandomWeights(CONFIG, 3)) {
            encoder = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(1));
        }
        try (encoder; InferenceServer server = InferenceServer.start(encoder, "dense",
                ServerOptions.defaults(0).withWarmup(1).withBatching(8, 100_000, 64))) {
            TestServer.Client t = new TestServer.Client(server);
            JsonNode meta = Oip.parse(t.get("/v2/models/dense").body());
            assertEquals(6, meta.get("inputs").size(), meta.toString());
            assertEquals("{\"name\":\"dense_inputs\",\"datatype\":\"FP32\",\"shape\":[-1,-1,16]}", meta.get("inputs").get(3).toString());
            assertEquals("[-1,-1]", meta.get("inputs").get(0).get("shape").toString());
            List<EncoderInput> inputs = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                inputs.add(input(1 + c % 2, c % 2 == 0 ? 6 : 4, c));
            }
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (EncoderInput in : inputs) {
                    String body = request(in);
                    responses.add(pool.submit(() -> t.post("/v2/models/dense/infer", body)));
                }
                for (int c = 0; c < inputs.size(); c++) {
                    HttpResponse<String> r = responses.get(c).get();
                    assertEquals(200, r.statusCode(), r.body());
                    JsonNode resp = Oip.parse(r.body());
                    var alone = encoder.encode(inputs.get(c));
                    Oip.assertBitsEqual("client " + c, alone.pooledOutput(), Oip.floats(Oip.output(resp, "pooled_output")));
                    Oip.assertBitsEqual("client " + c, alone.sequenceOutput(), Oip.floats(Oip.output(resp, "sequence_output")));
                }
            }
            // A split that does not add up to max_sequence_length.
            String bad = request(input(1, 6, 9)).replace("\"shape\":[1,2,16]", "\"shape\":[1,1,32]");
            HttpResponse<String> r = t.post("/v2/models/dense/infer", bad);
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("dense_inputs"), r.body());
        }
    }
}
