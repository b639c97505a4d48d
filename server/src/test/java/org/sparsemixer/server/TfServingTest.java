package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/** The TensorFlow Serving REST API: status, row and columnar predict. */
class TfServingTest extends SharedServerTest {

    private static ArrayNode row(ArrayNode parent, int[] values, int from, int length) {
        ArrayNode a = parent == null ? Oip.JSON.createArrayNode() : parent.addArray();
        for (int i = 0; i < length; i++) {
            a.add(values[from + i]);
        }
        return a;
    }

    /** Nested [S][H] or [H] JSON as float32 from its decimal text. */
    static float[] flatten(JsonNode node) {
        java.util.List<Float> out = new java.util.ArrayList<>();
        collect(node, out);
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.get(i);
        }
        return f;
    }

    private static void collect(JsonNode node, java.util.List<Float> out) {
        if (node.isArray()) {
            node.forEach(n -> collect(n, out));
        } else {
            out.add(Float.parseFloat(node.decimalValue().toString()));
        }
    }

    @Test
    void statusSaysAvailable() throws Exception {
        HttpResponse<String> r = t.get("/v1/models/m");
        assertEquals(200, r.statusCode());
        assertEquals("AVAILABLE", Oip.parse(r.body()).get("model_version_status").get(0).get("state").asText());
        assertEquals(200, t.get("/v1/models/m/versions/1").statusCode());
        assertEquals(404, t.get("/v1/models/other").statusCode());
    }

    @Test
    void rowFormatPredictGivesEachInstanceItsOutputs() throws Exception {
        EncoderInput input = Fixtures.inputs(Fixtures.LINEAR);
        EncoderOutput direct = t.encoder.encode(input);
        ObjectNode root = Oip.JSON.createObjectNode();
        ArrayNode instances = root.putArray("instances");
        int s = input.wordLength();
        for (int b = 0; b < input.batchSize(); b++) {
            ObjectNode inst = instances.addObject();
            inst.set("input_word_ids", row(null, input.wordIds(), b * s, s));
            inst.set("input_mask", row(null, input.mask(), b * s, s));
            inst.set("input_type_ids", row(null, input.typeIds(), b * s, s));
        }
        for (String path : new String[] {"/v1/models/m:predict", "/v1/models/m/versions/1:predict"}) {
            HttpResponse<String> r = t.post(path, root.toString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode predictions = Oip.parse(r.body()).get("predictions");
            assertEquals(2, predictions.size());
            for (int b = 0; b < 2; b++) {
                float[] pooled = flatten(predictions.get(b).get("pooled_output"));
                float[] wantPooled = java.util.Arrays.copyOfRange(direct.pooledOutput(), b * 32, (b + 1) * 32);
                Oip.assertBitsEqual("instance " + b + " pooled", wantPooled, pooled);
                assertEquals(16, predictions.get(b).get("sequence_output").size());
                float[] seq = flatten(predictions.get(b).get("sequence_output"));
                Oip.assertBitsEqual("instance " + b + " sequence",
                        java.util.Arrays.copyOfRange(direct.sequenceOutput(), b * 16 * 32, (b + 1) * 16 * 32), seq);
                assertFalse(predictions.get(b).has("encoder_outputs"));
            }
        }
    }

    @Test
    void columnarPredictWithOutputFilter() throws Exception {
        EncoderInput input = Fixtures.inputs(Fixtures.LINEAR);
        EncoderOutput direct = t.encoder.encode(input);
        ObjectNode root = Oip.JSON.createObjectNode();
        ObjectNode inputs = root.putObject("inputs");
        int s = input.wordLength();
        String[] names = {"input_word_ids", "input_mask", "input_type_ids"};
        int[][] values = {input.wordIds(), input.mask(), input.typeIds()};
        for (int i = 0; i < 3; i++) {
            ArrayNode rows = inputs.putArray(names[i]);
            for (int b = 0; b < input.batchSize(); b++) {
                row(rows, values[i], b * s, s);
            }
        }
        root.putArray("output_filter").add("pooled_output");
        HttpResponse<String> r = t.post("/v1/models/m:predict", root.toString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode outputs = Oip.parse(r.body()).get("outputs");
        assertEquals(1, outputs.size());
        assertEquals(2, outputs.get("pooled_output").size());
        Oip.assertBitsEqual("pooled", direct.pooledOutput(), flatten(outputs.get("pooled_output")));
    }

    @Test
    void badPredictRequestsAre4xx() throws Exception {
        String[][] cases = {
            {"{\"instances\": [], \"inputs\": {}}", "exactly one of"},
            {"{\"instances\": []}", "non-empty"},
            {"{\"instances\": [{\"input_word_ids\": [1,2]}]}", "has no input 'input_mask'"},
            {"{\"instances\": [{\"bogus\": [1]}]}", "unknown input 'bogus'"},
            {"{\"inputs\": {\"input_word_ids\": [[1,2],[3]]}}", "rectangular"},
            {"{\"inputs\": {\"input_word_ids\": [[1]], \"input_mask\": [[1]], \"input_type_ids\": [[0]]}}", "[batch, 16]"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = t.post("/v1/models/m:predict", c[0]);
            assertEquals(400, r.statusCode(), c[0] + " -> " + r.body());
            assertTrue(Oip.parse(r.body()).get("error").asText().contains(c[1]), c[0] + " -> " + r.body());
        }
        assertEquals(404, t.post("/v1/models/m:classify", "{}").statusCode());
        assertEquals(404, t.post("/v1/models/other:predict", "{}").statusCode());
    }
}
