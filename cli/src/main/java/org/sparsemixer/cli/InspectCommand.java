package org.sparsemixer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sparsemixer.loader.ModelSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code inspect}: what a model directory holds, validated. */
@Command(name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Validate a model directory and describe it: config, parameters per component, FLOPs per sequence,",
            "weight memory, a tensor table (name, dtype, shape, bytes) and NaN/Inf counts."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", required = true,
            description = "Model directory (config.json and model.safetensors, or a sharded model.safetensors.index.json).")
    Path model;

    @Option(names = "--json", description = "Print a JSON document instead of the human-readable report.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Arguments.modelDirectory(model);
        ModelSummary summary = ModelSummary.inspect(model);
        spec.commandLine().getOut().print(json ? summary.toJson() : summary.toText());
        spec.commandLine().getOut().flush();
        return Main.EXIT_OK;
    }
}
