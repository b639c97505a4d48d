package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every case the reference library ({@code sentencepiece==0.2.2}) produced for the two fixture models, ids and
 * pieces, through the public API: text cases through {@link SentencePieceTokenizer#encode(String)}, invalid
 * UTF-8 cases through {@link SentencePieceTokenizer#encode(byte[])}. The files are copies of
 * {@code fixtures/text} (see its README for the behaviours they contain).
 */
class SentencePieceFixtureTest {
    static final String DIR = "/fixtures/text/";
    private static final ObjectMapper JSON = new ObjectMapper();

    static SentencePieceTokenizer model(String name) throws IOException {
        return model(DIR, name);
    }

    static SentencePieceTokenizer model(String dir, String name) throws IOException {
        try (InputStream in = SentencePieceFixtureTest.class.getResourceAsStream(dir + name + ".model")) {
            return SentencePieceTokenizer.fromBytes(in.readAllBytes());
        }
    }

    static List<JsonNode> cases(String file) throws IOException {
        return cases(DIR, file);
    }

    static List<JsonNode> cases(String dir, String file) throws IOException {
        List<JsonNode> cases = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                SentencePieceFixtureTest.class.getResourceAsStream(dir + file), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank()) {
                    cases.add(JSON.readTree(line));
                }
            }
        }
        return cases;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sp_unigram_nfkc", "sp_bpe_bytefallback"})
    void textCasesMatchTheLibrary(String name) throws IOException {
        SentencePieceTokenizer tokenizer = model(name);
        List<JsonNode> cases = cases(name + ".jsonl");
        assertEquals(425, cases.size());
        check(cases, c -> tokenizer.encode(c.get("text").asText()), c -> c.get("text").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sp_unigram_nfkc", "sp_bpe_bytefallback"})
    void invalidUtf8CasesMatchTheLibrary(String name) throws IOException {
        SentencePieceTokenizer tokenizer = model(name);
        List<JsonNode> cases = cases(name + ".bytes.jsonl");
        assertEquals(12, cases.size());
        check(cases, c -> tokenizer.encode(HexFormat.of().parseHex(c.get("utf8_hex").asText())),
                c -> c.get("utf8_hex").asText());
    }

    static void check(List<JsonNode> cases, Function<JsonNode, Tokens> encode, Function<JsonNode, String> label) {
        List<String> failures = new ArrayList<>();
        for (JsonNode c : cases) {
            List<Integer> expectedIds = new ArrayList<>();
            c.get("ids").forEach(n -> expectedIds.add(n.asInt()));
            List<String> expectedPieces = new ArrayList<>();
            c.get("pieces").forEach(n -> expectedPieces.add(n.asText()));
            Tokens actual = encode.apply(c);
            List<Integer> actualIds = new ArrayList<>();
            for (int id : actual.ids()) {
                actualIds.add(id);
            }
            if (!expectedIds.equals(actualIds) || !expectedPieces.equals(actual.pieces())) {
                failures.add(escape(label.apply(c)) + "\n  expected " + expectedIds + " " + escape(expectedPieces.toString())
                        + "\n  actual   " + actualIds + " " + escape(actual.pieces().toString()));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " cases differ:\n"
                + String.join("\n", failures.subList(0, Math.min(15, failures.size()))));
    }

    /** Encodes a case given as {@code text} or as {@code utf8_hex}. */
    static Tokens encodeCase(SentencePieceTokenizer tokenizer, JsonNode c) {
        return c.has("text") ? tokenizer.encode(c.get("text").asText())
                : tokenizer.encode(HexFormat.of().parseHex(c.get("utf8_hex").asText()));
    }

    static String label(JsonNode c) {
        return c.has("text") ? c.get("text").asText() : "hex " + c.get("utf8_hex").asText();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) {
                b.append((char) cp);
            } else {
                b.append(String.format("\\u{%X}", cp));
            }
        });
        return b.length() > 300 ? b.substring(0, 300) + "..." : b.toString();
    }
}
