package org.sparsemixer.loader.tf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.ModelLayout;

/**
 * The encoder weights of a TensorFlow checkpoint (a training checkpoint, a pretrained export or a
 * SavedModel's variables). A TF2 checkpoint keys each variable by its first breadth-first object path,
 * which depends on everything else saved with it ({@code encoder/...}, {@code model/encoder_network/...},
 * {@code masked_lm/embedding_table}, {@code optimizer/_trainable_variables/N}, a SavedModel root), so
 * weights are identified by the Keras {@code full_name} its object graph records
 * ({@code sparse_mixer/transformer/layer_0/...}): the encoder's name scope ({@link #scope()}, the scope whose
 * names match the most layout names, or the one asked for) is dropped to give the layout name. Only where a
 * variable has no {@code full_name} is its object path read, relative to the encoder object of
 * {@code official/nlp/modeling/networks/sparse_mixer.py}; a checkpoint without an object graph (TF1) is keyed
 * by variable name. Slot variables, other optimizer state, counters and other models' weights are skipped,
 * each with its reason ({@link #variables()}).
 */
public final class TfCheckpoint implements AutoCloseable {
    /** A checkpoint key and what becomes of it: a layout {@code name}, or a {@code skipReason}. */
    public record Variable(String key, String fullName, TfDType dtype, int[] shape, String name, String skipReason,
                           TensorBundle.Entry entry) {
    }

    private static final String VARIABLE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE";
    private static final String SLOT_MARK = "/.OPTIMIZER_SLOT/";
    /** A full encoder has at least this many weights (embeddings, their norm, the pooler). */
    private static final int MIN_ENCODER_WEIGHTS = 7;

    /** Object path of a weight inside the SparseMixer encoder object, to its layout name (fallback only). */
    private static final List<Map.Entry<Pattern, String>> OBJECT_PATHS = List.of(
            path("_embedding_layer/embeddings", "word_embeddings/embeddings"),
            path("_position_embedding_layer/embeddings", "position_embedding/embeddings"),
            path("_type_embedding_layer/embeddings", "type_embeddings/embeddings"),
            path("_embedding_norm_layer/(gamma|beta)", "embeddings/layer_norm/$1"),
            path("_embedding_projection/(kernel|bias)", "embedding_projection/$1"),
            path("_pooler_layer/(kernel|bias)", "pooler_transform/$1"),
            path("_transformer_layers/(\\d+)/_attention_cls/_(query|key|value)_dense/(kernel|bias)",
                    "transformer/layer_$1/self_attention/$2/$3"),
            path("_transformer_layers/(\\d+)/_attention_cls/_output_dense/(kernel|bias)",
                    "transformer/layer_$1/self_attention/attention_output/$2"),
            path("_transformer_layers/(\\d+)/_attention_cls/(hidden_kernel|seq_kernel)", "transformer/layer_$1/linear_transform/$2"),
            path("_transformer_layers/(\\d+)/_attention_layer_norm/(gamma|beta)", "transformer/layer_$1/self_attention_layer_norm/$2"),
            path("_transformer_layers/(\\d+)/_output_layer_norm/(gamma|beta)", "transformer/layer_$1/output_layer_norm/$2"),
            path("_transformer_layers/(\\d+)/_intermediate_dense/(kernel|bias)", "transformer/layer_$1/intermediate/$2"),
            path("_transformer_layers/(\\d+)/_output_dense/(kernel|bias)", "transformer/layer_$1/output/$2"),
            path("_transformer_layers/(\\d+)/_feedforward_cls/_router/router_weights/(kernel|bias)",
                    "transformer/layer_$1/moe/router/router_weights/$2"),
            path("_transformer_layers/(\\d+)/_feedforward_cls/_experts/(intermediate|output)_layer/(kernel|bias)",
                    "transformer/layer_$1/moe/experts/$2/$3"));

    private final TensorBundle bundle;
    private final String scope;
    private final List<Variable> variables;
    private final Map<String, Variable> weights;

    private TfCheckpoint(TensorBundle bundle, String scope, List<Variable> variables, Map<String, Variable> weights) {
        this.bundle = bundle;
        this.scope = scope;
        this.variables = variables;
        this.weights = weights;
    }

    private static Map.Entry<Pattern, String> path(String regex, String name) {
        return Map.entry(Pattern.compile("(.*/)?" + regex), name);
    }

