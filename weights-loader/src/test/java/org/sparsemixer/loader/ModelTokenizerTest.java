package org.sparsemixer.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.InvalidConfigException;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.tokenizer.PackedBatch;
import org.sparsemixer.tokenizer.PackedInput;
import org.sparsemixer.tokenizer.Tokenizers;

/** The tokenizer of a model directory: file names, the strict text_input.json, and the fit to the model. */
class ModelTokenizerTest {
    private static final String VOCAB = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n##s\n!\n";

    @TempDir
    Path dir;

    private static SparseMixerConfig config(int vocabSize, int seqLength, int typeVocabSize) {
        return ConfigJson.parse("{\"vocab_size\": " + vocabSize + ", \"max_sequence_length\": " + seqLength
                + ", \"type_vocab_size\": " + typeVocabSize + "}");
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }

    @Test
    void noTokenizerIsEmpty() throws IOException {
        assertTrue(ModelTokenizer.load(dir, config(100, 8, 2)).isEmpty());
    }

    @Test
    void wordPieceWithTextConfigPacksToMaxSequenceLength() throws IOException {
        write("vocab.txt", VOCAB);
        write("text_input.json", "{\"lower_case\": true, \"truncator\": \"waterfall\"}");
        ModelTokenizer t = ModelTokenizer.load(dir, config(100, 8, 2)).orElseThrow();
        assertEquals(Tokenizers.Kind.WORDPIECE, t.kind());
        PackedInput p = t.pack(List.of("Hello worlds!", "hello"));
        // waterfall: budget 5, [4, 1] -> [4, 1]
        assertArrayEquals(new int[] {2, 5, 6, 7, 8, 3, 5, 3}, p.inputWordIds());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 1, 1}, p.inputTypeIds());
        PackedBatch batch = t.packBatch(List.of(List.of("hello"), List.of("world", "")));
        assertEquals(2, batch.batchSize());
        assertArrayEquals(new int[] {2, 6, 3, 3, 0, 0, 0, 0}, batch.inputWordIds()[1]);
        assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0, 0, 0}, batch.inputMask()[1]);
    }

    @Test
    void wordPieceNeedsItsCasing() throws IOException {
        write("vocab.txt", VOCAB);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelTokenizer.load(dir, config(100, 8, 2)));
        assertTrue(e.getMessage().contains("needs text_input.json with \"lower_case\""), e.getMessage());
    }

    @Test
    void vocabularyMustFitTheModel() throws IOException {
        write("vocab.txt", VOCAB);
        write("text_input.json", "{\"lower_case\": false}");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelTokenizer.load(dir, config(8, 8, 2)));
        assertTrue(e.getMessage().endsWith("the tokenizer has 9 vocabulary entries but the model's vocab_size is 8:"
                + " its ids must be below vocab_size"), e.getMessage());
        ModelTokenizer.load(dir, config(9, 8, 2)).orElseThrow();
    }

    @Test
    void typeVocabularyLimitsTheNumberOfTexts() throws IOException {
        write("vocab.txt", VOCAB);
        write("text_input.json", "{\"lower_case\": true}");
        ModelTokenizer t = ModelTokenizer.load(dir, config(100, 8, 1)).orElseThrow();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.pack(List.of("a", "b")));
        assertEquals("2 texts in one example need input_type_ids up to 1, but the model's type_vocab_size is 1",
                e.getMessage());
    }

    @Test
    void textConfigIsStrict() throws IOException {
        write("vocab.txt", VOCAB);
        String[][] bad = {
            {"{\"lower_case\": true, \"lowercase\": true}", "lowercase"},
            {"{\"lower_case\": \"yes\"}", "lower_case"},
            {"{\"lower_case\": true, \"truncator\": \"greedy\"}", "truncator"},
            {"{\"lower_case\": true, \"kind\": \"sentencepiece\"}", "kind"},
            {"{\"lower_case\": true, \"kind\": \"bpe\"}", "kind"},
            {"{\"lower_case\": true, \"tokenizer\": \"../vocab.txt\"}", "tokenizer"},
            {"{\"lower_case\": true, \"tokenizer\": \"missing.txt\"}", "tokenizer"},
        };
        for (String[] c : bad) {
            write("text_input.json", c[0]);
            InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> ModelTokenizer.load(dir, config(100, 8, 2)), c[0]);
            assertEquals(c[1], e.key(), e.getMessage());
            assertTrue(e.getMessage().contains("text_input.json"), e.getMessage());
        }
        write("text_input.json", "{\"lower_case\": true,}");
        assertThrows(InvalidModelException.class, () -> ModelTokenizer.load(dir, config(100, 8, 2)));
        write("text_input.json", "{\"lower_case\": true, \"lower_case\": false}");
        assertThrows(InvalidModelException.class, () -> ModelTokenizer.load(dir, config(100, 8, 2)));
    }

    @Test
    void ambiguousOrMissingFilesAreRefused() throws IOException {
        write("text_input.json", "{\"lower_case\": true}");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelTokenizer.load(dir, config(100, 8, 2)));
        assertTrue(e.getMessage().contains("neither tokenizer.model nor vocab.txt"), e.getMessage());
        write("vocab.txt", VOCAB);
        Files.write(dir.resolve("tokenizer.model"), new byte[] {0x0A, 0x05, 0x0A, 0x03, 'a', 'b', 'c'});
        e = assertThrows(InvalidModelException.class, () -> ModelTokenizer.load(dir, config(100, 8, 2)));
        assertTrue(e.getMessage().contains("has both tokenizer.model and vocab.txt"), e.getMessage());
        write("text_input.json", "{\"tokenizer\": \"tokenizer.model\", \"lower_case\": true}");
        InvalidConfigException c = assertThrows(InvalidConfigException.class, () -> ModelTokenizer.load(dir, config(100, 8, 2)));
        assertEquals("lower_case", c.key());
        write("text_input.json", "{\"tokenizer\": \"vocab.txt\", \"lower_case\": true}");
        assertEquals(Tokenizers.Kind.WORDPIECE, ModelTokenizer.load(dir, config(100, 8, 2)).orElseThrow().kind());
    }

    @Test
    void packingEntriesAreRequired() throws IOException {
        write("vocab.txt", "[UNK]\n[SEP]\n[PAD]\nhello\n");
        write("text_input.json", "{\"lower_case\": true}");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelTokenizer.load(dir, config(100, 8, 2)));
        assertTrue(e.getMessage().endsWith("the tokenizer's vocabulary has no [CLS] entry, needed for packing"), e.getMessage());
    }
}
