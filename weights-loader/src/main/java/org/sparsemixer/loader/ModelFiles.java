package org.sparsemixer.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.loader.keras.KerasEncoderWeights;
import org.sparsemixer.loader.keras.KerasH5File;
import org.sparsemixer.loader.npz.NpzArchive;
import org.sparsemixer.loader.safetensors.SafeTensorsWriter;
import org.sparsemixer.loader.tf.TensorBundle;
import org.sparsemixer.loader.tf.TfCheckpoint;

/**
 * Writing model directories: {@code convert} (another dtype, from a NumPy {@code .npz} or a Keras {@code .h5}) and
 * {@code init} (deterministic random weights). The output is always one {@code model.safetensors} with
 * the layout's tensor names (normalised: no {@code :0}, no prefix) and a {@code config.json}; inputs are
 * validated exactly as {@link ModelLoader#load} validates them before anything is written. The weights
 * file is written to a temporary sibling and moved into place, so a failure never leaves a truncated
 * file under the final name.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /**
     * Rewrites the model in {@code inDir} (single file or sharded, any float dtypes) into {@code outDir} with
     * every weight stored as {@code dtype} (rounded to nearest even); config.json is copied byte for byte.
     */
    public static void convertModel(Path inDir, Path outDir, WeightDType dtype, boolean force,
                                    SafeTensorsWriter.Progress progress) throws IOException {
        SparseMixerConfig config = ModelLoader.readConfig(inDir);
        prepareOutput(outDir, force, inDir);
        try (ModelWeights weights = ModelWeights.open(inDir)) {
            TensorSource source = ModelLoader.validatedSource(config, weights, dtype);
            ModelLoader.writeWeights(outDir.resolve(ModelLoader.WEIGHTS_FILE), config, source, dtype, progress);
        }
        Files.copy(inDir.resolve(ModelLoader.CONFIG_FILE), outDir.resolve(ModelLoader.CONFIG_FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Builds a model directory from a NumPy archive of the Keras variables (entry names such as
     * {@code transformer/layer_0/intermediate/kernel:0.npy}, normalised like safetensors names) and a
     * config.json (validated, then copied byte for byte).
     */
    public static void convertNpz(Path npz, Path configFile, Path outDir, WeightDType dtype, boolean force,
                                  SafeTensorsWriter.Progress progress) throws IOException {
        SparseMixerConfig config = ConfigJson.read(configFile);
        prepareOutput(outDir, force, null);
        try (NpzArchive archive = NpzArchive.open(npz)) {
            Map<String, NpzArchive.Array> bound = ModelLoader.matchLayout(config, archive.arrays(),
                    a -> a.header().shape(), a -> a.header().dtype(), npz.toString());
            TensorSource source = (name, shape) -> {
                try {
                    return archive.floats(bound.get(name).name(), dtype.dtype());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            ModelLoader.writeWeights(outDir.resolve(ModelLoader.WEIGHTS_FILE), config, source, dtype, progress);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        Files.copy(configFile, outDir.resolve(ModelLoader.CONFIG_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Builds a model directory from a Keras {@code .h5} weights file (tf-keras {@code save_weights}) and a
     * config.json (validated, then copied byte for byte). The encoder's weights are bound to the config as
     * {@link KerasEncoderWeights} says; the model directory holds the tensors TensorFlow builds (no output
     * layer norm in the MoE layers of a post-norm model).
     *
     * @return the Keras names of the weights outside the encoder, which are not converted
     */
    public static List<String> convertKerasH5(Path h5, Path configFile, Path outDir, WeightDType dtype, boolean force,
                                              SafeTensorsWriter.Progress progress) throws IOException {
        SparseMixerConfig config = ConfigJson.read(configFile);
        prepareOutput(outDir, force, null);
        List<String> skipped = new ArrayList<>();
        try (KerasH5File file = KerasH5File.open(h5)) {
            KerasEncoderWeights weights = KerasEncoderWeights.bind(config, file);
            weights.skipped().forEach(w -> skipped.add(w.name()));
            TensorSource source = weights.source(dtype);
            SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
            weights.tensors().forEach((name, shape) ->
                    writer.addFloats(name, dtype.dtype(), shape, () -> source.floats(name, shape.clone())));
            writer.write(outDir.resolve(ModelLoader.WEIGHTS_FILE), progress);
        }
        Files.copy(configFile, outDir.resolve(ModelLoader.CONFIG_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return skipped;
    }

    /**
     * Builds a model directory from a TensorFlow checkpoint ({@code prefix}: a training checkpoint, a
     * pretrained export or a SavedModel's {@code variables/variables}) and a config.json (validated, then
     * copied byte for byte). The encoder's weights are identified by their Keras {@code full_name}
     * ({@link TfCheckpoint}); {@code scope} picks the encoder's name scope when the checkpoint holds several
     * (null: the one that matches). Every tensor the config needs must be there exactly once, with its shape
     * (expert biases may have TensorFlow's [E, 1, F]); one tensor at a time is read, checked and written.
     */
    public static void convertTfCheckpoint(Path prefix, String scope, Path configFile, Path outDir, WeightDType dtype,
                                           boolean force, SafeTensorsWriter.Progress progress) throws IOException {
        SparseMixerConfig config = ConfigJson.read(configFile);
        try (TfCheckpoint checkpoint = TfCheckpoint.open(prefix, scope)) {
            String source = TensorBundle.indexOf(prefix) + (checkpoint.scope().isEmpty() ? ""
                    : " (encoder name scope '" + checkpoint.scope().replaceAll("/$", "") + "')");
            if (checkpoint.weights().isEmpty()) {
                throw new InvalidModelException(source + ": holds no Sparse Mixer encoder weights"
                        + (scope == null ? "" : " in that name scope") + " (inspect --tf-checkpoint lists its variables)");
            }
            for (TfCheckpoint.Variable v : checkpoint.weights().values()) {
                if (!v.dtype().isFloat()) {
                    throw new InvalidModelException(source + ": weight '" + v.name() + "' (key '" + v.key() + "') has dtype "
                            + v.dtype() + "; float32, float16, bfloat16 or float64 is needed");
                }
            }
            Map<String, TfCheckpoint.Variable> bound = ModelLoader.matchLayout(config, checkpoint.weights(),
                    TfCheckpoint.Variable::shape, v -> v.dtype().dtype(), source);
            prepareOutput(outDir, force, null);
            TensorSource weights = (name, shape) -> checkpoint.floats(bound.get(name), dtype.dtype());
            // whole tensors already stored as the output dtype are streamed as they are (checksum checked)
            java.util.function.Function<String, SafeTensorsWriter.RawBytes> stored = name -> {
                TfCheckpoint.Variable v = bound.get(name);
                return v.entry().sliced() || v.dtype().dtype() != dtype.dtype() ? null
                        : out -> checkpoint.bundle().copyTo(v.entry(), out);
            };
            ModelLoader.writeWeights(outDir.resolve(ModelLoader.WEIGHTS_FILE), config, weights, stored, dtype, progress);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        Files.copy(configFile, outDir.resolve(ModelLoader.CONFIG_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Writes a model directory with the deterministic {@link RandomWeights} of {@code config} and
     * {@code seed} (F32) and the config as config.json. {@code init --config base} with
     * {@link DefaultModel#SEED} writes exactly the embedded default model of {@code run}.
     */
    public static void init(SparseMixerConfig config, long seed, Path outDir, boolean force,
                            SafeTensorsWriter.Progress progress) throws IOException {
        prepareOutput(outDir, force, null);
        try (RandomWeights weights = new RandomWeights(config, seed)) {
            ModelLoader.writeWeights(outDir.resolve(ModelLoader.WEIGHTS_FILE), config, weights, WeightDType.F32, progress);
        }
        Files.writeString(outDir.resolve(ModelLoader.CONFIG_FILE), ConfigJson.toJson(config));
    }

    /**
     * Creates {@code outDir} if needed. Refuses a directory that already holds a model unless {@code force}
     * (then a stale sharded index is removed, since the new single file is what loads), and never writes
     * into the input directory.
     */
    static void prepareOutput(Path outDir, boolean force, Path inDir) throws IOException {
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new IllegalArgumentException("output " + outDir + " exists and is not a directory");
        }
        if (inDir != null && Files.isDirectory(outDir) && Files.isSameFile(outDir, inDir)) {
            throw new IllegalArgumentException("output " + outDir + " is the input model directory; choose another one");
        }
        for (String name : new String[] {ModelLoader.CONFIG_FILE, ModelLoader.WEIGHTS_FILE, ModelLoader.INDEX_FILE}) {
            Path existing = outDir.resolve(name);
            if (Files.exists(existing) && !force) {
                throw new IllegalArgumentException("output " + outDir + " already holds " + name
                        + "; choose an empty directory or add --force to overwrite");
            }
        }
        Files.createDirectories(outDir);
        if (force) {
            Files.deleteIfExists(outDir.resolve(ModelLoader.INDEX_FILE));
        }
    }
}
