package org.sparsemixer.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * The text fixtures (shared/fixtures/text), read from their one copy in the tokenizer module's test
 * resources. Maven runs the tests with the module directory as the working directory.
 */
final class TextFixtures {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> TOKENIZERS = List.of("wp_uncased", "sp_unigram_nfkc", "sp_bpe_bytefallback");

    private TextFixtures() {
    }

    static Path dir() {
        Path dir = Path.of(System.getProperty("basedir", ".")).resolve("../tokenizer/src/test/resources/fixtures/text")
                .normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("text fixtures not found at " + dir.toAbsolutePath());
        }
        return dir;
    }

    static Path file(String name) {
        return dir().resolve(name);
    }

    static Path tokenizerFile(String name) {
        return file(name.startsWith("wp_") ? name + ".vocab.txt" : name + ".model");
    }

    static boolean lowerCase(String name) {
        return name.startsWith("wp_");
    }

    static List<JsonNode> lines(Path file) {
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::intValue).toArray();
    }

    static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::textValue).toList();
    }
}
