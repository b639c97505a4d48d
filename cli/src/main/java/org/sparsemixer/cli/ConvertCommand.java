package org.sparsemixer.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sparsemixer.loader.ModelFiles;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.WeightDType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code convert}: a model in another dtype, or a model from a NumPy .npz export or a Keras .h5 weights file. */
@Command(name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Rewrite a model directory with its weights stored as another dtype (rounded to nearest even):",
            "  convert --model DIR --output DIR --dtype bf16|f16|f32",
            "or build a model directory from a NumPy .npz of the Keras variables and a config.json:",
            "  convert --npz FILE --config FILE --output DIR [--dtype f32|bf16|f16]",
            "or from a Keras .h5 weights file (tf-keras model.save_weights) and a config.json:",
            "  convert --keras-h5 FILE --config FILE --output DIR [--dtype f32|bf16|f16]",
            "The output is one model.safetensors with the layout's tensor names, and config.json."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "Input model directory (single file or sharded).")
    Path model;

    @Option(names = "--npz", paramLabel = "FILE",
            description = "Input NumPy archive (np.savez of {variable name: value}); needs --config.")
    Path npz;

    @Option(names = "--keras-h5", paramLabel = "FILE",
            description = "Input Keras weights file (tf-keras model.save_weights(\"....h5\")); needs --config.")
    Path kerasH5;

    @Option(names = "--config", paramLabel = "FILE", description = "config.json for --npz and --keras-h5.")
    Path config;

    @Option(names = "--output", paramLabel = "DIR", required = true, description = "Output model directory (created if needed).")
    Path output;

    @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "f32",
            description = "Stored dtype of the output weights: f32, bf16 or f16 (default: ${DEFAULT-VALUE}).")
    WeightDType dtype;

    @Option(names = "--force", description = "Overwrite a model already in the output directory.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if ((model != null ? 1 : 0) + (npz != null ? 1 : 0) + (kerasH5 != null ? 1 : 0) != 1) {
            throw new IllegalArgumentException("give exactly one of --model DIR, --npz FILE and --keras-h5 FILE");
        }
        if (model != null && config != null) {
            throw new IllegalArgumentException("--config goes with --npz or --keras-h5; a --model directory has its own config.json");
        }
        if (model == null && config == null) {
            throw new IllegalArgumentException((npz != null ? "--npz" : "--keras-h5") + " needs --config FILE (the model's config.json)");
        }
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        if (model != null) {
            Arguments.modelDirectory(model);
            ModelFiles.convertModel(model, output, dtype, force, ProgressReporter.forTerminal(err, "converting"));
        } else if (npz != null) {
            Arguments.regularFile("--npz", npz);
            Arguments.regularFile("--config", config);
            ModelFiles.convertNpz(npz, config, output, dtype, force, ProgressReporter.forTerminal(err, "converting"));
        } else {
            Arguments.regularFile("--keras-h5", kerasH5);
            Arguments.regularFile("--config", config);
            List<String> skipped = ModelFiles.convertKerasH5(kerasH5, config, output, dtype, force,
                    ProgressReporter.forTerminal(err, "converting"));
            if (!skipped.isEmpty()) {
                spec.commandLine().getOut().printf("skipped %d weight%s outside the encoder: %s%n", skipped.size(),
                        skipped.size() == 1 ? "" : "s", String.join(", ", skipped));
            }
        }
        report(spec.commandLine().getOut(), output, dtype, start);
        return Main.EXIT_OK;
    }

    static void report(PrintWriter out, Path output, WeightDType dtype, long startNanos) throws java.io.IOException {
        long bytes = Files.size(output.resolve(ModelLoader.WEIGHTS_FILE));
        out.printf(Locale.ROOT, "wrote %s: %s (%s, %.1f MiB) and %s in %.1f s%n", output, ModelLoader.WEIGHTS_FILE,
                dtype.cliName(), bytes / 1048576.0, ModelLoader.CONFIG_FILE, (System.nanoTime() - startNanos) / 1e9);
        out.flush();
    }
}
