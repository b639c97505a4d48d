package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./sparse-mixer} launcher script as a separate process (it may build the jar first),
 * started from another directory with relative paths, on one golden fixture.
 */
class LauncherTest {
    private static final long TIMEOUT_MINUTES = 10;
    private static Path repoRoot;
    private static Path launcher;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() {
        // Surefire runs with the module directory (src-test/) as the working directory.
        repoRoot = Path.of("").toAbsolutePath().getParent();
        launcher = repoRoot == null ? null : repoRoot.resolve("sparse-mixer");
    }

    private record Result(int exitCode, String out, String err) {
    }

    private static Result launch(Path cwd, String... args) throws IOException, InterruptedException {
        assumeTrue(launcher != null && Files.isExecutable(launcher), "no executable launcher at " + launcher);
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")), "no bash");
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        try {
            Process p = new ProcessBuilder(command).directory(cwd.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("launcher did not finish in " + TIMEOUT_MINUTES + " minutes: " + command);
            }
            // The stderr filter of the launcher may finish just after the JVM: give it a moment.
            Thread.sleep(100);
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void runsAGoldenFixtureFromAnotherDirectoryWithRelativePaths() throws Exception {
        String name = "p04_normfirst_factorized";
        Path cwd = Fixtures.root(); // relative paths below are relative to this, not to the repository
        Result r = launch(cwd, "run", "--model", name + "/model", "--inputs", name + "/cases.safetensors",
                "--output", tmp.resolve("out.safetensors").toString(), "--threads", "2");
        assertEquals(0, r.exitCode(), () -> "stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        assertFalse(r.err().contains("WARNING: Using incubator modules"), r.err());
        Fixtures.assertFileMatches(name, Fixtures.expected(name), Safetensors.read(tmp.resolve("out.safetensors")));
        assertTrue(r.out().contains(name + "/model"), r.out());
    }

    @Test
    void helpListsTheCommands() throws Exception {
        Result r = launch(tmp, "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("run"), r.out());
    }

    @Test
    void badInputExitsWithTwoAndOneErrorLine() throws Exception {
        Result r = launch(tmp, "run", "--model", "no-such-dir");
        assertEquals(2, r.exitCode(), r.err());
        List<String> lines = r.err().lines().filter(l -> !l.startsWith("sparse-mixer: building")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("error: ") && lines.get(0).contains("no-such-dir"), r.err());
        assertEquals("", r.out());
    }
}
