package org.sparsemixer.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.RandomWeights;

/**
 * examples/embedding-service built and run as an outside project: a separate Maven (the wrapper, on the JDK
 * running this test) compiles it against the library artifacts of this build, found only in a repository
 * directory of their own (~/.m2 is read for Maven Central artifacts, never written), and runs it with
 * exec:exec on a small model written by the project's own writer. Its embeddings must be bit for bit the
 * pooled outputs of the library called directly (the engine is deterministic across thread counts).
 */
class EmbeddingServiceExampleIT {
    private static final long TIMEOUT_MINUTES = 5;
    private static final Pattern EMBEDDING_LINE = Pattern.compile("(?m)^embedding (\\d+): (.+)$");
    /** The repository root: failsafe runs in examples/. */
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path EXAMPLE = ROOT.resolve("examples/embedding-service");
    private static final String README_SECTION = "## Using the library in your own service";

    @TempDir
    Path tmp;

    /** 3 layers (attention, linear mixing with MoE, linear mixing), S = 16, vocab 50, hidden 32. */
    private static SparseMixerConfig smallModel() {
        return new SparseMixerConfig(50, 32, 3, List.of(1), List.of(0), 4, 1.0, 1.0, 1.0,
                MixingMechanism.LINEAR, false, 4, 16, 2, 64, SparseMixerConfig.GELU_APPROXIMATE, null, 32, false,
                false);
    }

    @Test
    void theExampleBuiltAgainstTheInstalledArtifactsEmbedsLikeTheLibrary() throws Exception {
        // a copy, outside this repository: no classes left from an earlier build, no .mvn/ of ours
        Path project = copyProject(EXAMPLE, tmp.resolve("embedding-service"));
        Path repository = Path.of(System.getProperty("library.repository"));
        Path libraryJar = repository.resolve("org/sparsemixer/engine/" + System.getProperty("library.version"));
        assertTrue(Files.isDirectory(libraryJar), "no library artifacts in " + libraryJar);
        assertEquals(System.getProperty("library.version"), declaredLibraryVersion(EXAMPLE.resolve("pom.xml")),
                "sparse-mixer.version in examples/embedding-service/pom.xml must be this build's version");

        SparseMixerConfig config = smallModel();
        Path model = tmp.resolve("model");
        try (RandomWeights weights = new RandomWeights(config, 11)) {
            ModelLoader.save(model, config, weights);
        }
        // three lengths: full, padded, a single token
        List<int[]> sequences = List.of(
                new int[] {3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 9, 32, 38, 46, 26, 43},
                new int[] {2, 7, 18, 28, 18},
                new int[] {49});

        Run run = runExample(project, repository, model, sequences);
        assertEquals(0, run.exitCode(), run::output);

        float[][] got = embeddings(run.output(), sequences.size());
        float[][] want = directPooledOutputs(model, config, sequences);
        for (int b = 0; b < sequences.size(); b++) {
            int at = b;
            assertTrue(Arrays.equals(want[b], got[b]), () -> "embedding " + at + " differs from the library's pooled"
                    + " output:\nwant " + Arrays.toString(want[at]) + "\ngot  " + Arrays.toString(got[at]));
        }
        assertFalse(Arrays.equals(got[0], got[1]), "different sequences got the same embedding");
    }

