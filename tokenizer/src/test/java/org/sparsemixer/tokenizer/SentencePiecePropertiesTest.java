package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.UniqueElements;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.sparsemixer.tokenizer.sentencepiece.ModelFormatException;

/**
 * Whatever the input (random code points, lone surrogates, random bytes), encoding returns ids in
 * {@code [0, vocabSize)}, one piece per id, and the vocabulary's own piece for every id but the unknown one;
 * the string and byte APIs agree on well-formed text; and a randomly damaged model file either loads and works
 * or fails with a {@link ModelFormatException}.
 */
class SentencePiecePropertiesTest {
    private static final String[] MODELS = {"/fixtures/text/sp_unigram_nfkc", "/fixtures/text/sp_bpe_bytefallback",
            "/fixtures/sp-variants/var_unigram_userdef", "/fixtures/sp-variants/var_bpe_userdef_unused"};
    private static SentencePieceTokenizer[] tokenizers;
    private static byte[] bpeModelBytes;

    @BeforeContainer
    static void loadModels() throws IOException {
        tokenizers = new SentencePieceTokenizer[MODELS.length];
        for (int i = 0; i < MODELS.length; i++) {
            tokenizers[i] = SentencePieceTokenizer.fromBytes(read(MODELS[i] + ".model"));
        }
        bpeModelBytes = read("/fixtures/text/sp_bpe_bytefallback.model");
    }

    static byte[] read(String resource) throws IOException {
        try (InputStream in = SentencePiecePropertiesTest.class.getResourceAsStream(resource)) {
            return in.readAllBytes();
        }
    }

    static void assertWellFormed(SentencePieceTokenizer t, Tokens tokens) {
        int unk = t.pieceToId("<unk>");
        assertEquals(tokens.ids().length, tokens.pieces().size());
        for (int i = 0; i < tokens.ids().length; i++) {
            int id = tokens.ids()[i];
            assertTrue(id >= 0 && id < t.vocabSize(), "id " + id);
            String piece = tokens.pieces().get(i);
            assertTrue(!piece.isEmpty());
            if (id != unk) {
                assertEquals(t.idToPiece(id), piece);
            }
        }
    }

    @Provide
    Arbitrary<String> codePointStrings() {
        Arbitrary<Integer> cp = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0x20, 0x7E)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(0x20, 0x3000, 0xA0, 0x2581, 0x200B, 0xFFFD, 0, 0x85, 0xFF76,
                        0xFF9E, 0x2460, 0xFB01, 0x1F600, 0xAC00, 0x4E00)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 0x10FFFF)));
        return cp.list().ofMaxSize(60).map(list -> {
            StringBuilder b = new StringBuilder();
            list.forEach(b::appendCodePoint);  // surrogate code points come out as lone surrogates
            return b.toString();
        });
    }

    @Property(tries = 400)
    void anyCodePointsEncode(@ForAll("codePointStrings") String text) {
        for (SentencePieceTokenizer t : tokenizers) {
            assertWellFormed(t, t.encode(text));
        }
    }

    @Property(tries = 300)
    void anyCharsIncludingLoneSurrogatesEncode(@ForAll @StringLength(max = 40) String text) {
        for (SentencePieceTokenizer t : tokenizers) {
            assertWellFormed(t, t.encode(text));
        }
    }

    @Property(tries = 400)
    void anyBytesEncode(@ForAll @Size(max = 60) byte[] bytes) {
        for (SentencePieceTokenizer t : tokenizers) {
            assertWellFormed(t, t.encode(bytes));
        }
    }

    @Property(tries = 300)
    void stringAndByteApisAgreeOnWellFormedText(@ForAll("codePointStrings") String text) {
        String wellFormed = text.codePoints().filter(c -> c < 0xD800 || c > 0xDFFF)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        for (SentencePieceTokenizer t : tokenizers) {
            Tokens a = t.encode(wellFormed);
            Tokens b = t.encode(wellFormed.getBytes(StandardCharsets.UTF_8));
            assertArrayEquals(a.ids(), b.ids());
            assertEquals(a.pieces(), b.pieces());
        }
    }

    @Property(tries = 200)
    void aLoneSurrogateIsOneMalformedByte(@ForAll("codePointStrings") String prefix) {
        for (SentencePieceTokenizer t : tokenizers) {
            Tokens surrogate = t.encode(prefix + '\uD800' + "x");
            byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
            if (prefix.codePoints().anyMatch(c -> c >= 0xD800 && c <= 0xDFFF)) {
                continue;
            }
            byte[] bytes = new byte[p.length + 2];
            System.arraycopy(p, 0, bytes, 0, p.length);
            bytes[p.length] = (byte) 0xFF;
            bytes[p.length + 1] = 'x';
            assertEquals(t.encode(bytes).pieces(), surrogate.pieces());
        }
    }

    @Property(tries = 150)
    void aDamagedModelLoadsAndWorksOrFailsCleanly(@ForAll @Size(min = 1, max = 6) @UniqueElements List<Integer> where,
                                                 @ForAll @Size(6) byte[] values) {
        byte[] model = bpeModelBytes.clone();
        for (int i = 0; i < where.size(); i++) {
            model[Math.floorMod(where.get(i), model.length)] = values[i];
        }
        SentencePieceTokenizer t;
        try {
            t = SentencePieceTokenizer.fromBytes(model);
        } catch (ModelFormatException expected) {
            return;
        }
        assertWellFormed(t, t.encode("Hello wörld, ｶﾞ 😀 \u00a0x [CLS] <unk> \uFFFD"));
        assertWellFormed(t, t.encode(new byte[] {(byte) 0xE2, (byte) 0x82, 'a', (byte) 0xFF}));
    }
}
