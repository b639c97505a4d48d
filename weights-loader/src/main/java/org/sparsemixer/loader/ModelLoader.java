package org.sparsemixer.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.safetensors.DType;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;
import org.sparsemixer.loader.safetensors.SafeTensorsWriter;

/**
 * Model directories (config.json + model.safetensors, or a sharded model.safetensors.index.json) to
 * encoders and back.
 *
 * <p>Stored tensor names are normalised before they are matched against the layout of the config
 * ({@link TensorNames}: a trailing {@code :0} and a prefix common to all names are dropped). Loading maps
 * one tensor at a time, copies it into the engine and unmaps it; every weights file is closed by the time
 * {@link #load} returns.
 */
public final class ModelLoader {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    /** The index of a sharded model (Hugging Face convention), used when there is no {@link #WEIGHTS_FILE}. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** How many names an error message lists per kind of problem before "and N more". */
    static final int MAX_LISTED = 5;

    private ModelLoader() {
    }

    /**
     * Loads, validates and builds the frozen encoder of a model directory, with the weights kept in
     * {@link EncoderOptions#weightPrecision()}: F32 (the default) holds the stored values exactly (16-bit
     * files are widened, F64 rounded to nearest); BF16 / F16 round every weight once from the stored value
     * and keep matrices and embedding tables as 16-bit values, half the memory. The precision is the
     * options' choice alone, not the file's: a BF16 file loads as F32 unless BF16 is asked for. A model with
     * NaN or infinite weights is refused (see {@link LoadOptions}).
     */
    public static SparseMixerEncoder load(Path modelDir, EncoderOptions options) throws IOException {
        return load(modelDir, options, LoadOptions.defaults().withPrecision(WeightDType.of(options.weightPrecision())));
    }

    /**
     * Loads, validates and builds the frozen encoder of a model directory, every weight rounded to
     * {@code precision} first (see {@link WeightDType}), then kept in the options' weight precision (with
     * F32 options: the rounded values as float32, which computes what 16-bit storage computes, bit for bit).
     * The weights files are closed when this returns.
     */
    public static SparseMixerEncoder load(Path modelDir, EncoderOptions options, WeightDType precision) throws IOException {
        return load(modelDir, options, LoadOptions.defaults().withPrecision(precision));
    }

    /**
     * Loads, validates and builds the frozen encoder of a model directory as {@code load} says: rounding
     * to {@link LoadOptions#precision()}, refusing non-finite weights unless {@link LoadOptions#allowNonFinite()}.
     *
     * @throws InvalidModelException for an invalid model, including one with NaN or infinite weights (the
     *                               message names the first such tensor and its counts)
     */
    public static SparseMixerEncoder load(Path modelDir, EncoderOptions options, LoadOptions load) throws IOException {
        SparseMixerConfig config = readConfig(modelDir);
        try (ModelWeights weights = ModelWeights.open(modelDir)) {
            TensorSource source = validatedSource(config, weights, load.precision());
            if (!load.allowNonFinite()) {
                source = finiteOnly(source, weights.source(), load.precision());
            }
            return SparseMixerEncoder.create(config, source, options);
        }
    }

