package org.sparsemixer.loader;

import java.io.IOException;
import java.nio.file.Path;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/** Model directories (config.json + model.safetensors) to encoders and back. STUB. */
public final class ModelLoader {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";

    private ModelLoader() {
    }

    /** Loads, validates and builds the frozen encoder of a model directory. */
    public static SparseMixerEncoder load(Path modelDir, EncoderOptions options) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    /** Writes a model directory (F32 weights) from a config and a weight source. */
    public static void save(Path modelDir, SparseMixerConfig config, TensorSource weights) throws IOException {
        throw new UnsupportedOperationException("stub");
    }
}
