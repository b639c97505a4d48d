package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.BatchFiles;
import org.sparsemixer.tokenizer.TextFixtures;

/**
 * {@code run --text/--text-pair/--texts} with a model directory that carries the fixture WordPiece
 * vocabulary: the encoder gets exactly the packed inputs of packing.jsonl (its seq_length 8 cases), checked
 * by comparing with {@code run --inputs} on those expected inputs; and the errors.
 */
class RunTextCliTest {
    @TempDir
    Path dir;
    Path model;
    List<JsonNode> cases;

    @BeforeEach
    void model() throws IOException {
        // The small test model, with the fixture vocabulary's size and S = 8.
        SparseMixerConfig c = new SparseMixerConfig(2000, TestModels.HIDDEN, TestModels.LAYERS, List.of(1), List.of(0),
                TestModels.EXPERTS, 1.0, 1.0, 1.0, MixingMechanism.LINEAR, false, 2, 8, 2, 32,
                SparseMixerConfig.GELU_APPROXIMATE, null, TestModels.HIDDEN, false, false);
        model = TestModels.writeModel(dir.resolve("model"), c, 5);
        Files.copy(TextFixtureFiles.tokenizerFile("wp_uncased"), model.resolve("vocab.txt"));
        cases = new ArrayList<>();
        for (JsonNode k : TextFixtures.lines(TextFixtureFiles.file("packing.jsonl"))) {
            if (k.get("tokenizer").textValue().equals("wp_uncased") && k.get("seq_length").intValue() == 8
                    && k.get("truncator").textValue().equals("waterfall")) {
                cases.add(k);
            }
        }
        assertTrue(cases.size() >= 10, "seq_length 8 waterfall cases: " + cases.size());
    }

    private void textConfig(String json) throws IOException {
        Files.writeString(model.resolve("text_input.json"), json);
    }

    /** The output of run --inputs on the cases' expected packed inputs. */
    private byte[] expectedOutput(List<JsonNode> rows) throws IOException {
        int[][] ids = new int[rows.size()][];
        int[][] mask = new int[rows.size()][];
        int[][] types = new int[rows.size()][];
        for (int b = 0; b < rows.size(); b++) {
            ids[b] = TextFixtures.ints(rows.get(b).get("input_word_ids"));
            mask[b] = TextFixtures.ints(rows.get(b).get("input_mask"));
            types[b] = TextFixtures.ints(rows.get(b).get("input_type_ids"));
        }
        Path inputs = dir.resolve("inputs.safetensors");
        BatchFiles.writeInputs(inputs, EncoderInput.of(ids, mask, types));
        Path out = dir.resolve("expected.safetensors");
        Cli.assertOk(Cli.run("run", "--model", model.toString(), "--inputs", inputs.toString(), "--threads", "1",
                "--output", out.toString()));
        return Files.readAllBytes(out);
    }

    @Test
    void textAndTextPairGiveThePackedInputs() throws IOException {
        textConfig("{\"lower_case\": true, \"truncator\": \"waterfall\"}");
        for (JsonNode c : cases.subList(0, 4)) {
            List<String> texts = TextFixtures.strings(c.get("texts"));
            List<String> args = new ArrayList<>(List.of("run", "--model", model.toString(), "--threads", "1",
                    "--output", dir.resolve("got.safetensors").toString(), "--text", texts.get(0)));
            if (texts.size() == 2) {
                args.addAll(List.of("--text-pair", texts.get(1)));
            }
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            Cli.assertOk(r);
            assertTrue(r.out().contains("--text"), r.out());
            assertArrayEquals(expectedOutput(List.of(c)), Files.readAllBytes(dir.resolve("got.safetensors")),
                    c.get("kind").textValue());
        }
    }

