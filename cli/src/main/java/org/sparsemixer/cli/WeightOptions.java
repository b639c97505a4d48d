package org.sparsemixer.cli;

import org.sparsemixer.engine.WeightPrecision;
import org.sparsemixer.loader.LoadOptions;
import org.sparsemixer.loader.WeightDType;
import picocli.CommandLine.Option;

/** How a command holds a model's weights in memory: the options {@code run}, {@code bench} and {@code serve} share. */
final class WeightOptions {
    @Option(names = "--weights-dtype", paramLabel = "DTYPE", defaultValue = "f32",
            description = "Precision of the weights in memory: f32 (as stored), bf16 or f16 (every weight rounded to"
                    + " nearest even to that format, whatever the file's dtype, kept in 16 bits and widened in the"
                    + " kernels: half the memory); default: ${DEFAULT-VALUE}.")
    WeightDType dtype = WeightDType.F32;

    @Option(names = "--allow-nonfinite",
            description = "Load a --model whose weights hold NaN or infinite values (refused by default).")
    boolean allowNonFinite;

    WeightPrecision precision() {
        return dtype.precision();
    }

    LoadOptions loadOptions() {
        return new LoadOptions(dtype, allowNonFinite);
    }
}
