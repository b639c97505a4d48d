package org.sparsemixer.loader;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.sparsemixer.engine.InvalidConfigException;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.tokenizer.BertPacker;
import org.sparsemixer.tokenizer.InvalidTokenizerException;
import org.sparsemixer.tokenizer.PackedBatch;
import org.sparsemixer.tokenizer.PackedInput;
import org.sparsemixer.tokenizer.SentencePieceTokenizer;
import org.sparsemixer.tokenizer.Tokenizer;
import org.sparsemixer.tokenizer.Tokenizers;
import org.sparsemixer.tokenizer.Truncator;
import org.sparsemixer.tokenizer.WordPieceTokenizer;

/**
 * The tokenizer a model directory may carry (docs/model-format.md, "Tokenizer"): {@value #SENTENCEPIECE_FILE}
 * (a SentencePiece model) or {@value #WORDPIECE_FILE} (a BERT WordPiece vocabulary), described by the
 * optional text-input config {@value #TEXT_CONFIG_FILE} (required for a WordPiece vocabulary, whose casing
 * the file does not tell). Packs texts into encoder inputs of the model's {@code max_sequence_length},
 * checked against {@code vocab_size} and {@code type_vocab_size}. Immutable and thread-safe.
 */
public final class ModelTokenizer {
    public static final String SENTENCEPIECE_FILE = "tokenizer.model";
    public static final String WORDPIECE_FILE = "vocab.txt";
    public static final String TEXT_CONFIG_FILE = "text_input.json";
    /** Keys of {@value #TEXT_CONFIG_FILE}; any other key is refused. */
    public static final List<String> KEYS = List.of("tokenizer", "kind", "lower_case", "strip_diacritics", "truncator");
    private static final long MAX_CONFIG_BYTES = 64 * 1024;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path file;
    private final Tokenizers.Kind kind;
    private final Tokenizer tokenizer;
    private final BertPacker packer;
    private final int typeVocabSize;

    private ModelTokenizer(Path file, Tokenizers.Kind kind, Tokenizer tokenizer, BertPacker packer, int typeVocabSize) {
        this.file = file;
        this.kind = kind;
        this.tokenizer = tokenizer;
        this.packer = packer;
        this.typeVocabSize = typeVocabSize;
    }

    /**
     * The tokenizer of {@code modelDir}, or empty when the directory has none (no tokenizer file and no
     * {@value #TEXT_CONFIG_FILE}).
     *
     * @throws IOException a tokenizer file cannot be read
     * @throws InvalidModelException the text config or the tokenizer file is invalid (an
     *     {@link InvalidConfigException} names the config key), or the tokenizer does not fit the model:
     *     more entries than {@code vocab_size}, no [CLS]/[SEP]/padding entry, or a model with dense inputs
     */
    public static Optional<ModelTokenizer> load(Path modelDir, SparseMixerConfig config) throws IOException {
        Path configFile = modelDir.resolve(TEXT_CONFIG_FILE);
        boolean hasConfig = Files.exists(configFile);
        JsonNode root = hasConfig ? readConfig(configFile) : JSON.createObjectNode();
        Path file;
        try {
            file = tokenizerFile(modelDir, root);
        } catch (InvalidConfigException e) {
            throw e.in(configFile);
        }
        if (file == null) {
            if (hasConfig) {
                throw new InvalidModelException(configFile + ": no tokenizer file: the model directory has neither "
                        + SENTENCEPIECE_FILE + " nor " + WORDPIECE_FILE);
            }
            return Optional.empty();
        }
        try {
            return Optional.of(open(file, root, hasConfig, config));
        } catch (InvalidConfigException e) {
            throw e.in(configFile);
        }
    }

