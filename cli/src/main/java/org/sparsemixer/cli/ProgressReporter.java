package org.sparsemixer.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import org.sparsemixer.loader.safetensors.SafeTensorsWriter;

/**
 * Progress of a long write on stderr, one self-overwriting line, only when stderr's console is a terminal
 * ({@code System.console().isTerminal()}: since JDK 22 {@code System.console()} may be non-null even
 * when the streams are redirected). In scripts and tests nothing is printed.
 */
final class ProgressReporter implements SafeTensorsWriter.Progress {
    private final PrintWriter err;
    private final String verb;
    private long lastPrint;

    private ProgressReporter(PrintWriter err, String verb) {
        this.err = err;
        this.verb = verb;
    }

    /** A reporter writing to {@code err}, or null (no progress) when not attached to a terminal. */
    static ProgressReporter forTerminal(PrintWriter err, String verb) {
        Console console = System.console();
        return console != null && console.isTerminal() ? new ProgressReporter(err, verb) : null;
    }

    @Override
    public void tensorWritten(String name, int done, int total, long bytesDone, long bytesTotal) {
        long now = System.nanoTime();
        if (done < total && now - lastPrint < 100_000_000L) {
            return;
        }
        lastPrint = now;
        err.printf(Locale.ROOT, "\r%s: %d/%d tensors, %.0f/%.0f MiB", verb, done, total, bytesDone / 1048576.0,
                bytesTotal / 1048576.0);
        if (done == total) {
            err.print("\r" + " ".repeat(60) + "\r");
        }
        err.flush();
    }
}
