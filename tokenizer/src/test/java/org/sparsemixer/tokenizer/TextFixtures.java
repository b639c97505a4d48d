package org.sparsemixer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * The text fixtures (copied from shared/fixtures/text, produced by sentencepiece 0.2.2 and tokenizers 0.23.2)
 * and their JSON-lines reader. Shared with src-test through this module's test-jar; src-test finds the files
 * on disk itself ({@link #file} reads them as this module's test resources).
 */
public final class TextFixtures {
    public static final ObjectMapper JSON = new ObjectMapper();

    private TextFixtures() {
    }

    static Path file(String name) {
        URL url = TextFixtures.class.getResource("/fixtures/text/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test resource fixtures/text/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<JsonNode> lines(String name) {
        return lines(file(name));
    }

    /** One JSON value per non-blank line. */
    public static List<JsonNode> lines(Path file) {
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

    public static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::intValue).toArray();
    }

    public static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::textValue).toList();
    }

    static Path tokenizerFile(String name) {
        return file(tokenizerFileName(name));
    }

    /** The file of a fixture tokenizer ("wp_uncased", "sp_unigram_nfkc", ...): a vocabulary or a SentencePiece model. */
    public static String tokenizerFileName(String name) {
        return name.startsWith("wp_") ? name + ".vocab.txt" : name + ".model";
    }
}
