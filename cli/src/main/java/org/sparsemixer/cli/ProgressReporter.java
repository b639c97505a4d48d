package org.sparsemixer.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import org.sparsemixer.loader.safetensors.SafeTensorsWriter;

/**
 * Progress of a long write on stderr, only when the program runs at a terminal
 * ({@code System.console().isTerminal()}: since JDK 22 {@code System.console()} may be non-null even
 * when the streams are redirected). In scripts and tests nothing is printed. Writes that finish within a
 * second print nothing; longer ones print a whole line at most once a second: whole lines because the
 * {@code sparse-mixer} launcher passes stderr through a line-buffered filter, which would hold back a
 * self-overwriting {@code \r} line until the end.
 */
final class ProgressReporter implements SafeTensorsWriter.Progress {
    private final PrintWriter err;
    private final String verb;
    private final long start = System.nanoTime();
    private long lastPrint = start;

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
        if (now - start < 1_000_000_000L || (done < total && now - lastPrint < 1_000_000_000L)) {
            return;
        }
        lastPrint = now;
        err.printf(Locale.ROOT, "%s: %d/%d tensors, %.0f/%.0f MiB (%.0f%%)%n", verb, done, total, bytesDone / 1048576.0,
                bytesTotal / 1048576.0, 100.0 * bytesDone / Math.max(1, bytesTotal));
        err.flush();
    }
}
