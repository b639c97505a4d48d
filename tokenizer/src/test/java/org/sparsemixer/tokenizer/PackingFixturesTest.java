package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every packing.jsonl case (Model Garden's BertPackInputs over the three fixture tokenizers) through
 * {@link Tokenizers#open} and {@link BertPacker}.
 */
class PackingFixturesTest {
    private static final Map<String, Tokenizer> TOKENIZERS = new HashMap<>();

    static Stream<JsonNode> cases() {
        return TextFixtures.lines("packing.jsonl").stream();
    }

    static synchronized Tokenizer tokenizer(String name, boolean lowerCase) {
        return TOKENIZERS.computeIfAbsent(name + lowerCase, k -> {
            try {
                return Tokenizers.open(TextFixtures.tokenizerFile(name), lowerCase);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void allCasesArePresent() {
        assertEquals(288, cases().count());
        assertEquals(96, cases().filter(c -> c.get("tokenizer").textValue().equals("wp_uncased")).count());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void packsAsBertPackInputs(JsonNode c) {
        String name = c.get("tokenizer").textValue();
        Tokenizer tokenizer = tokenizer(name, c.get("lower_case").booleanValue());
        BertPacker packer = new BertPacker(tokenizer, c.get("seq_length").intValue(),
                Truncator.parse(c.get("truncator").textValue()));
        List<String> texts = TextFixtures.strings(c.get("texts"));
        int[] lengths = texts.stream().mapToInt(t -> tokenizer.encode(t).size()).toArray();
        String what = name + " " + c.get("kind").textValue() + " " + c.get("truncator").textValue() + " "
                + c.get("seq_length").intValue();
        assertArrayEquals(TextFixtures.ints(c.get("segment_lengths")), lengths, what + ": segment lengths");
        assertArrayEquals(TextFixtures.ints(c.get("kept_lengths")), packer.keptLengths(lengths), what + ": kept lengths");
        PackedInput packed = packer.pack(texts);
        assertArrayEquals(TextFixtures.ints(c.get("input_word_ids")), packed.inputWordIds(), what + ": input_word_ids");
        assertArrayEquals(TextFixtures.ints(c.get("input_mask")), packed.inputMask(), what + ": input_mask");
        assertArrayEquals(TextFixtures.ints(c.get("input_type_ids")), packed.inputTypeIds(), what + ": input_type_ids");
    }
}
