package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kind detection by content, and the packer's errors. */
class TokenizersTest {
    @TempDir
    Path dir;

    @Test
    void detectsTheKindFromTheContent() throws IOException {
        assertEquals(Tokenizers.Kind.WORDPIECE, Tokenizers.detect(TextFixtures.file("wp_uncased.vocab.txt")));
        assertEquals(Tokenizers.Kind.SENTENCEPIECE, Tokenizers.detect(TextFixtures.file("sp_unigram_nfkc.model")));
        assertEquals(Tokenizers.Kind.SENTENCEPIECE, Tokenizers.detect(TextFixtures.file("sp_bpe_bytefallback.model")));
        // The name does not matter: a vocabulary called .model is still a vocabulary.
        Path renamed = Files.copy(TextFixtures.file("wp_uncased.vocab.txt"), dir.resolve("tokenizer.model"));
        assertInstanceOf(WordPieceTokenizer.class, Tokenizers.open(renamed, true));
    }

    @Test
    void refusesFilesOfNeitherKind() throws IOException {
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertThrows(InvalidTokenizerException.class, () -> Tokenizers.open(empty, false));
        Path binary = Files.write(dir.resolve("binary"), new byte[] {0x7F, 'E', 'L', 'F', 0, 1});
        InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class, () -> Tokenizers.open(binary, false));
        assertTrue(e.getMessage().contains("neither a WordPiece vocabulary"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> Tokenizers.open(dir.resolve("missing"), false));
    }

    @Test
    void lowerCasingASentencePieceModelIsRefused() {
        InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class,
                () -> Tokenizers.open(TextFixtures.file("sp_unigram_nfkc.model"), true));
        assertTrue(e.getMessage().contains("lower casing is for WordPiece"), e.getMessage());
    }

    @Test
    void packerNeedsClsSepAndPad() {
        Tokenizer noCls = WordPieceTokenizer.fromVocabulary(List.of("[UNK]", "[SEP]", "[PAD]"), true, true);
        InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class,
                () -> new BertPacker(noCls, 8, Truncator.ROUND_ROBIN));
        assertEquals("the tokenizer's vocabulary has no [CLS] entry, needed for packing", e.getMessage());
        Tokenizer noPad = WordPieceTokenizer.fromVocabulary(List.of("[UNK]", "[SEP]", "[CLS]"), true, true);
        e = assertThrows(InvalidTokenizerException.class, () -> new BertPacker(noPad, 8, Truncator.ROUND_ROBIN));
        assertTrue(e.getMessage().contains("neither [PAD] nor <pad>"), e.getMessage());
        Tokenizer spStylePad = WordPieceTokenizer.fromVocabulary(List.of("<pad>", "[UNK]", "[CLS]", "[SEP]"), true, true);
        BertPacker packer = new BertPacker(spStylePad, 4, Truncator.WATERFALL);
        assertEquals(0, packer.padId());
        assertEquals(-1, packer.maskId());
    }

    @Test
    void packerDoesNotTakeAnUnknownIdForAnEntry() {
        // A tokenizer that answers every unknown piece with its unknown id 1 (as SentencePiece's own
        // PieceToId does): [PAD] must not be taken for id 1; <pad> (id 0) is the padding id.
        List<String> pieces = List.of("<pad>", "<unk>", "[CLS]", "[SEP]");
        Tokenizer unkForUnknown = new Tokenizer() {
            @Override
            public Tokens encode(String text) {
                return new Tokens(new int[0], List.of());
            }

            @Override
            public int vocabSize() {
                return pieces.size();
            }

            @Override
            public int pieceToId(String piece) {
                int id = pieces.indexOf(piece);
                return id < 0 ? 1 : id;
            }

            @Override
            public String idToPiece(int id) {
                return pieces.get(id);
            }
        };
        BertPacker packer = new BertPacker(unkForUnknown, 4, Truncator.ROUND_ROBIN);
        assertEquals(0, packer.padId());
        assertEquals(-1, packer.maskId());
        assertEquals(List.of(2, 3, 0, 0), java.util.Arrays.stream(packer.pack("").inputWordIds()).boxed().toList());
    }

    @Test
    void packerRefusesImpossibleLayouts() throws IOException {
        BertPacker packer = new BertPacker(Tokenizers.open(TextFixtures.file("wp_uncased.vocab.txt"), true), 3,
                Truncator.ROUND_ROBIN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> packer.pack("a", "b", "c"));
        assertEquals("seq_length 3 cannot hold 3 segments: 4 positions go to [CLS] and [SEP]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> packer.pack(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new BertPacker(packer.tokenizer(), 1, Truncator.WATERFALL));
        // Two segments fit exactly with no room for tokens: [CLS] [SEP] [SEP].
        assertEquals(List.of(2, 3, 3), java.util.Arrays.stream(packer.pack("a b", "c").inputWordIds()).boxed().toList());
    }
}
