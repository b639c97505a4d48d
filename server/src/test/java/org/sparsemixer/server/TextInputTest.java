package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.WeightPrecision;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.ConfigJson;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.ModelTokenizer;
import org.sparsemixer.loader.RandomWeights;
import org.sparsemixer.tokenizer.PackedBatch;

/**
 * The {@code text} / {@code text_pair} inputs of a model directory with a tokenizer (the linear golden
 * fixture, vocab_size 100, with the 58-entry cased WordPiece vocabulary of the tokenizer fixtures): every
 * protocol's text gives bit for bit what the direct API gives on ModelTokenizer's packed ids.
 */
@Timeout(120)
class TextInputTest {
    private static final List<String> TEXTS = List.of("Hello World!", "hello, café [MASK] Straße 中文");
    private static final List<String> PAIRS = List.of("world.", "É İ ﬁ");

    @TempDir
    static Path tmp;
    private static Path modelDir;
    private static ModelTokenizer tokenizer;
    private static TestServer t;

    @BeforeAll
    static void start() throws IOException {
        modelDir = textModel(tmp.resolve("text-model"), "{\"lower_case\": false}");
        tokenizer = ModelTokenizer.load(modelDir, Fixtures.load(Fixtures.LINEAR).config()).orElseThrow();
        t = new TestServer(ModelLoader.load(modelDir, EncoderOptions.threads(2)), tokenizer, TestServer.options(),
                UnaryOperator.identity());
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    /** The linear fixture's model files, the cased vocabulary as vocab.txt and {@code textInput} as text_input.json. */
    static Path textModel(Path dir, String textInput) throws IOException {
        Files.createDirectories(dir);
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(Fixtures.model(Fixtures.LINEAR).resolve(f), dir.resolve(f));
        }
        try (var vocab = TextInputTest.class.getResourceAsStream("/fixtures/text/vocab.txt")) {
            Files.copy(vocab, dir.resolve(ModelTokenizer.WORDPIECE_FILE));
        }
        Files.writeString(dir.resolve(ModelTokenizer.TEXT_CONFIG_FILE), textInput);
        return dir;
    }

    /** What the direct API gives on the tokenizer's packed ids of {@code texts} (paired with {@code pairs} unless null). */
    private static EncoderOutput direct(List<String> texts, List<String> pairs) {
        List<List<String>> examples = new ArrayList<>();
        for (int b = 0; b < texts.size(); b++) {
            examples.add(pairs == null ? List.of(texts.get(b)) : List.of(texts.get(b), pairs.get(b)));
        }
        PackedBatch packed = tokenizer.packBatch(examples);
        return t.encoder.encode(EncoderInput.of(packed.inputWordIds(), packed.inputMask(), packed.inputTypeIds()));
    }

    private static ObjectNode textTensor(ArrayNode inputs, String name, List<?> values, long... shape) {
        ObjectNode tensor = inputs.addObject().put("name", name).put("datatype", "BYTES");
        ArrayNode s = tensor.putArray("shape");
        for (long d : shape) {
            s.add(d);
        }
        ArrayNode data = tensor.putArray("data");
        values.forEach(v -> data.addPOJO(v));
        return tensor;
    }

    private static ObjectNode textRequest(List<String> texts, List<String> pairs) {
        ObjectNode root = Oip.JSON.createObjectNode();
        ArrayNode inputs = root.putArray("inputs");
        textTensor(inputs, "text", texts, texts.size());
        if (pairs != null) {
            textTensor(inputs, "text_pair", pairs, pairs.size());
        }
        return root;
    }

    private static void assertSameOutputs(EncoderOutput want, JsonNode response) {
        Oip.assertBitsEqual("pooled_output", want.pooledOutput(), Oip.floats(Oip.output(response, "pooled_output")));
        Oip.assertBitsEqual("sequence_output", want.sequenceOutput(), Oip.floats(Oip.output(response, "sequence_output")));
    }

    private static void assertError(HttpResponse<String> r, String fragment) {
        assertEquals(400, r.statusCode(), r.body());
        String error = Oip.parse(r.body()).get("error").asText();
        assertTrue(error.contains(fragment), "'" + error + "' should contain '" + fragment + "'");
    }

