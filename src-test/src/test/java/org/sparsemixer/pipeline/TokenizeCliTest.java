package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsemixer.tokenizer.TextFixtures;

/**
 * Every tokenization case and every packing case of the text fixtures through {@code sparse-mixer tokenize},
 * standard input and output, and the command's errors (exit 2, one line).
 */
class TokenizeCliTest {
    @TempDir
    Path dir;

    static List<String> tokenizers() {
        return TextFixtureFiles.TOKENIZERS;
    }

    private Path writeInput(String name, List<List<String>> examples) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (List<String> texts : examples) {
            ObjectNode o = TextFixtures.JSON.createObjectNode();
            if (texts.size() == 1) {
                o.put("text", texts.getFirst());
            } else {
                texts.forEach(o.putArray("texts")::add);
            }
            sb.append(TextFixtures.JSON.writeValueAsString(o)).append('\n');
        }
        return Files.writeString(dir.resolve(name), sb.toString(), StandardCharsets.UTF_8);
    }

    private String[] tokenizeArgs(String name, Path in, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("tokenize", "--tokenizer", TextFixtureFiles.tokenizerFile(name).toString(),
                "--input", in.toString(), "--output", out.toString()));
        if (TextFixtureFiles.lowerCase(name)) {
            args.add("--lower-case");
        }
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void everyTokenizationCase(String name) throws IOException {
        List<JsonNode> cases = TextFixtures.lines(TextFixtureFiles.file(name + ".jsonl"));
        assertEquals(425, cases.size());
        Path in = writeInput("in.jsonl", cases.stream().map(c -> List.of(c.get("text").textValue())).toList());
        Path out = dir.resolve("out.jsonl");
        Cli.assertOk(Cli.run(tokenizeArgs(name, in, out)));
        List<JsonNode> got = TextFixtures.lines(out);
        assertEquals(cases.size(), got.size());
        for (int i = 0; i < cases.size(); i++) {
            String what = name + " case " + (i + 1) + ": " + cases.get(i).get("text");
            assertArrayEquals(TextFixtures.ints(cases.get(i).get("ids")), TextFixtures.ints(got.get(i).get("ids")), what);
            assertEquals(TextFixtures.strings(cases.get(i).get("pieces")), TextFixtures.strings(got.get(i).get("pieces")), what);
        }
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void everyPackingCase(String name) throws IOException {
        // One run per (seq_length, truncator), in the file's order.
        Map<String, List<JsonNode>> groups = new LinkedHashMap<>();
        for (JsonNode c : TextFixtures.lines(TextFixtureFiles.file("packing.jsonl"))) {
            if (c.get("tokenizer").textValue().equals(name)) {
                assertEquals(TextFixtureFiles.lowerCase(name), c.get("lower_case").booleanValue());
                groups.computeIfAbsent(c.get("seq_length").intValue() + " " + c.get("truncator").textValue(),
                        k -> new ArrayList<>()).add(c);
            }
        }
        assertEquals(96, groups.values().stream().mapToInt(List::size).sum());
        for (List<JsonNode> group : groups.values()) {
            JsonNode first = group.getFirst();
            Path in = writeInput("pack.jsonl", group.stream().map(c -> TextFixtures.strings(c.get("texts"))).toList());
            Path out = dir.resolve("packed.jsonl");
            Cli.assertOk(Cli.run(tokenizeArgs(name, in, out, "--seq-length", first.get("seq_length").asText(),
                    "--truncator", first.get("truncator").textValue())));
            List<JsonNode> got = TextFixtures.lines(out);
            assertEquals(group.size(), got.size());
            for (int i = 0; i < group.size(); i++) {
                JsonNode c = group.get(i);
                String what = name + " " + c.get("kind").textValue() + " " + c.get("truncator").textValue() + " "
                        + c.get("seq_length").intValue();
                for (String key : List.of("input_word_ids", "input_mask", "input_type_ids")) {
                    assertArrayEquals(TextFixtures.ints(c.get(key)), TextFixtures.ints(got.get(i).get(key)), what + " " + key);
                }
            }
        }
    }

    @Test
    void standardInputAndOutputByDefault() throws IOException {
        String input = "{\"text\": \"Hello, WORLD!\"}\n\n{\"texts\": [\"caf\\u00e9\", \"[CLS]\"]}\n";
        InputStream saved = System.in;
        Cli.Result r;
        try {
            System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            r = Cli.run("tokenize", "--tokenizer", TextFixtureFiles.tokenizerFile("wp_uncased").toString(), "--lower-case");
        } finally {
            System.setIn(saved);
        }
        Cli.assertOk(r);
        Path in = Files.writeString(dir.resolve("in.jsonl"), input);
        Path out = dir.resolve("out.jsonl");
        Cli.assertOk(Cli.run(tokenizeArgs("wp_uncased", in, out)));
        assertEquals(Files.readString(out), r.out());
        // "texts" without --seq-length: one list per text.
        JsonNode second = TextFixtures.JSON.readTree(r.out().split("\n")[1]);
        assertEquals(2, second.get("ids").size());
        assertEquals("[CLS]", second.get("pieces").get(1).get(0).textValue());
    }

    @Test
    void badInputIsExitTwoWithOneLine() throws IOException {
        String vocab = TextFixtureFiles.tokenizerFile("wp_uncased").toString();
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"text\": \"a\"}\n{\"txt\": \"b\"}\n");
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", vocab, "--input", in.toString()), "line", "2", "txt");
        Files.writeString(in, "{\"text\": \"a\"}\nnot json\n");
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", vocab, "--input", in.toString()), "line", "2", "JSON");
        Files.writeString(in, "{\"texts\": []}\n");
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", vocab, "--input", in.toString()), "texts");
        Files.write(in, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xFF, '"', '}', '\n'});
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", vocab, "--input", in.toString()), "UTF-8");
        Files.writeString(in, "{\"texts\": [\"a\", \"b\"]}\n");
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", vocab, "--input", in.toString(), "--seq-length", "2"),
                "seq_length", "line", "1");
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", vocab, "--input", in.toString(), "--truncator", "waterfall"),
                "--seq-length");
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", vocab, "--input", in.toString(), "--seq-length", "8",
                "--truncator", "greedy"), "greedy");
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", vocab, "--input", in.toString(), "--seq-length", "1"),
                "--seq-length");
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", dir.resolve("missing.txt").toString(), "--input",
                in.toString()), "--tokenizer", "missing.txt");
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", TextFixtureFiles.tokenizerFile("sp_unigram_nfkc").toString(),
                "--lower-case", "--input", in.toString()), "SentencePiece", "lower");
        Path binary = Files.write(dir.resolve("binary.bin"), new byte[] {0x7F, 'E', 'L', 'F', 0});
        Cli.assertBadInput(Cli.run("tokenize", "--tokenizer", binary.toString(), "--input", in.toString()), "neither");
        Cli.assertBadInput(Cli.run("tokenize", "--input", in.toString()), "--tokenizer");
    }
}
