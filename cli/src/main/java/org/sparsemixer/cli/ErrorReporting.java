package org.sparsemixer.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine.ParameterException;

/** Maps failures to the one-line {@code error:} message and exit code of SPEC section 5. */
final class ErrorReporting {
    private ErrorReporting() {
    }

    /** 2 for bad input or model files and usage errors, 1 for anything else. */
    static int exitCode(Throwable e) {
        Throwable t = unwrap(e);
        if (t instanceof ParameterException || t instanceof IllegalArgumentException || t instanceof IOException) {
            // IllegalArgumentException covers InvalidModelException / InvalidConfigException and every
            // input-validation error of SPEC section 4. Every path run reads or writes is given by the user,
            // so an IOException is a problem with a user-supplied file.
            return Main.EXIT_BAD_INPUT;
        }
        return Main.EXIT_ERROR;
    }

    /** A single-line, human message for a failure. */
    static String message(Throwable e) {
        Throwable t = unwrap(e);
        String text;
        if (t instanceof NoSuchFileException f) {
            text = "no such file or directory: " + describe(f);
        } else if (t instanceof AccessDeniedException f) {
            text = "permission denied: " + describe(f);
        } else if (t instanceof NotDirectoryException f) {
            text = "not a directory: " + describe(f);
        } else if (t instanceof FileAlreadyExistsException f) {
            text = "file already exists: " + describe(f);
        } else if (t instanceof FileSystemException f) {
            text = describe(f);
        } else if (t instanceof IllegalArgumentException || t instanceof IOException) {
            text = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        } else {
            // Unexpected: name the exception type so a bug report is useful even without --verbose.
            text = t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        }
        return oneLine(text);
    }

    static void report(PrintWriter err, String message, Throwable e, boolean verbose) {
        err.println("error: " + message);
        if (verbose && e != null) {
            e.printStackTrace(err);
        }
        err.flush();
    }

    static String oneLine(String text) {
        return text.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    private static String describe(FileSystemException f) {
        StringBuilder sb = new StringBuilder(f.getFile() == null ? "" : f.getFile());
        if (f.getOtherFile() != null) {
            sb.append(" -> ").append(f.getOtherFile());
        }
        if (f.getReason() != null) {
            sb.append(sb.isEmpty() ? "" : ": ").append(f.getReason());
        }
        return sb.isEmpty() ? f.getClass().getSimpleName() : sb.toString();
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof UncheckedIOException || t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.util.concurrent.CompletionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