    @Test
    void metadataListsTextInputsBesideTheIdInputs() throws Exception {
        HttpResponse<String> r = t.get("/v2/models/m");
        assertEquals(200, r.statusCode());
        JsonNode inputs = Oip.parse(r.body()).get("inputs");
        assertEquals(5, inputs.size(), r.body());
        assertEquals("input_word_ids", inputs.get(0).get("name").asText());
        assertEquals("[-1,16]", inputs.get(0).get("shape").toString());
        for (int i = 0; i < 2; i++) {
            JsonNode text = inputs.get(3 + i);
            assertEquals(i == 0 ? "text" : "text_pair", text.get("name").asText());
            assertEquals("BYTES", text.get("datatype").asText());
            assertEquals("[-1]", text.get("shape").toString());
        }
    }

    @Test
    void jsonTextIsTheWordPieceIdsSpelledOut() throws Exception {
        // "Hello World!" in the cased vocabulary: [CLS]=2 Hello=10 World=12 !=5 [SEP]=3, [PAD]=0 (by hand).
        int[] ids = new int[16];
        int[] mask = new int[16];
        int[] handIds = {2, 10, 12, 5, 3};
        System.arraycopy(handIds, 0, ids, 0, 5);
        Arrays.fill(mask, 0, 5, 1);
        EncoderInput byHand = new EncoderInput(1, 16, ids, mask, new int[16], 0, null, null, null);
        HttpResponse<String> fromIds = t.post("/v2/models/m/infer", Oip.request(byHand, "INT32").toString());
        HttpResponse<String> fromText = t.post("/v2/models/m/infer", textRequest(List.of("Hello World!"), null).toString());
        assertEquals(200, fromIds.statusCode(), fromIds.body());
        assertEquals(200, fromText.statusCode(), fromText.body());
        assertSameOutputs(t.encoder.encode(byHand), Oip.parse(fromText.body()));
        assertSameOutputs(direct(List.of("Hello World!"), null), Oip.parse(fromIds.body()));
    }

    @Test
    void jsonTextAndPairsMatchTheDirectApi() throws Exception {
        HttpResponse<String> r = t.post("/v2/models/m/infer", textRequest(TEXTS, null).toString());
        assertEquals(200, r.statusCode(), r.body());
        assertSameOutputs(direct(TEXTS, null), Oip.parse(r.body()));

        r = t.post("/v2/models/m/infer", textRequest(TEXTS, PAIRS).toString());
        assertEquals(200, r.statusCode(), r.body());
        assertSameOutputs(direct(TEXTS, PAIRS), Oip.parse(r.body()));

        // Triton's batched [1] strings: shape [B, 1].
        ObjectNode root = Oip.JSON.createObjectNode();
        ArrayNode inputs = root.putArray("inputs");
        textTensor(inputs, "text", TEXTS, 2, 1);
        textTensor(inputs, "text_pair", PAIRS, 2, 1);
        r = t.post("/v2/models/m/infer", root.toString());
        assertEquals(200, r.statusCode(), r.body());
        assertSameOutputs(direct(TEXTS, PAIRS), Oip.parse(r.body()));
    }