    /**
     * The checkpoint prefix of {@code --tf-checkpoint}: a prefix ({@code PREFIX.index} exists), or a
     * directory holding a {@code checkpoint} state file (its {@code model_checkpoint_path}, as TensorFlow
     * takes it) or exactly one {@code *.index}.
     */
    public static Path resolvePrefix(Path prefixOrDir) throws IOException {
        if (Files.isRegularFile(TensorBundle.indexOf(prefixOrDir))) {
            return prefixOrDir;
        }
        if (!Files.isDirectory(prefixOrDir)) {
            if (prefixOrDir.getFileName() != null && prefixOrDir.getFileName().toString().endsWith(".index")
                    && Files.isRegularFile(prefixOrDir)) {
                String name = prefixOrDir.getFileName().toString();
                return prefixOrDir.resolveSibling(name.substring(0, name.length() - ".index".length()));
            }
            throw new NoSuchFileException(prefixOrDir.toString(), null,
                    "no checkpoint there (neither PREFIX.index nor a directory)");
        }
        Path state = prefixOrDir.resolve("checkpoint");
        if (Files.isRegularFile(state)) {
            String path = modelCheckpointPath(state);
            Path prefix = prefixOrDir.resolve(path);
            if (!Files.isRegularFile(TensorBundle.indexOf(prefix))) {
                throw new NoSuchFileException(TensorBundle.indexOf(prefix).toString(), null,
                        "named by model_checkpoint_path in " + state + " but missing");
            }
            return prefix;
        }
        List<Path> indexes;
        try (Stream<Path> files = Files.list(prefixOrDir)) {
            indexes = files.filter(f -> f.getFileName().toString().endsWith(".index") && Files.isRegularFile(f)).sorted().toList();
        }
        if (indexes.size() != 1) {
            throw new InvalidModelException(prefixOrDir + ": " + (indexes.isEmpty() ? "no checkpoint state file and no *.index file"
                    : "no checkpoint state file and " + indexes.size() + " *.index files " + indexes.stream()
                    .map(p -> p.getFileName().toString()).toList() + "; give the checkpoint prefix"));
        }
        String name = indexes.getFirst().getFileName().toString();
        return prefixOrDir.resolve(name.substring(0, name.length() - ".index".length()));
    }

    /** {@code DIR/variables/variables}: the checkpoint of a SavedModel directory. */
    public static Path savedModelPrefix(Path savedModelDir) throws IOException {
        if (!Files.isDirectory(savedModelDir)) {
            throw new NoSuchFileException(savedModelDir.toString(), null, "SavedModel directory not found");
        }
        Path prefix = savedModelDir.resolve("variables").resolve("variables");
        if (!Files.isRegularFile(TensorBundle.indexOf(prefix))) {
            throw new NoSuchFileException(TensorBundle.indexOf(prefix).toString(), null,
                    "a SavedModel keeps its weights there; this directory has none");
        }
        return prefix;
    }

