package org.sparsemixer.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;
import org.sparsemixer.loader.safetensors.SafeTensorsWriter;
import org.sparsemixer.loader.safetensors.TensorInfo;

/** Model directories (config.json + model.safetensors) to encoders and back. */
public final class ModelLoader {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    /** How many names an error message lists per kind of problem before "and N more". */
    static final int MAX_LISTED = 5;

    private ModelLoader() {
    }

    /** Loads, validates and builds the frozen encoder of a model directory. */
    public static SparseMixerEncoder load(Path modelDir, EncoderOptions options) throws IOException {
        SparseMixerConfig config = readConfig(modelDir);
        try (SafeTensorsFile weights = openWeights(modelDir)) {
            TensorSource source = validatedSource(config, weights);
            return SparseMixerEncoder.create(config, source, options);
        }
    }

    /** Reads and validates {@code modelDir/config.json}. */
    public static SparseMixerConfig readConfig(Path modelDir) throws IOException {
        requireDirectory(modelDir);
        return ConfigJson.read(modelDir.resolve(CONFIG_FILE));
    }

    /** Opens {@code modelDir/model.safetensors} (validated as a safetensors file, not yet against a config). */
    public static SafeTensorsFile openWeights(Path modelDir) throws IOException {
        requireDirectory(modelDir);
        Path file = modelDir.resolve(WEIGHTS_FILE);
        if (!Files.exists(file)) {
            throw new InvalidModelException(file + ": weights file not found", new NoSuchFileException(file.toString()));
        }
        return SafeTensorsFile.open(file);
    }

    /**
     * Checks that a weights file holds exactly the tensors the config needs, with the right shapes and
     * float dtypes. Every problem found is reported in one {@link InvalidModelException}: missing tensors,
     * unexpected tensors, wrong shapes (both shapes named), non-float dtypes.
     */
    public static void validate(SparseMixerConfig config, SafeTensorsFile weights) {
        Map<String, int[]> expected = ModelLayout.expectedTensors(config);
        Map<String, TensorInfo> actual = weights.tensors();
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            TensorInfo t = actual.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!t.hasShape(e.getValue())) {
                wrongShape.add("'" + e.getKey() + "' has shape " + Arrays.toString(t.shape()) + " but the config needs "
                        + Arrays.toString(e.getValue()));
            } else if (!t.dtype().isFloat()) {
                wrongDtype.add("'" + e.getKey() + "' has dtype " + t.dtype());
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : actual.keySet()) {
            if (!expected.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (missing.isEmpty() && unexpected.isEmpty() && wrongShape.isEmpty() && wrongDtype.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        if (!wrongShape.isEmpty()) {
            parts.add(count(wrongShape.size(), "tensor") + " with the wrong shape: " + list(wrongShape, false));
        }
        if (!missing.isEmpty()) {
            String first = missing.getFirst();
            parts.add(count(missing.size(), "missing tensor") + ": " + list(missing, true)
                    + " (e.g. '" + first + "' " + Arrays.toString(expected.get(first)) + ")");
        }
        if (!unexpected.isEmpty()) {
            String first = unexpected.getFirst();
            parts.add(count(unexpected.size(), "unexpected tensor") + ": " + list(unexpected, true)
                    + " (e.g. '" + first + "' " + Arrays.toString(actual.get(first).shape()) + ")");
        }
        if (!wrongDtype.isEmpty()) {
            parts.add(count(wrongDtype.size(), "tensor") + " with a non-float dtype (F32, F16, BF16 or F64 needed): "
                    + list(wrongDtype, false));
        }
        throw new InvalidModelException(weights.path() + " does not match " + CONFIG_FILE + ": " + String.join("; ", parts));
    }

    /** Validates the file against the config and returns a source reading (and converting) its tensors. */
    static TensorSource validatedSource(SparseMixerConfig config, SafeTensorsFile weights) {
        validate(config, weights);
        return (name, shape) -> {
            TensorInfo t = weights.info(name);
            if (!t.hasShape(shape)) {
                throw new InvalidModelException(weights.path() + ": tensor '" + name + "' has shape "
                        + Arrays.toString(t.shape()) + " but " + Arrays.toString(shape) + " was asked for");
            }
            return weights.floats(name);
        };
    }

    /** Writes a model directory (F32 weights) from a config and a weight source. */
    public static void save(Path modelDir, SparseMixerConfig config, TensorSource weights) throws IOException {
        Files.createDirectories(modelDir);
        SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, int[]> e : ModelLayout.expectedTensors(config).entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue();
            writer.addF32(name, shape, () -> weights.floats(name, shape.clone()));
        }
        writer.write(modelDir.resolve(WEIGHTS_FILE));
        Files.writeString(modelDir.resolve(CONFIG_FILE), ConfigJson.toJson(config));
    }

    private static void requireDirectory(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new InvalidModelException(modelDir + ": model directory not found"
                    + (Files.exists(modelDir) ? " (it is a file)" : ""));
        }
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String list(List<String> items, boolean quote) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(items.size(), MAX_LISTED); i++) {
            sb.append(i == 0 ? "" : ", ").append(quote ? "'" + items.get(i) + "'" : items.get(i));
        }
        if (items.size() > MAX_LISTED) {
            sb.append(" and ").append(items.size() - MAX_LISTED).append(" more");
        }
        return sb.toString();
    }
}
