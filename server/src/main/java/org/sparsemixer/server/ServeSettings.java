package org.sparsemixer.server;

import java.nio.file.Path;
import org.sparsemixer.engine.WeightPrecision;

/**
 * Everything {@code sparse-mixer serve} was asked for: which model, how it runs, how the server behaves.
 *
 * @param model          model directory, or null for {@code preset}
 * @param preset         preset with random weights (seed 42) when {@code model} is null: base, fast, bert-base
 * @param name           model name in URLs; null: the directory's or preset's name
 * @param threads        compute threads
 * @param precision      weights in memory
 * @param allowNonFinite load a model whose weights hold NaN or infinite values
 * @param server         listening, batching and queueing
 */
public record ServeSettings(Path model, String preset, String name, int threads, WeightPrecision precision,
                            boolean allowNonFinite, ServerOptions server) {
    /** The model name: {@code --name}, else the model directory's name, else the preset's. */
    public String modelName() {
        if (name != null) {
            return name;
        }
        if (model != null) {
            Path file = model.toAbsolutePath().normalize().getFileName();
            return file == null ? "model" : file.toString();
        }
        return preset;
    }
}
