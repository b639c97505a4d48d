package org.sparsemixer.loader;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsemixer.engine.InvalidConfigException;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * config.json (SPEC section 1) to and from {@link SparseMixerConfig}.
 *
 * <p>Missing keys take the SPEC defaults; {@code vocab_size} is required. Training-only keys are
 * accepted and ignored. Unknown keys, values of the wrong JSON type (a string for an int, 1.5 for an
 * int, a non-list for a layer list, ...) and values the model cannot be built with are an
 * {@link InvalidConfigException} naming the key. Text that is not a JSON object is an
 * {@link InvalidModelException}.
 */
public final class ConfigJson {
    /** Largest config.json read (it is a few hundred bytes in practice). */
    public static final long MAX_FILE_BYTES = 1 << 20;

    /** Keys of the Keras constructor that only matter for training: accepted with any value, ignored. */
    public static final Set<String> IGNORED_KEYS = Set.of("output_dropout", "attention_dropout", "initializer",
            "export_metrics", "dropout_rate", "attention_dropout_rate");

    /** Every key {@link #toJson} writes, in the SPEC order. */
    public static final List<String> KEYS = List.of("vocab_size", "hidden_size", "num_layers", "moe_layers",
            "attention_layers", "num_experts", "train_capacity_factor", "eval_capacity_factor", "examples_per_group",
            "mixing_mechanism", "use_fft", "num_attention_heads", "max_sequence_length", "type_vocab_size",
            "inner_dim", "inner_activation", "output_range", "embedding_width", "norm_first", "with_dense_inputs");

    /**
     * The Keras constructor's custom-embedding-layer argument: its config holds null when the standard
     * embedding is used, the only case this engine supports.
     */
    static final String EMBEDDING_LAYER = "embedding_layer";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Python's json module writes NaN and Infinity; read them so the error names the key.
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private ConfigJson() {
    }

