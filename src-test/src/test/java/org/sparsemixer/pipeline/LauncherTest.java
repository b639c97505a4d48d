package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
        return launch(cwd, Map.of(), args);
    }

    private static Result launch(Path cwd, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        assumeTrue(launcher != null && Files.isExecutable(launcher), "no executable launcher at " + launcher);
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")), "no bash");
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        p.getOutputStream().close();
        // Read both pipes to EOF: that also waits for the launcher's stderr filter, which may end after the JVM.
        // One thread per pipe, so a full stderr pipe (e.g. build output) cannot block the process.
        Executor perPipe = r -> Thread.ofPlatform().daemon().start(r);
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()), perPipe);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()), perPipe);
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("launcher did not finish in " + TIMEOUT_MINUTES + " minutes: " + command);
        }
        try {
            return new Result(p.exitValue(), out.get(1, TimeUnit.MINUTES), err.get(1, TimeUnit.MINUTES));
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("could not read the launcher's output", e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
    void runsTheJvmWithObjectsOnCacheLinesSoTheWeightPanelsAreOnThem() throws Exception {
        // -XX:ObjectAlignmentInBytes=64 from the launcher, seen by the engine (HeapAlignment) in `bench`'s report
        Result r = launch(tmp, "bench", "--model", Fixtures.model("p01_linear_postnorm_base").toString(),
                "--warmup", "0", "--iterations", "1");
        assertEquals(0, r.exitCode(), () -> "stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        assertTrue(r.out().contains("; weight panels on cache lines"), r.out());
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

    /** stderr without the launcher's own build message (a build may happen in any test). */
    private static List<String> errorLines(Result r) {
        return r.err().lines().filter(l -> !l.startsWith("sparse-mixer: building")).toList();
    }

    @Test
    void makesAnAotCacheForItsJarAndTheJvmUsesIt() throws Exception {
        assumeTrue(!"0".equals(System.getenv("SPARSE_MIXER_AOT")), "AOT cache turned off in this environment");
        // -XX:AOTMode=on: the JVM refuses to start unless it can use the cache the launcher passes.
        Result r = launch(tmp, Map.of("JAVA_OPTS", "-XX:AOTMode=on"), "--version");
        assertEquals(0, r.exitCode(), () -> "the JVM could not use the launcher's AOT cache:\n" + r.err());
        assertEquals(List.of(), errorLines(r));
        Path cache = repoRoot.resolve("cli/target/sparse-mixer.aot");
        assertTrue(Files.size(cache) > 1_000_000, "cache " + cache);
        String stamp = Files.readString(repoRoot.resolve("cli/target/sparse-mixer.aot.jar"));
        assertTrue(stamp.startsWith(repoRoot.resolve("cli/target/sparse-mixer.jar") + " "), stamp);
    }

    @Test
    void runsWithoutNoiseWhenTheJvmCannotUseTheCacheOrItIsTurnedOff() throws Exception {
        String name = "p01_linear_postnorm_base";
        Path cwd = Fixtures.root();
        // Without compressed oops the cache (made with them) does not fit: the JVM loads classes normally.
        for (Map<String, String> env : List.of(Map.of("JAVA_OPTS", "-XX:-UseCompressedOops"),
                Map.of("SPARSE_MIXER_AOT", "0"))) {
            Path out = tmp.resolve("out-" + env.size() + env.hashCode() + ".safetensors");
            Result r = launch(cwd, env, "run", "--model", name + "/model", "--inputs", name + "/cases.safetensors",
                    "--output", out.toString(), "--threads", "2");
            assertEquals(0, r.exitCode(), () -> env + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err());
            assertEquals(List.of(), errorLines(r), env.toString());
            Fixtures.assertFileMatches(name, Fixtures.expected(name), Safetensors.read(out));
        }
    }
}
