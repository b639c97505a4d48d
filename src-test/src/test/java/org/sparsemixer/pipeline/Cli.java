package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.sparsemixer.cli.Main;

/** Runs {@link Main#execute} in-process and checks the error contract of SPEC section 5. */
final class Cli {
    record Result(int exitCode, String out, String err) {
        String[] errLines() {
            return err.isEmpty() ? new String[0] : err.split("\\R");
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    private Cli() {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.execute(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void assertOk(Result r) {
        assertEquals(0, r.exitCode(), () -> "expected success: " + r);
        assertEquals("", r.err(), () -> "expected nothing on stderr: " + r);
    }

    /**
     * Exit code 2, exactly one line on stderr starting with "error: ", no stack trace, and the message
     * mentions every token (as a word or number).
     */
    static String assertBadInput(Result r, String... tokens) {
        assertEquals(2, r.exitCode(), () -> "expected exit code 2: " + r);
        String[] lines = r.errLines();
        assertEquals(1, lines.length, () -> "expected exactly one line on stderr: " + r);
        assertTrue(lines[0].startsWith("error: "), () -> "stderr does not start with 'error: ': " + r);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in thread"),
                () -> "stack trace without --verbose: " + r);
        assertTrue(lines[0].length() > "error: ".length() + 3, () -> "empty error message: " + r);
        for (String token : tokens) {
            assertTrue(Messages.mentions(lines[0], token),
                    () -> "error line does not mention '" + token + "' in " + Arrays.toString(lines));
        }
        return lines[0];
    }
}