    /** What the example should print: the pooled outputs of the library, padded and masked here by hand. */
    private static float[][] directPooledOutputs(Path model, SparseMixerConfig config, List<int[]> sequences)
            throws IOException {
        int s = config.maxSequenceLength();
        int h = config.hiddenSize();
        int batch = sequences.size();
        int[][] ids = new int[batch][s];
        int[][] mask = new int[batch][s];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < sequences.get(b).length; t++) {
                ids[b][t] = sequences.get(b)[t];
                mask[b][t] = 1;
            }
        }
        EncoderOutput out;
        try (SparseMixerEncoder encoder = ModelLoader.load(model, EncoderOptions.threads(1))) {
            out = encoder.encode(EncoderInput.of(ids, mask, new int[batch][s]));
        }
        float[][] pooled = new float[batch][h];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < h; i++) {
                pooled[b][i] = out.pooledOutput(b, i);
            }
        }
        return pooled;
    }

    private record Run(int exitCode, String output) {
    }

    /** {@code ./mvnw -f examples/embedding-service/pom.xml compile exec:exec}, as its README says, in a private repository. */
    private Run runExample(Path project, Path repository, Path model, List<int[]> sequences)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("mvnw").toString(), "-B", "-ntp",
                "-f", project.resolve("pom.xml").toString(),
                // this build's artifacts come from here; what Maven Central artifacts are missing are fetched into it
                "-Dmaven.repo.local=" + repository,
                "-Dmaven.repo.local.tail=" + System.getProperty("maven.local.repository"),
                "-Dmodel=" + model,
                "-Dsequences=" + String.join(" ", sequences.stream().map(EmbeddingServiceExampleIT::joined).toList()),
                "compile", "exec:exec"));
        if ("offline=true".equals(System.getProperty("build.offline"))) {
            command.add("--offline");
        }
        Path log = tmp.resolve("maven.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("MAVEN_ARGS");
        Process p = builder.start();
        p.getOutputStream().close();
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("the example's build did not finish in " + TIMEOUT_MINUTES + " minutes: "
                    + command + "\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), String.join(" ", command) + "\n" + Files.readString(log, StandardCharsets.UTF_8));
    }

    private static String joined(int[] ids) {
        return String.join(",", Arrays.stream(ids).mapToObj(Integer::toString).toList());
    }

    /** The values of the {@code embedding i: ...} lines, in order; exactly {@code count} of them. */
    private static float[][] embeddings(String output, int count) {
        List<float[]> rows = new ArrayList<>();
        Matcher m = EMBEDDING_LINE.matcher(output);
        while (m.find()) {
            assertEquals(rows.size(), Integer.parseInt(m.group(1)), output);
            String[] values = m.group(2).trim().split(" ");
            float[] row = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                row[i] = Float.parseFloat(values[i]);
            }
            rows.add(row);
        }
        assertEquals(count, rows.size(), () -> "embedding lines in the example's output:\n" + output);
        return rows.toArray(float[][]::new);
    }

    /**
     * Every code block of the README's section on the example that shows its Java class or its pom is the
     * example's own text: each part between elision lines ({@code // ...}) occurs verbatim in the file.
     */
    @Test
    void theReadmeSnippetsAreTheExamplesCode() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf(README_SECTION);
        assertTrue(start >= 0, "README.md has no section '" + README_SECTION + "'");
        int end = readme.indexOf("\n## ", start + README_SECTION.length());
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        String java = Files.readString(EXAMPLE.resolve("src/main/java/com/example/embedding/EmbeddingService.java"));
        String pom = Files.readString(EXAMPLE.resolve("pom.xml"));
        Matcher block = Pattern.compile("(?s)```(java|xml)\n(.*?)```").matcher(section);
        int checked = 0;
        while (block.find()) {
            String file = block.group(1).equals("java") ? java : pom;
            for (String part : block.group(2).split("(?m)^\\s*// \\.\\.\\.\\n")) {
                assertTrue(file.contains(part), () -> "README.md's " + block.group(1)
                        + " snippet is not the example's code; this part differs:\n" + part);
                checked++;
            }
        }
        assertTrue(checked >= 4, "expected the README to show the example's pom and class, found " + checked + " parts");
    }

    private static Path copyProject(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = from.relativize(file);
                if (relative.startsWith("target")) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
        return to;
    }

    private static String declaredLibraryVersion(Path pom) throws IOException {
        Matcher m = Pattern.compile("<sparse-mixer.version>([^<]+)</sparse-mixer.version>").matcher(Files.readString(pom));
        return m.find() ? m.group(1) : null;
    }
}
