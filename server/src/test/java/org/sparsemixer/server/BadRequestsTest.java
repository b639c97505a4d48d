package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsemixer.engine.EncoderInput;

/** Malformed, misshapen, mistyped, out-of-range and oversized requests get a 4xx naming the problem; serving goes on. */
@Timeout(120)
class BadRequestsTest {
    private static TestServer t;
    private static String valid;

    @BeforeAll
    static void start() {
        // Small limits: a 4 KB body, 4 sequences per call.
        t = new TestServer(Fixtures.LINEAR, TestServer.options().withBatching(4, 1000, 8).withLimits(30_000, 4096, 30_000));
        valid = Oip.request(Fixtures.slice(Fixtures.inputs(Fixtures.LINEAR), 0, 1), "INT32", "pooled_output").toString();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static void assertStillServing() throws Exception {
        assertEquals(200, t.post("/v2/models/m/infer", valid).statusCode());
    }

    private static void assertError(HttpResponse<String> r, int status, String fragment) {
        assertEquals(status, r.statusCode(), r.body());
        String error = Oip.parse(r.body()).get("error").asText();
        assertTrue(error.contains(fragment), "'" + error + "' should mention '" + fragment + "'");
    }

    /** Each row: a regular expression to replace in the valid request, its replacement, a fragment of the error. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"datatype\":\"INT32\"|\"datatype\":\"FP32\"|datatype FP32; expected INT32 or INT64",
        "\"datatype\":\"INT32\"|\"datatype\":\"BYTES\"|datatype BYTES; expected INT32 or INT64",
        "\"datatype\":\"INT32\"|\"datatype\":\"FP16\"|datatype 'FP16'",
        "\"datatype\":\"INT32\"|\"datatype\":\"int32\"|datatype 'int32'",
        "\"shape\":\\[1,16\\]|\"shape\":[2,16]|(32 values) but 16 values",
        "\"shape\":\\[1,16\\]|\"shape\":[16,1]|[batch, 16]",
        "\"shape\":\\[1,16\\]|\"shape\":[1,-16]|negative dimension",
        "\"shape\":\\[1,16\\]|\"shape\":[4294967296,4294967296]|too large",
        "\"shape\":\\[1,16\\]|\"shape\":\"x\"|'shape' array",
        "\"data\":\\[[0-9]+,|\"data\":[100,|outside [0, 100)",
        "\"data\":\\[[0-9]+,|\"data\":[-1,|outside [0, 100)",
        "\"data\":\\[[0-9]+,|\"data\":[1.5,|not an integer",
        "\"data\":\\[[0-9]+,|\"data\":[\"7\",|where a number belongs",
        "\"data\":\\[[0-9]+,|\"data\":[99999999999,|32-bit range",
        "\"name\":\"input_mask\"|\"name\":\"input_word_ids\"|given twice",
        "\"name\":\"input_mask\"|\"name\":\"attention_mask\"|unknown input 'attention_mask'",
        "\"name\":\"pooled_output\"|\"name\":\"logits\"|unknown output 'logits'",
        "\"inputs\":|\"id\":7,\"inputs\":|'id' must be a string",
        "\"inputs\":|\"parameters\":{\"timeout\":-5},\"inputs\":|timeout",
        "\"inputs\":|\"inputs\":[],\"x\":|'inputs' must be a non-empty array",
        "\\}\\]\\}$|}]}}|malformed JSON",
        "^\\{|{\"id\":\"a\",\"id\":\"b\",|malformed JSON",
    })
    void badInferRequestsAre400WithAMessage(String pattern, String replacement, String fragment) throws Exception {
        String body = valid.replaceFirst(pattern, java.util.regex.Matcher.quoteReplacement(replacement));
        assertTrue(!body.equals(valid), "the pattern " + pattern + " must change the request");
        assertError(t.post("/v2/models/m/infer", body), 400, fragment);
        assertStillServing();
    }

    @Test
    void maskValuesOtherThanZeroOrOneAre400() throws Exception {
        EncoderInput in = Fixtures.slice(Fixtures.inputs(Fixtures.LINEAR), 0, 1);
        in.mask()[3] = 2;
        assertError(t.post("/v2/models/m/infer", Oip.request(in, "INT32").toString()), 400, "input_mask[0][3] = 2");
        assertStillServing();
    }

    @Test
    void missingInputsNotJsonAndEmptyBodiesAre400() throws Exception {
        ObjectNode r = (ObjectNode) Oip.parse(valid);
        ((com.fasterxml.jackson.databind.node.ArrayNode) r.get("inputs")).remove(2);
        assertError(t.post("/v2/models/m/infer", r.toString()), 400, "input 'input_type_ids' is missing");
        assertError(t.post("/v2/models/m/infer", "[1, 2]"), 400, "JSON object");
        assertError(t.post("/v2/models/m/infer", "not json"), 400, "malformed JSON");
        assertError(t.post("/v2/models/m/infer", ""), 400, "");
        assertStillServing();
    }

    @Test
    void textForAModelWithoutTokenizerIs400NamingTheFilesItWouldNeed() throws Exception {
        String oip = "{\"inputs\":[{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"hi\"]}]}";
        String want = "input 'text': the model has no tokenizer, so it takes no text; its directory would need"
                + " tokenizer.model or vocab.txt (with text_input.json";
        assertError(t.post("/v2/models/m/infer", oip), 400, want);
        assertError(t.post("/v1/models/m:predict", "{\"instances\": [\"hi\"]}"), 400, want);
        assertError(t.post("/v1/models/m:predict", "{\"inputs\": {\"text\": [\"hi\"]}}"), 400, want);
        assertError(t.post("/v1/models/m:predict", "{\"instances\": [{\"text_pair\": \"hi\"}]}"), 400,
                "input 'text_pair': the model has no tokenizer");
        assertEquals(3, Oip.parse(t.get("/v2/models/m").body()).get("inputs").size(), "no text inputs listed");
        assertStillServing();
    }

    @Test
    void moreSequencesThanMaxBatchIs400() throws Exception {
        EncoderInput five = EncoderInput.sample(t.encoder.config(), 5, 3);
        assertError(t.post("/v2/models/m/infer", Oip.request(five, "INT32", "pooled_output").toString()), 400,
                "more than --max-batch 4");
        assertStillServing();
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        EncoderInput four = EncoderInput.sample(t.encoder.config(), 4, 3);
        String big = Oip.request(four, "INT64").put("id", "x".repeat(5000)).toString();
        assertTrue(big.length() > 4096);
        assertError(t.post("/v2/models/m/infer", big), 413, "over the limit of 4096 bytes");
        assertStillServing();
    }

    @Test
    void aBodyShorterThanItsContentLengthIs400() throws Exception {
        byte[] body = valid.getBytes(StandardCharsets.UTF_8);
        try (Socket s = RawHttp.connect(t.server.port())) {
            RawHttp.sendPost(s, "/v2/models/m/infer", body.length + 100, body);
            s.shutdownOutput(); // the promised bytes never come
            RawHttp.Response r = RawHttp.read(s);
            assertEquals(400, r.status(), r.headers() + r.body());
            assertTrue(r.body().contains("error"), r.body());
        }
        assertStillServing();
    }

    @Test
    void aBodyLongerThanItsContentLengthIsCutAndRefused() throws Exception {
        byte[] body = valid.getBytes(StandardCharsets.UTF_8);
        try (Socket s = RawHttp.connect(t.server.port())) {
            RawHttp.sendPost(s, "/v2/models/m/infer", body.length - 10, body);
            RawHttp.Response r = RawHttp.read(s);
            assertEquals(400, r.status(), r.body());
            assertTrue(Oip.parse(r.body()).get("error").asText().contains("malformed JSON"), r.body());
        }
        assertStillServing();
    }
}
