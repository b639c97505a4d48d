package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case of wp_uncased.jsonl (HF tokenizers' BertWordPieceTokenizer, uncased) through the Java API. */
class WordPieceFixturesTest {
    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = WordPieceTokenizer.load(TextFixtures.file("wp_uncased.vocab.txt"), true);
    }

    static Stream<JsonNode> cases() {
        return TextFixtures.lines("wp_uncased.jsonl").stream();
    }

    @Test
    void allCasesArePresent() {
        assertEquals(425, cases().count());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void reproducesTheReference(JsonNode c) {
        String text = c.get("text").textValue();
        Tokens tokens = tokenizer.encode(text);
        List<String> expectedPieces = TextFixtures.strings(c.get("pieces"));
        assertEquals(expectedPieces, tokens.pieces(), () -> "pieces of " + escape(text));
        assertArrayEquals(TextFixtures.ints(c.get("ids")), tokens.ids(), () -> "ids of " + escape(text));
    }

    @Test
    void vocabularyFacts() {
        assertEquals(2000, tokenizer.vocabSize());
        assertEquals(0, tokenizer.pieceToId("[PAD]"));
        assertEquals(1, tokenizer.pieceToId("[UNK]"));
        assertEquals(2, tokenizer.pieceToId("[CLS]"));
        assertEquals(3, tokenizer.pieceToId("[SEP]"));
        assertEquals(4, tokenizer.pieceToId("[MASK]"));
        assertEquals(-1, tokenizer.pieceToId("no such entry"));
        assertEquals("[MASK]", tokenizer.idToPiece(4));
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) {
                sb.appendCodePoint(cp);
            } else {
                sb.append(String.format("\\u{%X}", cp));
            }
        });
        return sb.toString();
    }
}
