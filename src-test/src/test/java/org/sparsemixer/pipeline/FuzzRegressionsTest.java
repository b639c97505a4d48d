package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every committed fuzz finding (src/test/resources/fuzz-regressions/TARGET/FILE, see its README)
 * through the same check as the fuzz property that found it. Runs in the surefire execution {@code fuzz}
 * (512 MB heap), like the properties, since what the memory budget lets through depends on the heap.
 */
class FuzzRegressionsTest {
    private static FuzzCorpus corpus;

    @BeforeAll
    static void corpus() {
        corpus = new FuzzCorpus();
    }

    @AfterAll
    static void cleanUp() throws IOException {
        corpus.close();
        Fuzz.printStats();
    }

    @TestFactory
    List<DynamicTest> replay() throws IOException, URISyntaxException {
        Path root = Path.of(FuzzRegressionsTest.class.getResource("/fuzz-regressions").toURI());
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String target = root.relativize(f).getName(0).toString();
                if (f.getFileName().toString().equals("README.md")) {
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(target + "/" + f.getFileName(), () -> replay(target, f)));
            }
        }
        assertFalse(tests.isEmpty(), "no regression files under " + root);
        return tests;
    }

    private static void replay(String target, Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        switch (target) {
            case "config" -> {
                String text = new String(bytes, StandardCharsets.UTF_8);
                Fuzz.parseAndBuildConfig(text, 2_000_000);
                Fuzz.loadModel(corpus.modelWithConfig(text), corpus.input);
            }
            case "safetensors" -> {
                Fuzz.readWeightsFile(file);
                Fuzz.loadModel(corpus.modelWithWeights(bytes), corpus.input);
            }
            case "index" -> Fuzz.loadModel(corpus.shardedWithIndex(new String(bytes, StandardCharsets.UTF_8)), corpus.input);
            case "inputs-words" -> Fuzz.readInputs(file, corpus.encoder);
            case "inputs-dense" -> Fuzz.readInputs(file, corpus.denseEncoder);
            case "keras-h5" -> Fuzz.convertKerasH5(file, corpus.h5Config, corpus.dir.resolve("converted"));
            default -> throw new AssertionError("unknown fuzz target folder '" + target + "' (" + file + ")");
        }
    }
}
