package org.sparsemixer.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.sparsemixer.tokenizer.TextFixtures;

/**
 * Where the text fixtures (shared/fixtures/text) are on disk: their one copy, in the tokenizer module's test
 * resources, whose reader ({@link TextFixtures}) these tests share. Maven runs the tests with the module
 * directory as the working directory.
 */
final class TextFixtureFiles {
    static final List<String> TOKENIZERS = List.of("wp_uncased", "sp_unigram_nfkc", "sp_bpe_bytefallback");

    private TextFixtureFiles() {
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
        return file(TextFixtures.tokenizerFileName(name));
    }

    static boolean lowerCase(String name) {
        return name.startsWith("wp_");
    }
}