    /** Reads and validates a config file; bad content is an InvalidConfigException naming the key. */
    public static SparseMixerConfig read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new InvalidModelException(file + ": config file not found", new NoSuchFileException(file.toString()));
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException(file + ": config file is not a regular file");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new InvalidModelException(file + ": config file is " + size + " bytes; at most "
                    + MAX_FILE_BYTES + " are allowed");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new InvalidModelException(file + ": config file is not valid UTF-8 text", e);
        }
        try {
            return parse(text, file.toString());
        } catch (InvalidConfigException e) {
            throw e.in(file);
        }
    }

    public static SparseMixerConfig parse(String json) {
        return parse(json, "config.json");
    }

    private static SparseMixerConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidModelException(source + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidModelException(source + " is empty; it must hold a JSON object");
        }
        if (!root.isObject()) {
            throw new InvalidModelException(source + " must hold a JSON object, got " + root.getNodeType().name().toLowerCase());
        }
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String key = field.getKey();
            if (KEYS.contains(key) || IGNORED_KEYS.contains(key)) {
                continue;
            }
            if (key.equals(EMBEDDING_LAYER)) {
                if (!field.getValue().isNull()) {
                    throw new InvalidConfigException(key, "must be null: custom embedding layers are not supported");
                }
                continue;
            }
            throw new InvalidConfigException(key, "is not a known config key");
        }
        if (!root.has("vocab_size")) {
            throw new InvalidConfigException("vocab_size", "is required");
        }
        int hiddenSize = intValue(root, "hidden_size", 512);
        Integer embeddingWidth = nullableInt(root, "embedding_width");
        return new SparseMixerConfig(
                intValue(root, "vocab_size", 0),
                hiddenSize,
                intValue(root, "num_layers", 14),
                intList(root, "moe_layers", List.of(5, 6, 7, 8)),
                intList(root, "attention_layers", List.of(10, 11, 12, 13)),
                intValue(root, "num_experts", 16),
                doubleValue(root, "train_capacity_factor", 1.0),
                doubleValue(root, "eval_capacity_factor", 1.0),
                doubleValue(root, "examples_per_group", 1.0),
                MixingMechanism.fromConfigName(stringValue(root, "mixing_mechanism", "linear")),
                booleanValue(root, "use_fft", false),
                intValue(root, "num_attention_heads", 8),
                intValue(root, "max_sequence_length", 512),
                intValue(root, "type_vocab_size", 16),
                intValue(root, "inner_dim", 2048),
                stringValue(root, "inner_activation", SparseMixerConfig.GELU_APPROXIMATE),
                nullableInt(root, "output_range"),
                embeddingWidth == null ? hiddenSize : embeddingWidth,
                booleanValue(root, "norm_first", false),
                booleanValue(root, "with_dense_inputs", false));
    }

    /** Every key of SPEC section 1, written explicitly (embedding_width null when W == H). */
    public static String toJson(SparseMixerConfig config) {
        ObjectNode o = JSON.createObjectNode();
        o.put("vocab_size", config.vocabSize());
        o.put("hidden_size", config.hiddenSize());
        o.put("num_layers", config.numLayers());
        config.moeLayers().forEach(o.putArray("moe_layers")::add);
        config.attentionLayers().forEach(o.putArray("attention_layers")::add);
        o.put("num_experts", config.numExperts());
        o.put("train_capacity_factor", config.trainCapacityFactor());
        o.put("eval_capacity_factor", config.evalCapacityFactor());
        o.put("examples_per_group", config.examplesPerGroup());
        o.put("mixing_mechanism", config.mixingMechanism().configName());
        o.put("use_fft", config.useFft());
        o.put("num_attention_heads", config.numAttentionHeads());
        o.put("max_sequence_length", config.maxSequenceLength());
        o.put("type_vocab_size", config.typeVocabSize());
        o.put("inner_dim", config.innerDim());
        o.put("inner_activation", config.innerActivation());
        o.put("output_range", config.outputRange());
        if (config.hasEmbeddingProjection()) {
            o.put("embedding_width", config.embeddingWidth());
        } else {
            o.putNull("embedding_width");
        }
        o.put("norm_first", config.normFirst());
        o.put("with_dense_inputs", config.withDenseInputs());
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER).withArrayEmptySeparator("").withObjectEmptySeparator(""))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return JSON.writer(printer).writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int intValue(JsonNode root, String key, int defaultValue) {
        JsonNode v = root.get(key);
        if (v == null) {
            return defaultValue;
        }
        return toInt(key, v, "");
    }

    private static Integer nullableInt(JsonNode root, String key) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber()) {
            throw new InvalidConfigException(key, "must be an integer or null, got " + describe(v));
        }
        return toInt(key, v, "");
    }

    private static int toInt(String key, JsonNode v, String where) {
        if (!v.isIntegralNumber()) {
            throw new InvalidConfigException(key, "must be an integer" + where + ", got " + describe(v));
        }
        if (!v.canConvertToInt()) {
            throw new InvalidConfigException(key, "is out of range" + where + ": " + v.asText());
        }
        return v.intValue();
    }

    private static double doubleValue(JsonNode root, String key, double defaultValue) {
        JsonNode v = root.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isNumber()) {
            throw new InvalidConfigException(key, "must be a number, got " + describe(v));
        }
        return v.doubleValue();
    }

    private static boolean booleanValue(JsonNode root, String key, boolean defaultValue) {
        JsonNode v = root.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isBoolean()) {
            throw new InvalidConfigException(key, "must be true or false, got " + describe(v));
        }
        return v.booleanValue();
    }

    private static String stringValue(JsonNode root, String key, String defaultValue) {
        JsonNode v = root.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isTextual()) {
            throw new InvalidConfigException(key, "must be a string, got " + describe(v));
        }
        return v.textValue();
    }

    private static List<Integer> intList(JsonNode root, String key, List<Integer> defaultValue) {
        JsonNode v = root.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isArray()) {
            throw new InvalidConfigException(key, "must be a list of layer indices, got " + describe(v));
        }
        List<Integer> list = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            list.add(toInt(key, v.get(i), " at position " + i));
        }
        return list;
    }

    private static String describe(JsonNode v) {
        String kind = switch (v.getNodeType()) {
            case STRING -> "a string";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case NUMBER -> v.isIntegralNumber() ? "an integer" : "a non-integer number";
            default -> v.getNodeType().name().toLowerCase();
        };
        String text = v.toString();
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return v.isNull() ? kind : kind + " (" + text + ")";
    }
}