    /** A source that refuses any tensor holding NaN or infinite values, naming it and the counts. */
    static TensorSource finiteOnly(TensorSource source, Path file, WeightDType precision) {
        return new TensorSource() {
            @Override
            public float[] floats(String name, int[] shape) {
                return finite(name, "", source.floats(name, shape));
            }

            @Override
            public float[] slice(String name, int[] shape, int index) {
                return finite(name, " (slice " + index + ")", source.slice(name, shape, index));
            }

            private float[] finite(String name, String part, float[] v) {
                NonFiniteCount bad = NonFiniteCount.of(v);
                if (bad.total() > 0) {
                    throw new InvalidModelException(file + ": tensor '" + name + "'" + part + " holds "
                            + bad.total() + " non-finite values of " + v.length + " (" + bad.nan() + " NaN, "
                            + bad.positiveInfinity() + " +Inf, " + bad.negativeInfinity() + " -Inf"
                            + (precision == WeightDType.F32 ? "" : ", after rounding to " + precision.cliName())
                            + "); refusing the model (--allow-nonfinite, LoadOptions.allowNonFinite, loads it anyway)");
                }
                return v;
            }
        };
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

    /** {@link #validate(SparseMixerConfig, ModelWeights)} for one file. */
    public static void validate(SparseMixerConfig config, SafeTensorsFile weights) {
        bind(config, ModelWeights.of(weights));
    }

    /**
     * Checks that the weights hold exactly the tensors the config needs (after name normalisation), with
     * the right shapes and float dtypes. Every problem found is reported in one {@link InvalidModelException}:
     * missing tensors, unexpected tensors, wrong shapes (both shapes named), non-float dtypes.
     */
    public static void validate(SparseMixerConfig config, ModelWeights weights) {
        bind(config, weights);
    }

    /**
     * Validates (as {@link #validate(SparseMixerConfig, ModelWeights)}) and returns every layout name of
     * the config with the stored tensor that provides it, in layout order.
     */
    public static Map<String, ModelWeights.Stored> bind(SparseMixerConfig config, ModelWeights weights) {
        return matchLayout(config, weights.tensors(), s -> s.info().shape(), s -> s.info().dtype(), weights.source().toString());
    }

    /**
     * Matches stored tensors (by stored name) against the layout of {@code config} after name normalisation
     * and returns layout name to stored tensor, in layout order, followed by the unused optional tensors
     * present ({@link ModelLayout#unusedOptionalTensors}: the output layer norm of post-norm MoE layers,
     * accepted but never read). Expert biases may have TensorFlow's shape [E, 1, F] / [E, 1, H]
     * ({@link ModelLayout#acceptsShape}). Missing, unexpected, misshapen and non-float tensors are reported
     * together in one {@link InvalidModelException} naming {@code source}.
     */
    public static <T> Map<String, T> matchLayout(SparseMixerConfig config, Map<String, T> stored,
                                                 Function<T, int[]> shapeOf, Function<T, DType> dtypeOf, String source) {
        // A config cannot need fewer than 7 + 4 L tensors (embeddings, their layer norm, pooler; per layer a
        // layer norm and at least 4 feed-forward or expert tensors): refuse a hostile num_layers before
        // building a layout of that size.
        long minimum = 7 + 4L * config.numLayers();
        if (minimum > stored.size()) {
            throw new InvalidModelException(source + " does not match " + CONFIG_FILE + ": num_layers "
                    + config.numLayers() + " needs at least " + minimum + " tensors but the weights hold " + stored.size());
        }
        Map<String, int[]> expected = ModelLayout.expectedTensors(config);
        Map<String, int[]> optional = ModelLayout.unusedOptionalTensors(config);
        Map<String, int[]> accepted = new LinkedHashMap<>(expected);
        accepted.putAll(optional);
        Map<String, String> normalised = TensorNames.normalise(stored.keySet(), accepted.keySet(), source);
        Map<String, String> storedNameOf = new HashMap<>();
        normalised.forEach((storedName, name) -> storedNameOf.put(name, storedName));

        Map<String, T> bound = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        for (Map.Entry<String, int[]> e : accepted.entrySet()) {
            String storedName = storedNameOf.get(e.getKey());
            T t = storedName == null ? null : stored.get(storedName);
            if (t == null) {
                if (!optional.containsKey(e.getKey())) {
                    missing.add(e.getKey());
                }
            } else if (!ModelLayout.acceptsShape(e.getKey(), e.getValue(), shapeOf.apply(t))) {
                wrongShape.add("'" + storedName + "' has shape " + Arrays.toString(shapeOf.apply(t)) + " but the config needs "
                        + Arrays.toString(e.getValue()));
            } else if (!dtypeOf.apply(t).isFloat()) {
                wrongDtype.add("'" + storedName + "' has dtype " + dtypeOf.apply(t));
            } else {
                bound.put(e.getKey(), t);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, String> e : normalised.entrySet()) {
            if (!accepted.containsKey(e.getValue())) {
                unexpected.add(e.getKey());
            }
        }
        if (missing.isEmpty() && unexpected.isEmpty() && wrongShape.isEmpty() && wrongDtype.isEmpty()) {
            return Collections.unmodifiableMap(bound);
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
                    + " (e.g. '" + first + "' " + Arrays.toString(shapeOf.apply(stored.get(first))) + ")");
        }
        if (!wrongDtype.isEmpty()) {
            parts.add(count(wrongDtype.size(), "tensor") + " with a non-float dtype (F32, F16, BF16 or F64 needed): "
                    + list(wrongDtype, false));
        }
        throw new InvalidModelException(source + " does not match " + CONFIG_FILE + ": " + String.join("; ", parts));
    }

    /** Validates one file against the config and returns a source reading (and converting) its tensors. */
    static TensorSource validatedSource(SparseMixerConfig config, SafeTensorsFile weights) {
        return validatedSource(config, ModelWeights.of(weights), WeightDType.F32);
    }

    /**
     * Validates the weights against the config and returns a source reading their tensors by layout name,
     * rounded to {@code precision}. The source reads from {@code weights}, so it works until they are closed.
     */
    public static TensorSource validatedSource(SparseMixerConfig config, ModelWeights weights, WeightDType precision) {
        Map<String, ModelWeights.Stored> bound = bind(config, weights);
        return new TensorSource() {
            @Override
            public float[] floats(String name, int[] shape) {
                ModelWeights.Stored s = stored(name, shape);
                return s.file().floats(s.name(), precision.dtype());
            }

            @Override
            public float[] slice(String name, int[] shape, int index) {
                ModelWeights.Stored s = stored(name, shape);
                int perSlice = Math.toIntExact(ModelLayout.elementCount(shape) / shape[0]);
                return s.file().floats(s.name(), precision.dtype(), (long) index * perSlice, perSlice);
            }

            private ModelWeights.Stored stored(String name, int[] shape) {
                ModelWeights.Stored s = bound.get(name);
                if (s == null) {
                    throw new InvalidModelException(weights.source() + ": tensor '" + name + "' is not part of this model");
                }
                if (!ModelLayout.acceptsShape(name, shape, s.info().shape())) {
                    throw new InvalidModelException(weights.source() + ": tensor '" + name + "' has shape "
                            + Arrays.toString(s.info().shape()) + " but " + Arrays.toString(shape) + " was asked for");
                }
                return s;
            }
        };
    }

    /** Writes a model directory (F32 weights) from a config and a weight source. */
    public static void save(Path modelDir, SparseMixerConfig config, TensorSource weights) throws IOException {
        Files.createDirectories(modelDir);
        writeWeights(modelDir.resolve(WEIGHTS_FILE), config, weights, WeightDType.F32, null);
        Files.writeString(modelDir.resolve(CONFIG_FILE), ConfigJson.toJson(config));
    }

    /**
     * Writes the config's tensors from {@code weights} as one safetensors file of {@code dtype} (16-bit
     * values rounded to nearest even), one tensor at a time, with the layout names.
     *
     * @param progress told after each tensor; may be null
     */
    public static void writeWeights(Path file, SparseMixerConfig config, TensorSource weights, WeightDType dtype,
                                    SafeTensorsWriter.Progress progress) throws IOException {
        writeWeights(file, config, weights, name -> null, dtype, progress);
    }

    /**
     * {@link #writeWeights(Path, SparseMixerConfig, TensorSource, WeightDType, SafeTensorsWriter.Progress)}, but a
     * tensor for which {@code storedAs} gives bytes already in {@code dtype} is copied as those bytes rather
     * than decoded and re-encoded (the same values, without the float round trip).
     */
    public static void writeWeights(Path file, SparseMixerConfig config, TensorSource weights,
                                    Function<String, SafeTensorsWriter.RawBytes> storedAs, WeightDType dtype,
                                    SafeTensorsWriter.Progress progress) throws IOException {
        SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, int[]> e : ModelLayout.expectedTensors(config).entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue();
            SafeTensorsWriter.RawBytes raw = storedAs.apply(name);
            if (raw != null) {
                writer.addRaw(name, dtype.dtype(), shape, raw);
            } else {
                writer.addFloats(name, dtype.dtype(), shape, () -> weights.floats(name, shape.clone()));
            }
        }
        writer.write(file, progress);
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
