package org.sparsemixer.cli;

import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** {@code --model DIR | --config NAME}: a model directory, or a preset with random weights (seed 42). */
final class ModelChoice {
    @Option(names = "--model", paramLabel = "DIR", description = "Model directory.")
    Path model;

    @Option(names = "--config", paramLabel = "NAME",
            description = "Preset with random weights: base, fast (eval capacity 0.5) or bert-base (default: base).")
    String preset;

    /** The model directory of {@code choice} (null when none was given). */
    static Path model(ModelChoice choice) {
        return choice == null ? null : choice.model;
    }

    /** The preset of {@code choice}, lower case; "base" when neither option was given. */
    static String preset(ModelChoice choice) {
        return choice == null || choice.preset == null ? "base" : choice.preset.toLowerCase(Locale.ROOT);
    }
}
