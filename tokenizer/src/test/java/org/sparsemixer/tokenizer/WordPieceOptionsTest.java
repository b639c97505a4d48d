package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cased use and the other normalization options, against HF tokenizers on a small cased vocabulary
 * (wp_options.jsonl, made by tokenizer/tools/make_wordpiece_options_cases.py), and vocabulary file rules.
 */
class WordPieceOptionsTest {
    @TempDir
    Path dir;

    static Stream<JsonNode> cases() {
        return TextFixtures.lines("wp_options.jsonl").stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void reproducesTheReference(JsonNode c) throws IOException {
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load(TextFixtures.file("wp_cased_small.vocab.txt"),
                c.get("lower_case").booleanValue(), c.get("strip_accents").booleanValue());
        String text = c.get("text").textValue();
        Tokens tokens = tokenizer.encode(text);
        String what = tokenizer + " on " + WordPieceFixturesTest.escape(text);
        assertEquals(TextFixtures.strings(c.get("pieces")), tokens.pieces(), what);
        assertArrayEquals(TextFixtures.ints(c.get("ids")), tokens.ids(), what);
    }

    @Test
    void allOptionCombinationsAreCovered() {
        assertEquals(4, cases().map(c -> c.get("lower_case").booleanValue() + "/" + c.get("strip_accents").booleanValue())
                .distinct().count());
    }

    @Test
    void linesAsHfReadsThem() throws IOException {
        // CRLF line ends and trailing spaces are dropped; a later duplicate owns the text; no final empty line.
        Path vocab = dir.resolve("vocab.txt");
        Files.writeString(vocab, "[UNK]\r\nab \nab\nc\n", StandardCharsets.UTF_8);
        WordPieceTokenizer t = WordPieceTokenizer.load(vocab, false);
        assertEquals(4, t.vocabSize());
        assertEquals(2, t.pieceToId("ab"));
        assertEquals(0, t.pieceToId("[UNK]"));
        assertArrayEquals(new int[] {2, 3}, t.encode("ab c").ids());
        assertArrayEquals(new int[] {0}, t.encode("abc").ids());
    }

    @Test
    void invalidVocabulariesAreRefusedByName() throws IOException {
        Path noUnk = dir.resolve("no-unk.txt");
        Files.writeString(noUnk, "a\nb\n");
        InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class, () -> WordPieceTokenizer.load(noUnk, true));
        assertEquals(noUnk + ": the WordPiece vocabulary has no [UNK] entry", e.getMessage());

        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "");
        e = assertThrows(InvalidTokenizerException.class, () -> WordPieceTokenizer.load(empty, true));
        assertTrue(e.getMessage().contains("is empty"), e.getMessage());

        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'[', 'U', 'N', 'K', ']', '\n', (byte) 0xE9, '\n'});
        e = assertThrows(InvalidTokenizerException.class, () -> WordPieceTokenizer.load(latin1, true));
        assertEquals(latin1 + ": the WordPiece vocabulary is not valid UTF-8", e.getMessage());

        WordPieceTokenizer ok = WordPieceTokenizer.fromVocabulary(List.of("[UNK]"), true, true);
        assertThrows(IllegalArgumentException.class, () -> ok.idToPiece(1));
        assertThrows(IllegalArgumentException.class, () -> ok.idToPiece(-1));
    }
}
