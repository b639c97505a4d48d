package org.sparsemixer.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The TensorFlow-written checkpoint fixtures (copied from ../shared/fixtures/tf), kept once in the
 * weights-loader module's test resources; this module's tests run with the module directory as the working
 * directory (surefire's default), so they are found there.
 */
final class TfFixtures {
    private TfFixtures() {
    }

    static Path root() {
        Path root = Path.of("..", "weights-loader", "src", "test", "resources", "tf").toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("index.json"))) {
            throw new IllegalStateException("TensorFlow fixtures not found at " + root);
        }
        return root;
    }

    static Path caseDir(String name) {
        return root().resolve(name);
    }

    static Path config(String name) {
        return caseDir(name).resolve("expected").resolve("config.json");
    }
}