    /** Triton's binary BYTES: per element a 4-byte little-endian length, then the UTF-8 bytes. */
    private static byte[] bytesTensor(List<byte[]> elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] e : elements) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(e.length).array());
            out.writeBytes(e);
        }
        return out.toByteArray();
    }

    private static List<byte[]> utf8(List<String> texts) {
        return texts.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static HttpResponse<byte[]> postBinaryText(List<byte[]> texts, List<byte[]> pairs) throws Exception {
        return postBinary(texts.size(), new String[] {"text", "text_pair"}, bytesTensor(texts), bytesTensor(pairs));
    }

    /** Binary BYTES tensors of shape [batch, 1] named {@code names}, their serialized {@code data} after the header. */
    private static HttpResponse<byte[]> postBinary(int batch, String[] names, byte[]... data) throws Exception {
        ObjectNode root = Oip.JSON.createObjectNode();
        ArrayNode inputs = root.putArray("inputs");
        byte[] binary = new byte[0];
        for (int i = 0; i < names.length; i++) {
            inputs.addObject().put("name", names[i]).put("datatype", "BYTES").<ObjectNode>set("shape",
                    Oip.JSON.createArrayNode().add(batch).add(1)).putObject("parameters").put("binary_data_size", data[i].length);
            binary = BinaryExtensionTest.concat(binary, data[i]);
        }
        byte[] header = root.toString().getBytes(StandardCharsets.UTF_8);
        return t.postBytes("/v2/models/m/infer", BinaryExtensionTest.concat(header, binary),
                "Inference-Header-Content-Length", Integer.toString(header.length),
                "Content-Type", "application/octet-stream");
    }

    @Test
    void binaryBytesTextMatchesTheDirectApi() throws Exception {
        HttpResponse<byte[]> r = postBinaryText(utf8(TEXTS), utf8(PAIRS));
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(200, r.statusCode(), body);
        assertSameOutputs(direct(TEXTS, PAIRS), Oip.parse(body));
    }

    @Test
    void binaryBytesThatAreNotUtf8AreRefusedNamingTheElement() throws Exception {
        List<byte[]> texts = new ArrayList<>(utf8(TEXTS));
        texts.set(1, new byte[] {'a', (byte) 0xC3, '(', 'b'});
        HttpResponse<byte[]> r = postBinaryText(texts, utf8(PAIRS));
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(400, r.statusCode(), body);
        assertTrue(body.contains("input 'text': element 1 is not valid UTF-8"), body);
    }

    @Test
    void binaryBytesWithALengthPastItsSizeAreRefused() throws Exception {
        byte[] text = bytesTensor(utf8(List.of("Hello")));
        text[0] = 50; // the length now says 50 bytes, 5 follow
        HttpResponse<byte[]> r = postBinary(1, new String[] {"text"}, text);
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(400, r.statusCode(), body);
        assertTrue(body.contains("element 0 has length 50"), body);
    }

    @Test
    void tfServingRowsOfStringsAndOfTextPairsAndColumnarText() throws Exception {
        ArrayNode strings = Oip.JSON.createArrayNode();
        TEXTS.forEach(strings::add);
        ObjectNode root = Oip.JSON.createObjectNode();
        root.set("instances", strings);
        HttpResponse<String> r = t.post("/v1/models/m:predict", root.toString());
        assertEquals(200, r.statusCode(), r.body());
        EncoderOutput want = direct(TEXTS, null);
        JsonNode predictions = Oip.parse(r.body()).get("predictions");
        for (int b = 0; b < 2; b++) {
            Oip.assertBitsEqual("instance " + b, Arrays.copyOfRange(want.pooledOutput(), b * 32, (b + 1) * 32),
                    TfServingTest.flatten(predictions.get(b).get("pooled_output")));
        }

        root = Oip.JSON.createObjectNode();
        ArrayNode instances = root.putArray("instances");
        for (int b = 0; b < 2; b++) {
            instances.addObject().put("text", TEXTS.get(b)).put("text_pair", PAIRS.get(b));
        }
        r = t.post("/v1/models/m:predict", root.toString());
        assertEquals(200, r.statusCode(), r.body());
        want = direct(TEXTS, PAIRS);
        predictions = Oip.parse(r.body()).get("predictions");
        for (int b = 0; b < 2; b++) {
            Oip.assertBitsEqual("pair instance " + b, Arrays.copyOfRange(want.sequenceOutput(), b * 512, (b + 1) * 512),
                    TfServingTest.flatten(predictions.get(b).get("sequence_output")));
        }

        root = Oip.JSON.createObjectNode();
        ObjectNode columns = root.putObject("inputs");
        TEXTS.forEach(columns.putArray("text")::add);
        PAIRS.forEach(columns.putArray("text_pair")::add);
        root.putArray("output_filter").add("pooled_output");
        r = t.post("/v1/models/m:predict", root.toString());
        assertEquals(200, r.statusCode(), r.body());
        Oip.assertBitsEqual("columnar", want.pooledOutput(), TfServingTest.flatten(Oip.parse(r.body()).get("outputs").get("pooled_output")));
    }

    @Test
    void badTextRequestsAre400NamingTheProblem() throws Exception {
        EncoderInput ids = Fixtures.slice(Fixtures.inputs(Fixtures.LINEAR), 0, 1);
        ObjectNode mixed = Oip.request(ids, "INT32");
        textTensor((ArrayNode) mixed.get("inputs"), "text", List.of("Hello"), 1);
        assertError(t.post("/v2/models/m/infer", mixed.toString()), "both text inputs [text] and id inputs [input_word_ids");

        assertError(t.post("/v2/models/m/infer", textRequest(TEXTS, List.of("one")).toString()),
                "'text_pair' has 1 strings but 'text' has 2");

        ObjectNode pairOnly = Oip.JSON.createObjectNode();
        textTensor(pairOnly.putArray("inputs"), "text_pair", List.of("x"), 1);
        assertError(t.post("/v2/models/m/infer", pairOnly.toString()), "'text_pair' is given without 'text'");

        ObjectNode numbers = Oip.JSON.createObjectNode();
        textTensor(numbers.putArray("inputs"), "text", List.of(5, 6), 2);
        assertError(t.post("/v2/models/m/infer", numbers.toString()), "data holds number '5' where a string belongs");

        // JSON escapes written by hand (a Java string with a lone surrogate would not survive UTF-8 encoding).
        String surrogates = "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[2],"
                + "\"data\":[\"ok \\ud83d\\ude00\",\"bad \\ud800 x\"]}]}";
        assertError(t.post("/v2/models/m/infer", surrogates),
                "input 'text': element 1 holds a lone surrogate \\ud800 at char 4");

        ObjectNode wrongType = textRequest(TEXTS, null);
        ((ObjectNode) wrongType.get("inputs").get(0)).put("datatype", "INT32");
        assertError(t.post("/v2/models/m/infer", wrongType.toString()), "input 'text' has datatype INT32; expected BYTES");

        ObjectNode matrix = Oip.JSON.createObjectNode();
        textTensor(matrix.putArray("inputs"), "text", List.of("a", "b"), 1, 2);
        assertError(t.post("/v2/models/m/infer", matrix.toString()), "expected [batch] or [batch, 1]");

        assertError(t.post("/v1/models/m:predict", "{\"instances\": [{\"text\": \"a\"}, {\"text\": \"b\", \"text_pair\": \"c\"}]}"),
                "instance 1 has inputs [text, text_pair] but instance 0 has [text]");
        assertError(t.post("/v1/models/m:predict", "{\"instances\": [\"a\", 7]}"), "instance 1 is number");
        assertError(t.post("/v1/models/m:predict", "{\"inputs\": {\"text\": [\"a\", 3]}}"), "where a string belongs");
        assertEquals(200, t.post("/v2/models/m/infer", textRequest(TEXTS, null).toString()).statusCode());
    }

    @Test
    void moreTextsThanTypeVocabSizeAre400() throws Exception {
        // The linear fixture's shape with type_vocab_size 1 and random weights: one text per example only.
        String json = Files.readString(Fixtures.model(Fixtures.LINEAR).resolve("config.json"))
                .replace("\"type_vocab_size\": 3", "\"type_vocab_size\": 1");
        SparseMixerConfig config = ConfigJson.parse(json);
        assertEquals(1, config.typeVocabSize());
        SparseMixerEncoder encoder;
        try (RandomWeights weights = new RandomWeights(config, 7)) {
            encoder = SparseMixerEncoder.create(config, weights, EncoderOptions.threads(1));
        }
        ModelTokenizer oneType = ModelTokenizer.load(modelDir, config).orElseThrow();
        try (TestServer s = new TestServer(encoder, oneType, TestServer.options(), UnaryOperator.identity())) {
            HttpResponse<String> r = s.post("/v2/models/m/infer", textRequest(TEXTS, PAIRS).toString());
            assertError(r, "input 'text_pair': 2 texts in one example need input_type_ids up to 1, but the model's"
                    + " type_vocab_size is 1");
            assertEquals(200, s.post("/v2/models/m/infer", textRequest(TEXTS, null).toString()).statusCode());
        }
    }

    @Test
    void serveLoadsTheModelDirectorysTokenizerAndNoneForAPreset() throws Exception {
        ServeSettings fromDir = new ServeSettings(modelDir, null, null, 1, WeightPrecision.F32, false, TestServer.options());
        ModelTokenizer loaded = Serve.loadTokenizer(fromDir, t.encoder.config());
        assertEquals(modelDir.resolve("vocab.txt"), loaded.file());
        ServeSettings preset = new ServeSettings(null, "fast", null, 1, WeightPrecision.F32, false, TestServer.options());
        assertEquals(null, Serve.loadTokenizer(preset, t.encoder.config()));
    }

    @Test
    void serveRefusesABrokenTokenizerAtStartWithOneLine() throws Exception {
        Path dir = textModel(tmp.resolve("broken"), "{\"lower_case\": false, \"colour\": 1}");
        ServeSettings settings = new ServeSettings(dir, null, null, 1, WeightPrecision.F32, false,
                TestServer.options().withWarmup(0));
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> Serve.run(settings, System.out, System.err));
        assertTrue(e.getMessage().contains("colour") && e.getMessage().contains("text_input.json"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
