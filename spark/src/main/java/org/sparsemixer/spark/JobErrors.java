package org.sparsemixer.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import org.apache.spark.sql.AnalysisException;

/**
 * Maps a failure of the job to its exit code and one-line message. Spark wraps a task's exception (a bad
 * row, say) in its own; the cause chain still holds the original, which is what the user needs to read.
 */
final class JobErrors {
    private JobErrors() {
    }

    static boolean isBadInput(Throwable e) {
        return badInputCause(e) != null;
    }

    static String message(Throwable e) {
        Throwable t = badInputCause(e);
        if (t == null) {
            t = e;
            return oneLine(t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        }
        if (t instanceof NoSuchFileException f) {
            return oneLine("no such file or directory: " + f.getFile());
        }
        if (t instanceof FileAlreadyExistsException f) {
            return oneLine(f.getFile() + ": " + f.getReason());
        }
        return oneLine(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }

    /**
     * The first cause that is bad input: a bad row, an invalid argument or model, a file problem, or an
     * unsupported operation.
     */
    private static Throwable badInputCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BadRowException) {
                return t;
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UncheckedIOException) {
                continue;
            }
            if (t instanceof IllegalArgumentException || t instanceof IOException || t instanceof AnalysisException
                    || t instanceof UnsupportedOperationException) {
                return t;
            }
        }
        return null;
    }

    static String oneLine(String text) {
        return text.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
