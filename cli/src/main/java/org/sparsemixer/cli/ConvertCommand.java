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
import org.sparsemixer.loader.tf.TfCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code convert}: a model in another dtype, or a model from a NumPy .npz export, a TensorFlow checkpoint or a Keras .h5 weights file. */
@Command(name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Rewrite a model directory with its weights stored as another dtype (rounded to nearest even):",
            "  convert --model DIR --output DIR --dtype bf16|f16|f32",
            "or build a model directory from a NumPy .npz of the Keras variables and a config.json:",
            "  convert --npz FILE --config FILE --output DIR [--dtype f32|bf16|f16]",
            "or from a TensorFlow checkpoint or SavedModel (weights found by their Keras names):",
            "  convert --tf-checkpoint PREFIX|DIR --config FILE --output DIR [--prefix SCOPE]",
            "  convert --saved-model DIR --config FILE --output DIR [--prefix SCOPE]",
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

    @Option(names = "--tf-checkpoint", paramLabel = "PREFIX|DIR",
            description = "Input TensorFlow checkpoint: a prefix (PREFIX.index, PREFIX.data-*), or a directory with a"
                    + " 'checkpoint' state file or exactly one *.index; needs --config.")
    Path tfCheckpoint;

    @Option(names = "--saved-model", paramLabel = "DIR",
            description = "Input TensorFlow SavedModel directory (reads DIR/variables/variables.*); needs --config.")
    Path savedModel;

    @Option(names = "--prefix", paramLabel = "SCOPE",
            description = "With --tf-checkpoint/--saved-model: the encoder's Keras name scope (e.g. sparse_mixer_1),"
                    + " when the checkpoint holds several encoders.")
    String prefix;

    @Option(names = "--keras-h5", paramLabel = "FILE",
            description = "Input Keras weights file (tf-keras model.save_weights(\"....h5\")); needs --config.")
    Path kerasH5;

    @Option(names = "--config", paramLabel = "FILE",
            description = "config.json for --npz, --tf-checkpoint, --saved-model and --keras-h5.")
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
        long inputs = java.util.stream.Stream.of(model, npz, tfCheckpoint, savedModel, kerasH5)
                .filter(java.util.Objects::nonNull).count();
        if (inputs != 1) {
            throw new IllegalArgumentException("give exactly one of --model DIR, --npz FILE, --tf-checkpoint PREFIX|DIR,"
                    + " --saved-model DIR and --keras-h5 FILE");
        }
        if (model != null && config != null) {
            throw new IllegalArgumentException("--config goes with --npz, --tf-checkpoint, --saved-model or --keras-h5;"
                    + " a --model directory has its own config.json");
        }
        if (model == null && config == null) {
            throw new IllegalArgumentException((npz != null ? "--npz" : tfCheckpoint != null ? "--tf-checkpoint"
                    : savedModel != null ? "--saved-model" : "--keras-h5") + " needs --config FILE (the model's config.json)");
        }
        if (prefix != null && tfCheckpoint == null && savedModel == null) {
            throw new IllegalArgumentException("--prefix goes with --tf-checkpoint or --saved-model");
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
        } else if (kerasH5 == null) {
            Arguments.regularFile("--config", config);
            Path checkpoint = tfCheckpoint != null ? TfCheckpoint.resolvePrefix(tfCheckpoint) : TfCheckpoint.savedModelPrefix(savedModel);
            ModelFiles.convertTfCheckpoint(checkpoint, prefix, config, output, dtype, force,
                    ProgressReporter.forTerminal(err, "converting"));
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