    private static ModelTokenizer open(Path file, JsonNode root, boolean hasConfig, SparseMixerConfig config)
            throws IOException {
        Tokenizers.Kind kind;
        try {
            kind = Tokenizers.detect(file);
        } catch (InvalidTokenizerException e) {
            throw new InvalidModelException(e.getMessage(), e);
        }
        String declared = string(root, "kind", null);
        if (declared != null && !declared.equals(kind.configName())) {
            if (!declared.equals("wordpiece") && !declared.equals("sentencepiece")) {
                throw new InvalidConfigException("kind", "must be \"sentencepiece\" or \"wordpiece\", got \"" + declared + "\"");
            }
            throw new InvalidConfigException("kind", "is \"" + declared + "\" but " + file.getFileName() + " is a "
                    + kind.configName() + " file");
        }
        Truncator truncator;
        try {
            truncator = Truncator.parse(string(root, "truncator", Truncator.ROUND_ROBIN.configName()));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("truncator", "must be \"round_robin\" or \"waterfall\", got \""
                    + root.get("truncator").textValue() + "\"");
        }
        Boolean lowerCase = bool(root, "lower_case");
        Boolean stripDiacritics = bool(root, "strip_diacritics");
        if (config.withDenseInputs()) {
            throw new InvalidModelException(file + ": text input is not supported for a model with with_dense_inputs"
                    + " (its inputs need dense_inputs too)");
        }
        Tokenizer tokenizer;
        try {
            if (kind == Tokenizers.Kind.WORDPIECE) {
                if (lowerCase == null) {
                    throw new InvalidModelException(file + ": a WordPiece vocabulary needs " + TEXT_CONFIG_FILE
                            + " with \"lower_case\" (true for an uncased vocabulary, false for a cased one)"
                            + (hasConfig ? "" : "; the model directory has no " + TEXT_CONFIG_FILE));
                }
                tokenizer = WordPieceTokenizer.load(file, lowerCase, stripDiacritics == null ? lowerCase : stripDiacritics);
            } else {
                if (Boolean.TRUE.equals(lowerCase)) {
                    throw new InvalidConfigException("lower_case", "must be false for a SentencePiece model, which"
                            + " normalizes text by its own rules");
                }
                if (Boolean.TRUE.equals(stripDiacritics)) {
                    throw new InvalidConfigException("strip_diacritics", "must be false for a SentencePiece model,"
                            + " which normalizes text by its own rules");
                }
                tokenizer = SentencePieceTokenizer.load(file);
            }
        } catch (InvalidTokenizerException e) {
            throw new InvalidModelException(e.getMessage(), e);
        }
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new InvalidModelException(file + ": the tokenizer has " + tokenizer.vocabSize()
                    + " vocabulary entries but the model's vocab_size is " + config.vocabSize()
                    + ": its ids must be below vocab_size");
        }
        BertPacker packer;
        try {
            packer = new BertPacker(tokenizer, config.maxSequenceLength(), truncator);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(file + ": " + e.getMessage(), e);
        }
        return new ModelTokenizer(file, kind, tokenizer, packer, config.typeVocabSize());
    }

    /** The tokenizer file: named by the config's "tokenizer" key, or the one of the two standard names present. */
    private static Path tokenizerFile(Path modelDir, JsonNode root) {
        String named = string(root, "tokenizer", null);
        if (named != null) {
            if (named.isEmpty() || named.contains("/") || named.contains("\\") || named.equals("..") || named.equals(".")) {
                throw new InvalidConfigException("tokenizer", "must be a file name inside the model directory, got \""
                        + named + "\"");
            }
            Path file = modelDir.resolve(named);
            if (!Files.isRegularFile(file)) {
                throw new InvalidConfigException("tokenizer", "names " + named + ", which is not a file in " + modelDir);
            }
            return file;
        }
        Path sentencePiece = modelDir.resolve(SENTENCEPIECE_FILE);
        Path wordPiece = modelDir.resolve(WORDPIECE_FILE);
        boolean hasSentencePiece = Files.exists(sentencePiece);
        boolean hasWordPiece = Files.exists(wordPiece);
        if (hasSentencePiece && hasWordPiece) {
            throw new InvalidModelException(modelDir + " has both " + SENTENCEPIECE_FILE + " and " + WORDPIECE_FILE
                    + ": name the one to use with \"tokenizer\" in " + TEXT_CONFIG_FILE);
        }
        return hasSentencePiece ? sentencePiece : hasWordPiece ? wordPiece : null;
    }

    private static JsonNode readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException(file + " is not a regular file");
        }
        long size = Files.size(file);
        if (size > MAX_CONFIG_BYTES) {
            throw new InvalidModelException(file + " is " + size + " bytes; at most " + MAX_CONFIG_BYTES + " are allowed");
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (CharacterCodingException e) {
            throw new InvalidModelException(file + " is not valid UTF-8 text", e);
        } catch (JsonProcessingException e) {
            throw new InvalidModelException(file + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidModelException(file + " must hold a JSON object");
        }
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (!KEYS.contains(field.getKey())) {
                unknown.add(field.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidConfigException(unknown.getFirst(), "is not a known key (known: " + String.join(", ", KEYS)
                    + ")").in(file);
        }
        for (String key : Set.of("tokenizer", "kind", "truncator")) {
            JsonNode v = root.get(key);
            if (v != null && !v.isTextual()) {
                throw new InvalidConfigException(key, "must be a string, got " + v).in(file);
            }
        }
        for (String key : Set.of("lower_case", "strip_diacritics")) {
            JsonNode v = root.get(key);
            if (v != null && !v.isBoolean()) {
                throw new InvalidConfigException(key, "must be true or false, got " + v).in(file);
            }
        }
        return root;
    }

    private static String string(JsonNode root, String key, String defaultValue) {
        JsonNode v = root.get(key);
        return v == null ? defaultValue : v.textValue();
    }

    private static Boolean bool(JsonNode root, String key) {
        JsonNode v = root.get(key);
        return v == null ? null : v.booleanValue();
    }

    public Path file() {
        return file;
    }

    public Tokenizers.Kind kind() {
        return kind;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Packs to the model's {@code max_sequence_length}. */
    public BertPacker packer() {
        return packer;
    }

    /**
     * Tokenizes and packs one example of one or more texts.
     *
     * @throws IllegalArgumentException more texts than the model's {@code type_vocab_size} allows, or than
     *     the sequence can hold
     */
    public PackedInput pack(List<String> texts) {
        if (texts.size() > typeVocabSize) {
            throw new IllegalArgumentException(texts.size() + " texts in one example need input_type_ids up to "
                    + (texts.size() - 1) + ", but the model's type_vocab_size is " + typeVocabSize);
        }
        return packer.pack(texts);
    }

    /** Tokenizes and packs a batch: one list of texts (segments) per example. */
    public PackedBatch packBatch(List<List<String>> examples) {
        List<PackedInput> rows = new ArrayList<>(examples.size());
        for (List<String> texts : examples) {
            rows.add(pack(texts));
        }
        return PackedBatch.of(rows);
    }

    @Override
    public String toString() {
        return file.getFileName() + " (" + kind.configName() + ", " + tokenizer.vocabSize() + " entries, "
                + packer.truncator().configName() + ")";
    }
}