    /** {@code model_checkpoint_path: "..."} of a {@code checkpoint} state file (text-format proto). */
    private static String modelCheckpointPath(Path state) throws IOException {
        if (Files.size(state) > 1 << 20) {
            throw new InvalidModelException(state + ": checkpoint state file larger than 1 MiB");
        }
        Matcher m = Pattern.compile("(?m)^\\s*model_checkpoint_path\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
                .matcher(Files.readString(state));
        if (!m.find() || m.group(1).isEmpty()) {
            throw new InvalidModelException(state + ": no model_checkpoint_path in the checkpoint state file");
        }
        return m.group(1).replaceAll("\\\\(.)", "$1");
    }

    /**
     * Opens the checkpoint at {@code prefix} and identifies the encoder's weights.
     *
     * @param scope the encoder's Keras name scope (e.g. {@code sparse_mixer_1}), or null to take the scope
     *              holding the most layout names
     */
    public static TfCheckpoint open(Path prefix, String scope) throws IOException {
        TensorBundle bundle = TensorBundle.open(prefix);
        boolean done = false;
        try {
            TfCheckpoint c = identify(bundle, scope);
            done = true;
            return c;
        } finally {
            if (!done) {
                bundle.close();
            }
        }
    }

    private static TfCheckpoint identify(TensorBundle bundle, String askedScope) throws IOException {
        TensorBundle.Entry graphEntry = bundle.entries().get(TensorBundle.OBJECT_GRAPH_KEY);
        ObjectGraph graph = graphEntry == null ? null : ObjectGraph.parse(bundle.string(graphEntry),
                TensorBundle.indexOf(bundle.prefix()) + ": " + TensorBundle.OBJECT_GRAPH_KEY);
        // candidate names: the full_name (or object path, or TF1 variable name) of every non-slot variable
        Map<String, String> candidate = new LinkedHashMap<>();
        Map<String, String> fullNames = new LinkedHashMap<>();
        Map<String, String> reasons = new LinkedHashMap<>();
        for (TensorBundle.Entry e : bundle.entries().values()) {
            String key = e.key();
            if (key.equals(TensorBundle.OBJECT_GRAPH_KEY)) {
                reasons.put(key, "object graph (metadata, not a weight)");
                continue;
            }
            ObjectGraph.Attribute a = graph == null ? null : graph.attribute(key);
            String fullName = a == null ? "" : strip(a.fullName());
            fullNames.put(key, fullName);
            if (key.contains(SLOT_MARK) || a != null && graph.isSlotVariable(a.node())) {
                reasons.put(key, "optimizer slot variable");
            } else if (graph == null) {
                candidate.put(key, strip(key));
            } else if (!fullName.isEmpty()) {
                candidate.put(key, fullName);
            } else {
                candidate.put(key, objectPathName(key));
            }
        }
        String scope = askedScope == null ? chooseScope(bundle, candidate) : normaliseScope(askedScope);
        Map<String, Variable> weights = new TreeMap<>();
        List<Variable> variables = new ArrayList<>();
        for (TensorBundle.Entry e : bundle.entries().values()) {
            String key = e.key();
            String name = null;
            String reason = reasons.get(key);
            String n = candidate.get(key);
            if (reason == null && n != null && n.startsWith(scope)
                    && ModelLayout.ANY_LAYOUT_NAME.matcher(n.substring(scope.length())).matches()) {
                name = n.substring(scope.length());
            } else if (reason == null) {
                reason = otherReason(key, fullNames.getOrDefault(key, ""), n, scope);
            }
            Variable v = new Variable(key, fullNames.getOrDefault(key, ""), e.dtype(), e.shape(), name, reason, e);
            variables.add(v);
            if (name != null) {
                Variable other = weights.putIfAbsent(name, v);
                if (other != null) {
                    throw new TfFormatException(TensorBundle.indexOf(bundle.prefix()) + ": encoder weight '" + name
                            + "' is held twice, by keys '" + other.key() + "' and '" + key + "'");
                }
            }
        }
        return new TfCheckpoint(bundle, scope, Collections.unmodifiableList(variables), Collections.unmodifiableMap(weights));
    }

    /** The name scope (with its trailing '/') whose names match the most layout names. */
    private static String chooseScope(TensorBundle bundle, Map<String, String> candidates) {
        Map<String, Integer> votes = new TreeMap<>();
        for (String n : candidates.values()) {
            if (n == null) {
                continue;
            }
            for (int slash = -1; ; slash = n.indexOf('/', slash + 1)) {
                String prefix = n.substring(0, slash + 1);
                if (ModelLayout.ANY_LAYOUT_NAME.matcher(n.substring(slash + 1)).matches()) {
                    votes.merge(prefix, 1, Integer::sum);
                    break;
                }
                if (n.indexOf('/', slash + 1) < 0) {
                    break;
                }
            }
        }
        List<String> full = votes.entrySet().stream().filter(e -> e.getValue() >= MIN_ENCODER_WEIGHTS).map(Map.Entry::getKey).toList();
        if (full.size() > 1) {
            throw new InvalidModelException(TensorBundle.indexOf(bundle.prefix()) + ": holds the weights of "
                    + full.size() + " encoders (name scopes " + full.stream().map(s -> "'" + s.replaceAll("/$", "") + "'").toList()
                    + "); choose one with --prefix");
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
    }

    private static String normaliseScope(String scope) {
        String s = scope.strip();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.isEmpty() ? "" : s + "/";
    }

    private static String otherReason(String key, String fullName, String candidate, String scope) {
        String first = (fullName.isEmpty() ? key : fullName).split("/", 2)[0].toLowerCase(Locale.ROOT);
        if (key.startsWith("save_counter/")) {
            return "checkpoint save counter";
        }
        if (fullName.equals("global_step") || key.startsWith("global_step/")) {
            return "training step counter";
        }
        if (key.startsWith("optimizer/") || first.equals("sgd") || first.equals("adam") || first.equals("adamw")
                || first.equals("optimizer")) {
            return "optimizer state";
        }
        if (candidate != null && ModelLayout.ANY_LAYOUT_NAME.matcher(candidate.replaceFirst("^[^/]*/", "")).matches()) {
            return "weight of another encoder (not in name scope '" + scope.replaceAll("/$", "") + "')";
        }
        return "not an encoder weight";
    }

    /** A variable without full_name: the object path in its key, mapped where it is a SparseMixer weight. */
    private static String objectPathName(String key) {
        String path = key.endsWith(VARIABLE_SUFFIX) ? key.substring(0, key.length() - VARIABLE_SUFFIX.length()) : key;
        for (Map.Entry<Pattern, String> p : OBJECT_PATHS) {
            Matcher m = p.getKey().matcher(path);
            if (m.matches()) {
                // group 1 is the path of the encoder object; the pattern's own groups follow
                String name = p.getValue();
                for (int g = m.groupCount(); g >= 2; g--) {
                    name = name.replace("$" + (g - 1), m.group(g));
                }
                return (m.group(1) == null ? "" : m.group(1)) + name;
            }
        }
        return null;
    }

    private static String strip(String name) {
        return name.endsWith(":0") ? name.substring(0, name.length() - 2) : name;
    }

    public TensorBundle bundle() {
        return bundle;
    }

    /** The encoder's name scope with its trailing '/' ("" when the names have none). */
    public String scope() {
        return scope;
    }

    /** Every key of the checkpoint (slices of partitioned tensors excluded), in key order. */
    public List<Variable> variables() {
        return variables;
    }

    /** The encoder's weights by layout name. */
    public Map<String, Variable> weights() {
        return weights;
    }

    /** The weight's values as float32 rounded to {@code precision}; I/O errors unchecked (for a TensorSource). */
    public float[] floats(Variable v, org.sparsemixer.loader.safetensors.DType precision) {
        try {
            return bundle.floats(v.entry(), precision);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        bundle.close();
    }
}
