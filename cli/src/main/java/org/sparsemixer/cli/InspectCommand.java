package org.sparsemixer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sparsemixer.loader.ModelSummary;
import org.sparsemixer.loader.tf.TfCheckpoint;
import org.sparsemixer.loader.tf.TfCheckpointReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code inspect}: what a model directory holds, validated; or the variables of a TensorFlow checkpoint. */
@Command(name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Validate a model directory and describe it: config, parameters per component, FLOPs per sequence,",
            "weight memory, its text tokenizer, a tensor table (name, dtype, shape, bytes) and NaN/Inf counts;",
            "or list every variable of a TensorFlow checkpoint: key, the layout name it maps to or why it is",
            "skipped, dtype and shape."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Model directory (config.json and model.safetensors, or a sharded model.safetensors.index.json).")
    Path model;

    @Option(names = "--tf-checkpoint", paramLabel = "PREFIX|DIR",
            description = "TensorFlow checkpoint prefix, or a directory with a 'checkpoint' state file or one *.index.")
    Path tfCheckpoint;

    @Option(names = "--prefix", paramLabel = "SCOPE", description = "With --tf-checkpoint: the encoder's Keras name scope.")
    String prefix;

    @Option(names = "--json", description = "Print a JSON document instead of the human-readable report.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (tfCheckpoint == null)) {
            throw new IllegalArgumentException("give exactly one of --model DIR and --tf-checkpoint PREFIX|DIR");
        }
        if (prefix != null && tfCheckpoint == null) {
            throw new IllegalArgumentException("--prefix goes with --tf-checkpoint");
        }
        if (tfCheckpoint != null) {
            try (TfCheckpoint c = TfCheckpoint.open(TfCheckpoint.resolvePrefix(tfCheckpoint), prefix)) {
                spec.commandLine().getOut().print(json ? TfCheckpointReport.toJson(c) : TfCheckpointReport.toText(c));
            }
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        }
        Arguments.modelDirectory(model);
        ModelSummary summary = ModelSummary.inspect(model);
        spec.commandLine().getOut().print(json ? summary.toJson() : summary.toText());
        spec.commandLine().getOut().flush();
        return Main.EXIT_OK;
    }
}
