package org.sparsemixer.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;
import org.sparsemixer.loader.safetensors.SafeTensorsFormatException;
import org.sparsemixer.loader.safetensors.SafeTensorsFormatException.Rule;
import org.sparsemixer.loader.safetensors.SafeTensorsIndex;
import org.sparsemixer.loader.safetensors.TensorInfo;

/**
 * The weights of a model directory: one {@code model.safetensors}, or, when there is none, the shards
 * listed by {@code model.safetensors.index.json} (the Hugging Face convention). Every file is validated
 * when opened; for a sharded model the index is cross-checked against the shards: each shard exists,
 * each tensor is in exactly the shard the index names and no shard holds a tensor the index does not
 * list. Tensor names here are the stored names; {@link ModelLoader} maps them to the layout.
 * {@link #close} closes every file.
 */
public final class ModelWeights implements AutoCloseable {
    /** A tensor as stored: its name in the file, the file, and its header entry. */
    public record Stored(String name, SafeTensorsFile file, TensorInfo info) {
    }

    private final Path source;
    private final List<SafeTensorsFile> files;
    private final Map<String, Stored> tensors;

    private ModelWeights(Path source, List<SafeTensorsFile> files, Map<String, Stored> tensors) {
        this.source = source;
        this.files = files;
        this.tensors = tensors;
    }

    /** Opens the weights of {@code modelDir}: {@code model.safetensors}, else the sharded index. */
    public static ModelWeights open(Path modelDir) throws IOException {
        if (!Files.isDirectory(modelDir)) {
            throw new InvalidModelException(modelDir + ": model directory not found"
                    + (Files.exists(modelDir) ? " (it is a file)" : ""));
        }
        Path single = modelDir.resolve(ModelLoader.WEIGHTS_FILE);
        Path index = modelDir.resolve(ModelLoader.INDEX_FILE);
        if (Files.exists(single) || !Files.exists(index)) {
            if (!Files.exists(single)) {
                throw new InvalidModelException(single + ": weights file not found (nor a sharded "
                        + ModelLoader.INDEX_FILE + ")", new NoSuchFileException(single.toString()));
            }
            return of(SafeTensorsFile.open(single));
        }
        return openSharded(index);
    }

    /** Wraps one open file (closed by {@link #close}). */
    public static ModelWeights of(SafeTensorsFile file) {
        Map<String, Stored> tensors = new TreeMap<>();
        for (TensorInfo t : file.tensors().values()) {
            tensors.put(t.name(), new Stored(t.name(), file, t));
        }
        return new ModelWeights(file.path(), List.of(file), Collections.unmodifiableMap(tensors));
    }

    private static ModelWeights openSharded(Path indexFile) throws IOException {
        SafeTensorsIndex index = SafeTensorsIndex.read(indexFile);
        List<SafeTensorsFile> files = new ArrayList<>();
        boolean done = false;
        try {
            Map<String, Stored> tensors = new TreeMap<>();
            for (Map.Entry<String, Path> shard : index.shards().entrySet()) {
                if (!Files.isRegularFile(shard.getValue())) {
                    throw new SafeTensorsFormatException(Rule.INDEX_MISSING_SHARD, indexFile, null, indexFile
                            + ": shard '" + shard.getKey() + "' " + (Files.exists(shard.getValue())
                            ? "is not a regular file" : "does not exist") + " (" + shard.getValue() + ")");
                }
                SafeTensorsFile file = SafeTensorsFile.open(shard.getValue());
                files.add(file);
                for (TensorInfo t : file.tensors().values()) {
                    String listed = index.weightMap().get(t.name());
                    Stored other = tensors.get(t.name());
                    if (other != null) {
                        throw misplaced(indexFile, t.name(), "is stored in both shard '" + other.file().path().getFileName()
                                + "' and shard '" + shard.getKey() + "'");
                    }
                    if (listed == null) {
                        throw misplaced(indexFile, t.name(), "is stored in shard '" + shard.getKey()
                                + "' but not listed in weight_map");
                    }
                    if (!listed.equals(shard.getKey())) {
                        throw misplaced(indexFile, t.name(), "is stored in shard '" + shard.getKey()
                                + "' but weight_map puts it in '" + listed + "'");
                    }
                    tensors.put(t.name(), new Stored(t.name(), file, t));
                }
            }
            for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
                if (!tensors.containsKey(e.getKey())) {
                    throw misplaced(indexFile, e.getKey(), "is listed in weight_map in shard '" + e.getValue()
                            + "', which does not hold it");
                }
            }
            done = true;
            return new ModelWeights(indexFile, List.copyOf(files), Collections.unmodifiableMap(tensors));
        } finally {
            if (!done) {
                files.forEach(SafeTensorsFile::close);
            }
        }
    }

    private static SafeTensorsFormatException misplaced(Path indexFile, String tensor, String problem) {
        return new SafeTensorsFormatException(Rule.INDEX_TENSOR_MISPLACED, indexFile, tensor,
                indexFile + ": tensor '" + tensor + "' " + problem);
    }

    /** The single weights file, or the index of a sharded model: what error messages name. */
    public Path source() {
        return source;
    }

    public boolean sharded() {
        return files.size() != 1 || !files.getFirst().path().equals(source);
    }

    public List<SafeTensorsFile> files() {
        return files;
    }

    /** Every tensor by stored name (sorted). */
    public Map<String, Stored> tensors() {
        return tensors;
    }

    /** Total bytes of the files (headers included). */
    public long fileBytes() throws IOException {
        long total = 0;
        for (SafeTensorsFile f : files) {
            total += Files.size(f.path());
        }
        return total;
    }

    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }
}
