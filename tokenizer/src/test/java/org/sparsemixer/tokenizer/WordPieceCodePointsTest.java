package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Every code point through BERT's normalizer (uncased and cased) and the punctuation split, against HF
 * tokenizers 0.23.2 probed on each code point alone (tokenizer/tools/probe_wordpiece_codepoints.py). This pins
 * the Unicode 8.0 categories, the Unicode 9.0 NFD, the Unicode 17.0 lower case and the CJK ranges.
 */
class WordPieceCodePointsTest {
    private final BertBasicTokenizer uncased = new BertBasicTokenizer(true, true);
    private final BertBasicTokenizer cased = new BertBasicTokenizer(false, false);

    @Test
    void everyCodePointAsTheReference() throws IOException {
        String[][] expected = new String[Character.MAX_CODE_POINT + 1][];
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(TextFixtures.file("wordpiece_codepoints.tsv.gz"))), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                String[] span = f[0].split("-");
                int first = Integer.parseInt(span[0], 16);
                int last = span.length == 2 ? Integer.parseInt(span[1], 16) : first;
                for (int cp = first; cp <= last; cp++) {
                    expected[cp] = f;
                }
            }
        }
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                continue;
            }
            String ch = Character.toString(cp);
            String[] f = expected[cp];
            String wantUncased = f == null ? ch : decode(f[1], cp);
            String wantCased = f == null ? ch : decode(f[2], cp);
            boolean wantPunct = f != null && f[3].equals("1");
            String gotUncased = uncased.normalize(ch, 0, ch.length());
            String gotCased = cased.normalize(ch, 0, ch.length());
            boolean gotPunct = BertCharacters.classOf(cp) == BertCharacters.PUNCTUATION;
            if (!wantUncased.equals(gotUncased) || !wantCased.equals(gotCased) || wantPunct != gotPunct) {
                mismatches.add(String.format("U+%04X uncased %s/%s cased %s/%s punct %s/%s", cp, hex(gotUncased),
                        hex(wantUncased), hex(gotCased), hex(wantCased), gotPunct, wantPunct));
            }
            checked++;
        }
        assertEquals(0x110000 - 0x800, checked);
        assertEquals(List.of(), mismatches.subList(0, Math.min(20, mismatches.size())),
                mismatches.size() + " code points differ");
    }

    @Test
    void generatedTablesAreSortedAndDisjoint() {
        assertTrue(BertCharacters.rangesWellFormed(Unicode8.ASSIGNED_AFTER_8_0));
        assertTrue(BertCharacters.rangesWellFormed(Unicode8.NFD_OPAQUE));
    }

    @Test
    void opaqueCharactersSeparateCanonicalReordering() {
        // U+1DFA (Unicode 14, ccc 218) is a starter for the reference's Unicode 9.0 NFD: the marks around it
        // are not reordered across it, while U+1D165 (ccc 216) and U+1DFB (Unicode 9.0, ccc 230) are sorted.
        BertBasicTokenizer noCase = new BertBasicTokenizer(false, true);
        String s = "a\u1DFA\uD834\uDD65";
        assertEquals(s, noCase.normalize(s, 0, s.length()));
    }

    private static String decode(String field, int cp) {
        if (field.equals("-")) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String h : field.split(" ")) {
            sb.appendCodePoint(h.equals("S") ? cp : Integer.parseInt(h, 16));
        }
        return sb.toString();
    }

    private static String hex(String s) {
        StringBuilder sb = new StringBuilder("[");
        s.codePoints().forEach(c -> sb.append(sb.length() > 1 ? " " : "").append(Integer.toHexString(c)));
        return sb.append(']').toString();
    }
}
