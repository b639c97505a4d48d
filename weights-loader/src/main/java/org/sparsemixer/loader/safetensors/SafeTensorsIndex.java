package org.sparsemixer.loader.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.sparsemixer.loader.safetensors.SafeTensorsFormatException.Rule;

/**
 * The index of a sharded model, {@code model.safetensors.index.json} in the Hugging Face convention:
 * {@code {"metadata": {...}, "weight_map": {"tensor name": "shard file name", ...}}}. {@link #read}
 * validates it as untrusted input: size, UTF-8 JSON object without repeated keys, a {@code weight_map}
 * of strings to strings, and every shard path a plain relative path that stays inside the directory
 * of the index (no absolute path, no {@code ..}, no empty or odd segments). The shard files themselves
 * are opened and cross-checked by the model loader. {@code metadata} is accepted and ignored, like any
 * other key.
 */
public final class SafeTensorsIndex {
    /** Largest index file read. */
    public static final long MAX_INDEX_BYTES = 100_000_000L;
    /** Most shards a model may have (each stays open while the model is built). */
    public static final int MAX_SHARDS = 1024;

    private final Path file;
    private final Map<String, String> weightMap;
    private final Map<String, Path> shards;

    private SafeTensorsIndex(Path file, Map<String, String> weightMap, Map<String, Path> shards) {
        this.file = file;
        this.weightMap = weightMap;
        this.shards = shards;
    }

    /** Reads and validates an index; shard paths are resolved against the index's directory. */
    public static SafeTensorsIndex read(Path indexFile) throws IOException {
        if (!Files.isRegularFile(indexFile)) {
            if (!Files.exists(indexFile)) {
                throw new NoSuchFileException(indexFile.toString());
            }
            throw error(Rule.NOT_A_REGULAR_FILE, indexFile, null, "is not a regular file");
        }
        long size = Files.size(indexFile);
        if (size > MAX_INDEX_BYTES) {
            throw error(Rule.INDEX_TOO_LARGE, indexFile, null, "is " + size + " bytes; at most " + MAX_INDEX_BYTES
                    + " are allowed");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(indexFile))).toString();
        } catch (CharacterCodingException e) {
            throw error(Rule.INDEX_MALFORMED, indexFile, null, "is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = StrictJson.parse(text);
        } catch (StrictJson.DuplicateKeyException e) {
            boolean tensor = e.path.size() == 1 && e.path.getFirst().equals("weight_map");
            throw error(Rule.INDEX_MALFORMED, indexFile, tensor ? e.key : null, tensor
                    ? "is listed twice in weight_map"
                    : "has key '" + SafeTensorsFile.abbreviate(e.key) + "' twice" + (e.path.isEmpty() ? "" : " in " + e.path));
        } catch (IOException e) {
            String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw error(Rule.INDEX_MALFORMED, indexFile, null, "is not valid JSON: " + SafeTensorsFile.abbreviate(why));
        }
        if (!root.isObject()) {
            throw error(Rule.INDEX_MALFORMED, indexFile, null, "is not a JSON object");
        }
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw error(Rule.INDEX_MALFORMED, indexFile, null, map == null ? "has no weight_map"
                    : "has a weight_map that is not a JSON object");
        }
        Path dir = indexFile.toAbsolutePath().getParent();
        Map<String, String> weightMap = new TreeMap<>();
        Map<String, Path> shards = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            String tensor = e.getKey();
            if (!e.getValue().isTextual()) {
                throw error(Rule.INDEX_MALFORMED, indexFile, tensor, "has a weight_map value that is not a file name: "
                        + SafeTensorsFile.abbreviate(e.getValue()));
            }
            String shard = e.getValue().textValue();
            String key = checkShardPath(indexFile, tensor, shard, dir);
            if (!shards.containsKey(key)) {
                if (shards.size() == MAX_SHARDS) {
                    throw error(Rule.INDEX_TOO_MANY_SHARDS, indexFile, null, "names more than " + MAX_SHARDS + " shard files");
                }
                shards.put(key, dir.resolve(key));
            }
            weightMap.put(tensor, key);
        }
        return new SafeTensorsIndex(indexFile, Collections.unmodifiableMap(weightMap), Collections.unmodifiableMap(shards));
    }

    /** The shard path normalised ("a/./b" -> "a/b"), after checking it stays inside {@code dir}. */
    private static String checkShardPath(Path indexFile, String tensor, String shard, Path dir) {
        String why = null;
        if (shard.isEmpty()) {
            why = "is empty";
        } else if (shard.indexOf('\0') >= 0 || shard.indexOf('\\') >= 0 || shard.startsWith("/") || shard.contains(":")) {
            why = "is not a plain relative path";
        } else {
            for (String segment : shard.split("/", -1)) {
                if (segment.equals("..")) {
                    why = "goes up with '..'";
                } else if (segment.isEmpty()) {
                    why = "has an empty path segment";
                }
            }
        }
        Path resolved = null;
        if (why == null) {
            try {
                Path relative = Path.of(shard);
                resolved = dir.resolve(relative).normalize();
                if (relative.isAbsolute() || !resolved.startsWith(dir) || resolved.equals(dir)) {
                    why = "leaves the model directory";
                }
            } catch (InvalidPathException e) {
                why = "is not a valid path";
            }
        }
        if (why != null) {
            throw error(Rule.INDEX_PATH_OUTSIDE, indexFile, tensor, "is mapped to shard \""
                    + SafeTensorsFile.abbreviate(shard) + "\", which " + why + " (shards must be files inside "
                    + dir + ")");
        }
        return dir.relativize(resolved).toString().replace('\\', '/');
    }

    public Path file() {
        return file;
    }

    /** Tensor name to shard path (relative to the index's directory, normalised), sorted by tensor name. */
    public Map<String, String> weightMap() {
        return weightMap;
    }

    /** The distinct shards, relative path to resolved path, in order of first mention. */
    public Map<String, Path> shards() {
        return shards;
    }

    static SafeTensorsFormatException error(Rule rule, Path file, String tensor, String problem) {
        return new SafeTensorsFormatException(rule, file, tensor, file + (tensor == null ? ": " : ": tensor '"
                + SafeTensorsFile.abbreviate(tensor) + "' ") + problem);
    }
}