    @Test
    void textsFileIsOneBatch() throws IOException {
        textConfig("{\"lower_case\": true, \"truncator\": \"waterfall\"}");
        StringBuilder lines = new StringBuilder();
        for (JsonNode c : cases) {
            var o = TextFixtures.JSON.createObjectNode();
            TextFixtures.strings(c.get("texts")).forEach(o.putArray("texts")::add);
            lines.append(TextFixtures.JSON.writeValueAsString(o)).append('\n');
        }
        Path texts = Files.writeString(dir.resolve("texts.jsonl"), lines.toString());
        Path got = dir.resolve("got.safetensors");
        Cli.Result r = Cli.run("run", "--model", model.toString(), "--texts", texts.toString(), "--threads", "1",
                "--output", got.toString());
        Cli.assertOk(r);
        assertTrue(r.out().contains("batch " + cases.size()), r.out());
        assertArrayEquals(expectedOutput(cases), Files.readAllBytes(got));
    }

    @Test
    void inspectShowsTheTokenizerAndValidatesIt() throws IOException {
        textConfig("{\"lower_case\": true, \"truncator\": \"waterfall\"}");
        Cli.Result text = Cli.run("inspect", "--model", model.toString());
        Cli.assertOk(text);
        assertTrue(text.out().contains("tokenizer:   vocab.txt (wordpiece, 2000 entries, waterfall)"), text.out());
        JsonNode t = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Cli.run("inspect", "--model", model.toString(), "--json").out()).get("tokenizer");
        assertEquals("vocab.txt", t.get("file").textValue());
        assertEquals("wordpiece", t.get("kind").textValue());
        assertEquals(2000, t.get("vocab_size").intValue());
        assertEquals("waterfall", t.get("truncator").textValue());
        // a tokenizer the model cannot load is an error of the model directory, as for run --text
        textConfig("{\"lower_case\": true, \"casing\": 1}");
        Cli.assertBadInput(Cli.run("inspect", "--model", model.toString()), "casing");
        // none at all: token ids only
        Files.delete(model.resolve("vocab.txt"));
        Files.delete(model.resolve("text_input.json"));
        Cli.Result none = Cli.run("inspect", "--model", model.toString());
        Cli.assertOk(none);
        assertTrue(none.out().contains("tokenizer:   none"), none.out());
        assertTrue(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Cli.run("inspect", "--model", model.toString(), "--json").out()).get("tokenizer").isNull());
    }

    @Test
    void errors() throws IOException {
        String m = model.toString();
        Cli.assertBadInput(Cli.run("run", "--model", m, "--text", "hello"), "lower_case", "text_input.json");
        textConfig("{\"lower_case\": true, \"casing\": 1}");
        Cli.assertBadInput(Cli.run("run", "--model", m, "--text", "hello"), "casing");
        textConfig("{\"lower_case\": true}");
        Cli.assertBadInput(Cli.run("run", "--text", "hello"), "--model", "tokenizer");
        Cli.assertBadInput(Cli.run("run", "--model", m, "--text-pair", "hello"), "--text");
        Cli.assertBadInput(Cli.run("run", "--model", m, "--text", "a", "--batch", "2"), "--batch");
        Cli.assertBadInput(Cli.run("run", "--model", m, "--text", "a", "--texts", "x.jsonl"), "--texts");
        Path texts = Files.writeString(dir.resolve("t.jsonl"), "{\"texts\": [\"a\", \"b\", \"c\"]}\n");
        Cli.assertBadInput(Cli.run("run", "--model", m, "--texts", texts.toString()), "line", "1", "type_vocab_size");
        Files.writeString(texts, "\n");
        Cli.assertBadInput(Cli.run("run", "--model", m, "--texts", texts.toString()), "no", "texts");
        Files.delete(model.resolve("vocab.txt"));
        Files.delete(model.resolve("text_input.json"));
        Cli.assertBadInput(Cli.run("run", "--model", m, "--text", "a"), "tokenizer");
        // A vocabulary larger than the model's vocab_size.
        Path small = TestModels.writeModel(dir.resolve("small"), TestModels.small(), 1);
        Files.copy(TextFixtureFiles.tokenizerFile("wp_uncased"), small.resolve("vocab.txt"));
        Files.writeString(small.resolve("text_input.json"), "{\"lower_case\": true}");
        Cli.assertBadInput(Cli.run("run", "--model", small.toString(), "--text", "a"), "2000", "vocab_size", "37");
        assertEquals(0, Cli.run("run", "--model", m, "--threads", "1").exitCode());
    }
}
