package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of every tokenizer kind on hostile text: random code points from all planes, lone surrogates,
 * very long inputs. Encoding never throws, ids lie in the vocabulary, and packing always gives exactly
 * seq_length positions laid out as BertPackInputs does. SentencePiece runs once it is implemented.
 */
class TokenizerPropertiesTest {
    private static final List<String> NAMES = List.of("wp_uncased", "sp_unigram_nfkc", "sp_bpe_bytefallback");

    static Tokenizer tokenizer(String name) {
        try {
            return PackingFixturesTest.tokenizer(name, name.startsWith("wp_"));
        } catch (org.opentest4j.TestAbortedException e) {
            Assume.that(false);
            throw e;
        }
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.of(NAMES);
    }

    /** Text mixing ASCII, any code point (unassigned, private use, controls) and lone surrogates. */
    @Provide
    Arbitrary<String> hostileText() {
        Arbitrary<String> anyCodePoint = Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                .map(Character::toString);
        Arbitrary<String> surrogate = Arbitraries.chars().range('\uD800', '\uDFFF').map(String::valueOf);
        Arbitrary<String> ascii = Arbitraries.strings().ascii().ofMaxLength(8);
        Arbitrary<String> special = Arbitraries.of("[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]", "<pad>", "##", "\u2581");
        Arbitrary<String> piece = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, anyCodePoint), net.jqwik.api.Tuple.of(1, surrogate),
                net.jqwik.api.Tuple.of(4, ascii), net.jqwik.api.Tuple.of(1, special));
        return piece.list().ofMaxSize(60).map(parts -> String.join("", parts));
    }

    @Property(tries = 300)
    void encodingNeverFailsAndIdsAreInTheVocabulary(@ForAll("names") String name, @ForAll("hostileText") String text) {
        Tokenizer tokenizer = tokenizer(name);
        Tokens tokens = tokenizer.encode(text);
        assertEquals(tokens.ids().length, tokens.pieces().size());
        for (int id : tokens.ids()) {
            assertTrue(id >= 0 && id < tokenizer.vocabSize(), () -> "id " + id + " outside the vocabulary");
        }
        if (tokenizer instanceof WordPieceTokenizer) {
            for (int i = 0; i < tokens.size(); i++) {
                assertEquals(tokenizer.idToPiece(tokens.ids()[i]), tokens.pieces().get(i));
            }
        }
    }

    @Property(tries = 20)
    void veryLongInputs(@ForAll("names") String name, @ForAll @IntRange(min = 50_000, max = 200_000) int length,
                        @ForAll("hostileText") String seed) {
        Tokenizer tokenizer = tokenizer(name);
        String unit = seed.isEmpty() ? "a" : seed;
        String text = unit.repeat(length / unit.length() + 1);
        String oneWord = "x".repeat(length);
        long start = System.nanoTime();
        Tokens tokens = tokenizer.encode(text);
        Tokens word = tokenizer.encode(oneWord);
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "two long inputs took more than 5 s");
        for (int id : tokens.ids()) {
            assertTrue(id >= 0 && id < tokenizer.vocabSize());
        }
        if (tokenizer instanceof WordPieceTokenizer) {
            // More than 100 characters: one [UNK].
            assertEquals(List.of(WordPieceTokenizer.UNKNOWN), word.pieces());
        }
    }

    @Provide
    Arbitrary<List<String>> segments() {
        return hostileText().list().ofMinSize(1).ofMaxSize(3);
    }

    @Property(tries = 300)
    void packingHasExactlySeqLengthPositions(@ForAll("names") String name, @ForAll("segments") List<String> texts,
                                             @ForAll @IntRange(min = 4, max = 600) int seqLength,
                                             @ForAll boolean waterfall) {
        Tokenizer tokenizer = tokenizer(name);
        BertPacker packer = new BertPacker(tokenizer, seqLength, waterfall ? Truncator.WATERFALL : Truncator.ROUND_ROBIN);
        PackedInput packed = packer.pack(texts);
        int[] ids = packed.inputWordIds();
        int[] mask = packed.inputMask();
        int[] types = packed.inputTypeIds();
        assertEquals(seqLength, ids.length);
        assertEquals(seqLength, mask.length);
        assertEquals(seqLength, types.length);
        assertEquals(packer.clsId(), ids[0]);
        int used = 0;
        while (used < seqLength && mask[used] == 1) {
            used++;
        }
        for (int i = used; i < seqLength; i++) {
            assertEquals(0, mask[i], "mask is 1s then 0s");
            assertEquals(packer.padId(), ids[i]);
            assertEquals(0, types[i]);
        }
        for (int i = 0; i < used; i++) {
            assertTrue(ids[i] >= 0 && ids[i] < tokenizer.vocabSize());
            assertTrue(i == 0 || types[i] == types[i - 1] || types[i] == types[i - 1] + 1,
                    "type ids rise by one segment at a time");
            if (i + 1 == used || (i > 0 && types[i + 1] != types[i])) {
                assertEquals(packer.sepId(), ids[i], "each segment ends with [SEP]");
            }
        }
        assertEquals(texts.size() - 1, types[used - 1]);
        int tokens = texts.stream().mapToInt(t -> tokenizer.encode(t).size()).sum();
        assertEquals(Math.min(tokens, seqLength - texts.size() - 1) + texts.size() + 1, used,
                "every token that fits is kept");
    }

    @Property(tries = 200)
    void truncatorsKeepWithinBudgetAndLengths(@ForAll @From("lengths") int[] lengths,
                                              @ForAll @IntRange(min = 0, max = 100) int budget) {
        for (Truncator t : Truncator.values()) {
            int[] kept = t.keep(lengths, budget);
            long sum = 0;
            long total = 0;
            for (int i = 0; i < lengths.length; i++) {
                assertTrue(kept[i] >= 0 && kept[i] <= lengths[i]);
                sum += kept[i];
                total += lengths[i];
            }
            assertEquals(Math.min(total, budget), sum, t + " uses the budget fully when there are tokens");
        }
    }

    /** Vocabulary files of random lines (any code points) and random bytes: open or a documented refusal. */
    @Property(tries = 200)
    void hostileVocabularyFiles(@ForAll("vocabularyBytes") byte[] content, @ForAll boolean lowerCase)
            throws java.io.IOException {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("vocab", ".txt");
        try {
            java.nio.file.Files.write(file, content);
            Tokenizers.Kind kind;
            try {
                kind = Tokenizers.detect(file);
            } catch (InvalidTokenizerException e) {
                return;
            }
            Assume.that(kind == Tokenizers.Kind.WORDPIECE);
            Tokenizer tokenizer;
            try {
                tokenizer = Tokenizers.open(file, lowerCase);
            } catch (InvalidTokenizerException e) {
                return;
            }
            Tokens tokens = tokenizer.encode("[UNK] hello, world ##s \u00e9t\u00e9 \u4e2d\u6587 " + new String(content,
                    java.nio.charset.StandardCharsets.UTF_8));
            for (int id : tokens.ids()) {
                assertTrue(id >= 0 && id < tokenizer.vocabSize());
            }
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Provide
    Arbitrary<byte[]> vocabularyBytes() {
        Arbitrary<byte[]> text = hostileText().list().ofMaxSize(30)
                .map(lines -> (String.join("\n", lines) + (lines.isEmpty() ? "" : "\n[UNK]\n"))
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        return Arbitraries.oneOf(text, text, bytes);
    }

    @Provide
    Arbitrary<int[]> lengths() {
        return Arbitraries.integers().between(0, 60).array(int[].class).ofMinSize(1).ofMaxSize(5);
    }
}
