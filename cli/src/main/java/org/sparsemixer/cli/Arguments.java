package org.sparsemixer.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks of command-line values shared by the subcommands, done before any slow work starts. */
final class Arguments {
    private Arguments() {
    }

    /** The thread count to use: the given one (>= 1) or the number of available processors. */
    static int threads(Integer threads) {
        int count = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (count < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + count);
        }
        return count;
    }

    /** {@code value} when it is at least {@code min}; otherwise an error naming the option. */
    static int atLeast(String option, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    /** Fails unless {@code model} is an existing directory (null is allowed: no --model given). */
    static void modelDirectory(Path model) {
        if (model != null && !Files.isDirectory(model)) {
            throw new IllegalArgumentException(Files.exists(model)
                    ? "--model " + model + " is not a directory"
                    : "--model " + model + ": no such directory");
        }
    }

    /** Fails unless {@code file} is an existing regular file (null is allowed: the option was not given). */
    static void regularFile(String option, Path file) {
        if (file != null && !Files.isRegularFile(file)) {
            throw new IllegalArgumentException(Files.exists(file)
                    ? option + " " + file + " is not a regular file"
                    : option + " " + file + ": no such file");
        }
    }
}
