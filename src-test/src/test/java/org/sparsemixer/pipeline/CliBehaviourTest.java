package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Command-line behaviour that needs no engine: help, version, usage errors, exit codes. */
class CliBehaviourTest {
    @TempDir
    Path tmp;

    private static final String FIXTURE = "p01_linear_postnorm_base";

    @Test
    void helpListsEveryCommandAndExitsZero() {
        Cli.Result r = Cli.run("--help");
        Cli.assertOk(r);
        assertTrue(r.out().contains("Usage: sparse-mixer"), r::toString);
        for (String command : new String[] {"run", "bench", "inspect", "convert", "init"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith(command + " ")),
                    () -> command + " not listed:\n" + r);
        }
    }

    @Test
    void runHelpListsItsOptions() {
        Cli.Result r = Cli.run("run", "--help");
        Cli.assertOk(r);
        for (String option : new String[] {"--model", "--inputs", "--output", "--threads", "--batch"}) {
            assertTrue(r.out().contains(option), () -> option + " missing:\n" + r);
        }
    }

    @Test
    void helpCommandShowsRunHelp() {
        Cli.Result r = Cli.run("help", "run");
        Cli.assertOk(r);
        assertTrue(r.out().contains("--model"), r::toString);
    }

    @Test
    void versionPrintsTheVersion() {
        Cli.Result r = Cli.run("--version");
        Cli.assertOk(r);
        assertTrue(r.out().startsWith("sparse-mixer "), r::toString);
        assertFalse(r.out().contains("unknown") || r.out().contains("${"), r::toString);
    }

    @Test
    void runWarmUpReportsItsCostAndLeavesTheOutputUnchanged() throws Exception {
        String model = Fixtures.model(FIXTURE).toString();
        String inputs = Fixtures.cases(FIXTURE).toString();
        Path plain = tmp.resolve("plain.safetensors");
        Path warmed = tmp.resolve("warmed.safetensors");
        Cli.Result r0 = Cli.run("run", "--model", model, "--inputs", inputs, "--output", plain.toString());
        Cli.assertOk(r0);
        assertFalse(r0.out().contains("warm-up:"), r0::toString);
        Cli.Result r = Cli.run("run", "--model", model, "--inputs", inputs, "--output", warmed.toString(),
                "--warmup", "2");
        Cli.assertOk(r);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("warm-up: +2 calls \\(SparseMixerEncoder.warmUp\\), [0-9.]+ ms")),
                r::toString);
        assertTrue(r.out().contains("after the warm-up"), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("start-up: +result [0-9]+ ms after the process started .*")),
                r::toString);
        assertEquals(-1, Files.mismatch(plain, warmed), "warm-up calls must not change the result");
    }

    @Test
    void runWarmUpMustNotBeNegative() {
        Cli.assertBadInput(Cli.run("run", "--model", Fixtures.model(FIXTURE).toString(), "--warmup", "-1"),
                "--warmup");
    }

    @Test
    void noCommandIsAUsageError() {
        Cli.assertBadInput(Cli.run());
    }

    @Test
    void unknownCommand() {
        Cli.assertBadInput(Cli.run("frobnicate"), "frobnicate");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--bogus", "--modle"})
    void unknownOption(String option) {
        Cli.assertBadInput(Cli.run("run", option, "x"));
    }

    @Test
    void optionWithoutValue() {
        Cli.assertBadInput(Cli.run("run", "--model"), "--model");
    }

    @Test
    void missingModelDirectory() {
        Path missing = tmp.resolve("no-such-model");
        Cli.assertBadInput(Cli.run("run", "--model", missing.toString()), "--model");
    }

    @Test
    void modelThatIsAFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("model.txt"), "x");
        Cli.assertBadInput(Cli.run("run", "--model", file.toString()), "--model");
    }

    @Test
    void emptyModelDirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty-model"));
        Cli.assertBadInput(Cli.run("run", "--model", dir.toString(), "--threads", "1"), "config.json");
    }

    @Test
    void missingInputsFile() {
        Cli.assertBadInput(Cli.run("run", "--model", Fixtures.model(FIXTURE).toString(),
                "--inputs", tmp.resolve("nope.safetensors").toString()), "--inputs");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1"})
    void threadsBelowOne(String threads) {
        Cli.assertBadInput(Cli.run("run", "--threads", threads), "--threads", threads);
    }

    @Test
    void threadsNotANumber() {
        Cli.assertBadInput(Cli.run("run", "--threads", "many"), "many");
    }

    @Test
    void batchBelowOne() {
        Cli.assertBadInput(Cli.run("run", "--batch", "0"), "--batch");
    }

    @Test
    void batchWithInputsIsRejected() {
        Cli.assertBadInput(Cli.run("run", "--model", Fixtures.model(FIXTURE).toString(),
                "--inputs", Fixtures.cases(FIXTURE).toString(), "--batch", "2"), "--batch");
    }

    @Test
    void outputThatIsADirectory() {
        Cli.assertBadInput(Cli.run("run", "--model", Fixtures.model(FIXTURE).toString(),
                "--inputs", Fixtures.cases(FIXTURE).toString(), "--output", tmp.toString()), "--output");
    }

    @Test
    void verboseUsageErrorStillStartsWithTheErrorLine() {
        Cli.Result r = Cli.run("--verbose", "run", "--threads", "0");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.errLines()[0].startsWith("error: "), r::toString);
    }

    @Test
    void sampleBatchOfAFixtureModel() {
        Cli.Result r = Cli.run("run", "--model", Fixtures.model(FIXTURE).toString(), "--batch", "3", "--threads", "1");
        Cli.assertOk(r);
        assertTrue(r.out().contains("batch 3"), r::toString);
    }

    @Test
    void defaultSampleBatchFitsTheRoutingGroups() {
        // p05_fast_epg2 has examples_per_group 2.0: the default sample batch is 2, not 1.
        Cli.Result r = Cli.run("run", "--model", Fixtures.model("p05_fast_epg2").toString(), "--threads", "1");
        Cli.assertOk(r);
        assertTrue(r.out().contains("batch 2"), r::toString);
    }

    @Test
    void sampleBatchTooSmallForTheRoutingGroups() {
        // examples_per_group 2.0 > B = 1 is bad input (SPEC section 4).
        Cli.assertBadInput(Cli.run("run", "--model", Fixtures.model("p05_fast_epg2").toString(),
                "--batch", "1", "--threads", "1"), "examples_per_group");
    }
}
