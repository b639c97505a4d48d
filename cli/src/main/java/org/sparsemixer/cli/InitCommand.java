package org.sparsemixer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sparsemixer.engine.ModelPresets;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.ConfigJson;
import org.sparsemixer.loader.DefaultModel;
import org.sparsemixer.loader.ModelFiles;
import org.sparsemixer.loader.WeightDType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code init}: a model directory with deterministic random weights. */
@Command(name = "init",
        mixinStandardHelpOptions = true,
        description = {
            "Write a model directory with deterministic random weights (truncated normal, stddev 0.02;",
            "layer-norm gamma 1, beta 0). 'init --config base' with the default seed writes exactly the",
            "embedded default model of 'run'."})
final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "PRESET|FILE", required = true,
            description = "A preset (base, fast, bert-base) or a config.json file (use ./NAME for a file named like a preset).")
    String config;

    @Option(names = "--output", paramLabel = "DIR", required = true, description = "Output model directory (created if needed).")
    Path output;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: " + DefaultModel.SEED + ", the embedded model's).")
    long seed = DefaultModel.SEED;

    @Option(names = "--force", description = "Overwrite a model already in the output directory.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        SparseMixerConfig c = resolve(config);
        long start = System.nanoTime();
        ModelFiles.init(c, seed, output, force, ProgressReporter.forTerminal(spec.commandLine().getErr(), "writing"));
        ConvertCommand.report(spec.commandLine().getOut(), output, WeightDType.F32, start);
        return Main.EXIT_OK;
    }

    static SparseMixerConfig resolve(String config) throws java.io.IOException {
        if (ModelPresets.NAMES.contains(config.toLowerCase(Locale.ROOT))) {
            return ModelPresets.byName(config);
        }
        Path file = Path.of(config);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--config " + config + " is neither a preset (" + String.join(", ", ModelPresets.NAMES)
                    + ") nor " + (Files.exists(file) ? "a regular file" : "an existing file"));
        }
        return ConfigJson.read(file);
    }
}
