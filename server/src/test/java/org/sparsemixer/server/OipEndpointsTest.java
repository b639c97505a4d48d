package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/** Every Open Inference Protocol endpoint over real HTTP, and JSON infer against the golden fixture. */
class OipEndpointsTest extends SharedServerTest {

    @Test
    void healthAndServerMetadata() throws Exception {
        assertEquals(200, t.get("/v2/health/live").statusCode());
        HttpResponse<String> ready = t.get("/v2/health/ready");
        assertEquals(200, ready.statusCode());
        assertTrue(Oip.parse(ready.body()).get("ready").asBoolean());
        JsonNode server = Oip.parse(t.get("/v2").body());
        assertEquals("sparse-mixer", server.get("name").asText());
        assertTrue(server.get("extensions").toString().contains("binary_tensor_data"), server.toString());
    }

    @Test
    void modelMetadataListsInputsAndOutputsWithBatchDimension() throws Exception {
        for (String path : new String[] {"/v2/models/m", "/v2/models/m/versions/1"}) {
            HttpResponse<String> r = t.get(path);
            assertEquals(200, r.statusCode(), path);
            JsonNode m = Oip.parse(r.body());
            assertEquals("m", m.get("name").asText());
            assertEquals("[\"1\"]", m.get("versions").toString());
            assertEquals("{\"name\":\"input_word_ids\",\"datatype\":\"INT32\",\"shape\":[-1,16]}", m.get("inputs").get(0).toString());
            assertEquals(3, m.get("inputs").size());
            assertEquals("{\"name\":\"pooled_output\",\"datatype\":\"FP32\",\"shape\":[-1,32]}", m.get("outputs").get(0).toString());
            assertEquals("[-1,16,32]", m.get("outputs").get(1).get("shape").toString());
            assertEquals("[6,-1,16,32]", m.get("outputs").get(2).get("shape").toString());
        }
        assertEquals(200, t.get("/v2/models/m/ready").statusCode());
        assertEquals(200, t.get("/v2/models/m/versions/1/ready").statusCode());
    }

    @Test
    void unknownModelVersionOrPathIs404WithErrorMessage() throws Exception {
        for (String path : new String[] {"/v2/models/other", "/v2/models/other/ready", "/v2/models/m/versions/2",
            "/v2/models/m/versions/2/ready", "/v3/nothing"}) {
            HttpResponse<String> r = t.get(path);
            assertEquals(404, r.statusCode(), path);
            assertFalse(Oip.parse(r.body()).get("error").asText().isEmpty(), path);
        }
        EncoderInput in = Fixtures.slice(Fixtures.inputs(Fixtures.LINEAR), 0, 1);
        HttpResponse<String> r = t.post("/v2/models/other/infer", Oip.request(in, "INT32").toString());
        assertEquals(404, r.statusCode());
        assertTrue(Oip.parse(r.body()).get("error").asText().contains("unknown model 'other'"), r.body());
    }

    @Test
    void inferMatchesTheGoldenFixtureAndTheDirectApiBitForBit() throws Exception {
        EncoderInput input = Fixtures.inputs(Fixtures.LINEAR);
        EncoderOutput want = Fixtures.expected(Fixtures.LINEAR);
        EncoderOutput direct = t.encoder.encode(input);
        for (String path : new String[] {"/v2/models/m/infer", "/v2/models/m/versions/1/infer"}) {
            String body = Oip.request(input, "INT64").put("id", "req-7").toString();
            HttpResponse<String> r = t.post(path, body);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode resp = Oip.parse(r.body());
            assertEquals("req-7", resp.get("id").asText());
            assertEquals("m", resp.get("model_name").asText());
            // No outputs named: every output, as the protocol says.
            JsonNode pooled = Oip.output(resp, "pooled_output");
            JsonNode seq = Oip.output(resp, "sequence_output");
            JsonNode layers = Oip.output(resp, "encoder_outputs");
            assertEquals("[2,32]", pooled.get("shape").toString());
            assertEquals("[2,16,32]", seq.get("shape").toString());
            assertEquals("[6,2,16,32]", layers.get("shape").toString());
            assertEquals("FP32", pooled.get("datatype").asText());
            Tolerance.assertClose("pooled_output", want.pooledOutput(), Oip.floats(pooled));
            Tolerance.assertClose("sequence_output", want.sequenceOutput(), Oip.floats(seq));
            Tolerance.assertClose("encoder_outputs", want.encoderOutputs(), Oip.floats(layers));
            Oip.assertBitsEqual("pooled_output", direct.pooledOutput(), Oip.floats(pooled));
            Oip.assertBitsEqual("sequence_output", direct.sequenceOutput(), Oip.floats(seq));
            Oip.assertBitsEqual("encoder_outputs", direct.encoderOutputs(), Oip.floats(layers));
        }
    }

    @Test
    void onlyTheRequestedOutputsAreReturned() throws Exception {
        EncoderInput input = Fixtures.inputs(Fixtures.LINEAR);
        HttpResponse<String> r = t.post("/v2/models/m/infer", Oip.request(input, "INT32", "pooled_output").toString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode resp = Oip.parse(r.body());
        assertEquals(1, resp.get("outputs").size());
        assertNull(Oip.output(resp, "sequence_output"));
        assertFalse(r.body().contains("sequence_output"));
        assertFalse(resp.has("id"));
        Tolerance.assertClose("pooled_output", Fixtures.expected(Fixtures.LINEAR).pooledOutput(),
                Oip.floats(Oip.output(resp, "pooled_output")));

        r = t.post("/v2/models/m/infer", Oip.request(input, "INT32", "sequence_output", "pooled_output").toString());
        resp = Oip.parse(r.body());
        assertEquals("sequence_output", resp.get("outputs").get(0).get("name").asText(), "the requested order");
        assertEquals(2, resp.get("outputs").size());
    }

    @Test
    void nestedDataIsAcceptedLikeFlatData() throws Exception {
        EncoderInput input = Fixtures.slice(Fixtures.inputs(Fixtures.LINEAR), 1, 1);
        String flat = Oip.request(input, "INT32", "pooled_output").toString();
        StringBuilder ids = new StringBuilder("[[");
        for (int i = 0; i < input.wordIds().length; i++) {
            ids.append(i == 0 ? "" : ",").append(input.wordIds()[i]);
        }
        ids.append("]]");
        String nested = flat.replaceFirst("\"data\":\\[[^\\]]*\\]", "\"data\":" + ids);
        assertTrue(nested.contains("[[" + input.wordIds()[0]), nested);
        assertEquals(t.post("/v2/models/m/infer", flat).body(), t.post("/v2/models/m/infer", nested).body());
    }
}
