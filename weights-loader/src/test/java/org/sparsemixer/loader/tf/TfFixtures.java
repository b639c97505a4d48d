package org.sparsemixer.loader.tf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The TensorFlow-written fixtures copied from ../shared/fixtures/tf (see tf/README.md in the test resources). */
final class TfFixtures {
    /** Every case this project converts (p01_keras_h5 belongs to the Keras HDF5 reader). */
    static final List<String> CASES = List.of("p01_train_ckpt", "p04_sharded_ckpt", "p04_sliced_ckpt", "p04_bf16_ckpt",
            "p04_masked_lm_export", "p04_savedmodel");

    private TfFixtures() {
    }

    static Path root() {
        try {
            return Path.of(TfFixtures.class.getResource("/tf/index.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path caseDir(String name) {
        return root().resolve(name);
    }

    static JsonNode caseJson(String name) throws IOException {
        return new ObjectMapper().readTree(Files.readString(caseDir(name).resolve("case.json")));
    }

    /** The checkpoint prefix of a case (from case.json, or the SavedModel's variables). */
    static Path prefix(String name) throws IOException {
        JsonNode c = caseJson(name);
        if (c.has("checkpoint_prefix")) {
            return caseDir(name).resolve(c.get("checkpoint_prefix").asText());
        }
        return caseDir(name).resolve("saved_model/variables/variables");
    }

    /** A copy of a case's checkpoint files in {@code dir} (writable, for hostile edits); returns the new prefix. */
    static Path copyCheckpoint(String name, Path dir) throws IOException {
        Path prefix = prefix(name);
        Files.createDirectories(dir);
        try (var files = Files.list(prefix.getParent())) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().startsWith(prefix.getFileName().toString() + ".")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        return dir.resolve(prefix.getFileName());
    }
}
