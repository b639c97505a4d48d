package org.sparsemixer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.InvalidConfigException;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;

class ErrorReportingTest {
    @Test
    void badInputAndModelFilesAreExitCodeTwo() {
        assertEquals(2, ErrorReporting.exitCode(new IllegalArgumentException("x")));
        assertEquals(2, ErrorReporting.exitCode(new InvalidModelException("x")));
        assertEquals(2, ErrorReporting.exitCode(new InvalidConfigException("vocab_size", "is required")));
        assertEquals(2, ErrorReporting.exitCode(new NoSuchFileException("a/b")));
        assertEquals(2, ErrorReporting.exitCode(new AccessDeniedException("a/b")));
        assertEquals(2, ErrorReporting.exitCode(new IOException("truncated")));
        assertEquals(2, ErrorReporting.exitCode(new UncheckedIOException(new NoSuchFileException("a"))));
    }

    @Test
    void everythingElseIsExitCodeOne() {
        assertEquals(1, ErrorReporting.exitCode(new IllegalStateException("bug")));
        assertEquals(1, ErrorReporting.exitCode(new NullPointerException()));
        assertEquals(1, ErrorReporting.exitCode(new UnsupportedOperationException()));
    }

    @Test
    void messagesAreOneLineAndNameTheFile() {
        assertEquals("no such file or directory: m/config.json",
                ErrorReporting.message(new NoSuchFileException("m/config.json")));
        assertEquals("permission denied: m/model.safetensors",
                ErrorReporting.message(new AccessDeniedException("m/model.safetensors")));
        assertEquals("a b c", ErrorReporting.message(new IllegalArgumentException("a\n  b\r\nc\n")));
        assertEquals("config key 'vocab_size' is required",
                ErrorReporting.message(new InvalidConfigException("vocab_size", "is required")));
        // Unexpected exceptions keep their type, so a bug report is useful without --verbose.
        assertTrue(ErrorReporting.message(new NullPointerException()).contains("NullPointerException"));
    }

    @Test
    void stackTraceOnlyWhenVerbose() {
        StringWriter quiet = new StringWriter();
        ErrorReporting.report(new PrintWriter(quiet), "boom", new IllegalStateException("boom"), false);
        assertEquals("error: boom" + System.lineSeparator(), quiet.toString());
        StringWriter verbose = new StringWriter();
        ErrorReporting.report(new PrintWriter(verbose), "boom", new IllegalStateException("boom"), true);
        assertTrue(verbose.toString().startsWith("error: boom"));
        assertTrue(verbose.toString().contains("\tat "));
        assertFalse(quiet.toString().contains("\tat "));
    }

    @Test
    void defaultSampleBatchSatisfiesTheRoutingGroups() {
        assertEquals(1, RunCommand.defaultBatch(config(1.0, List.of(1))));
        assertEquals(1, RunCommand.defaultBatch(config(0.5, List.of(1))));
        assertEquals(2, RunCommand.defaultBatch(config(2.0, List.of(1))));
        // S = 8, 1.5 examples per group: T = 12, smallest B >= 1.5 with 8B % 12 == 0 is 3.
        assertEquals(3, RunCommand.defaultBatch(config(1.5, List.of(1))));
        // No MoE layer: routing groups do not matter.
        assertEquals(1, RunCommand.defaultBatch(config(2.0, List.of())));
    }

    private static SparseMixerConfig config(double examplesPerGroup, List<Integer> moeLayers) {
        return new SparseMixerConfig(10, 8, 2, moeLayers, List.of(0), 2, 1.0, 1.0, examplesPerGroup,
                MixingMechanism.LINEAR, false, 2, 8, 2, 16, SparseMixerConfig.GELU_APPROXIMATE, null, 8, false, false);
    }
}
