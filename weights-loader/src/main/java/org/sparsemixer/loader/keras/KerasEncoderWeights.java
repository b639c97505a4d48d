package org.sparsemixer.loader.keras;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.loader.TensorNames;
import org.sparsemixer.loader.WeightDType;
import org.sparsemixer.loader.keras.KerasH5File.Weight;

/**
 * The encoder's weights in a Keras {@code .h5} file, bound to the layout of a config: which dataset gives
 * each tensor of the model directory to write.
 *
 * <ul>
 *   <li><b>Encoder or not.</b> A weight belongs to the encoder when a component of its Keras name is one of
 *       the layout's top-level scopes ({@code word_embeddings}, {@code transformer}, {@code pooler_transform},
 *       ...); what comes before that component is the encoder's name scope (e.g. {@code sparse_mixer/}),
 *       which must be the same for every encoder weight. Every other weight (a masked-LM head's
 *       {@code cls/predictions/...}, a classifier) is skipped and listed in {@link #skipped()}.</li>
 *   <li><b>Names.</b> Encoder weights are mapped to layout names by {@link TensorNames} (the mapping of
 *       {@code convert --npz} and the loader: {@code :0} and the common prefix dropped).</li>
 *   <li><b>Repeats.</b> A name listed by two layers (a word embedding table shared with a masked-LM head) is
 *       one tensor when both datasets hold the same values, and an error naming it when they differ.</li>
 *   <li><b>What is written.</b> Every tensor of the layout except the output layer norm of MoE layers in
 *       post-norm models, which Model Garden never builds (SPEC section 2): each must be found exactly once
 *       with its shape. Expert biases may have TensorFlow's shape [E, 1, F] / [E, 1, H] (same elements as
 *       [E, F] / [E, H]). Post-norm MoE output layer norms present in a file are accepted and not written.
 *       Missing, unexpected, misshapen and non-float weights are reported together in one
 *       {@link InvalidModelException}.</li>
 * </ul>
 */
public final class KerasEncoderWeights {
    private static final String OUTPUT_LAYER_NORM = "output_layer_norm/";
    private static final String[] EXPERT_BIASES = {"moe/experts/intermediate/bias", "moe/experts/output/bias"};
    /** Most layers that may list one encoder variable (each listing is read and compared): bounds the work. */
    static final int MAX_LISTINGS = 8;

    private final KerasH5File file;
    private final Map<String, int[]> tensors;
    private final Map<String, Weight> bound;
    private final List<Weight> skipped;

    private KerasEncoderWeights(KerasH5File file, Map<String, int[]> tensors, Map<String, Weight> bound,
                                List<Weight> skipped) {
        this.file = file;
        this.tensors = tensors;
        this.bound = bound;
        this.skipped = skipped;
    }

    /**
     * The layout's tensors a TensorFlow-trained model has, in layout order: all of
     * {@link ModelLayout#expectedTensors} except the output layer norm of every MoE layer of a post-norm model.
     */
    public static Map<String, int[]> tensorsTensorFlowBuilds(SparseMixerConfig config) {
        Map<String, int[]> all = new LinkedHashMap<>(ModelLayout.expectedTensors(config));
        all.keySet().removeAll(neverBuilt(config));
        return Collections.unmodifiableMap(all);
    }

    /** The output layer norms of the MoE layers of a post-norm model (SPEC section 2). */
    static Set<String> neverBuilt(SparseMixerConfig config) {
        Set<String> names = new LinkedHashSet<>();
        if (!config.normFirst()) {
            for (int layer : config.moeLayers()) {
                names.add(ModelLayout.layerPrefix(layer) + OUTPUT_LAYER_NORM + "gamma");
                names.add(ModelLayout.layerPrefix(layer) + OUTPUT_LAYER_NORM + "beta");
            }
        }
        return names;
    }

    /** Binds the file's encoder weights to the tensors {@code config} needs; see the class comment. */
    public static KerasEncoderWeights bind(SparseMixerConfig config, KerasH5File file) {
        String source = file.file().toString();
        Map<String, int[]> layout = ModelLayout.expectedTensors(config);
        Map<String, int[]> written = tensorsTensorFlowBuilds(config);
        Set<String> scopes = new LinkedHashSet<>();
        for (String name : layout.keySet()) {
            scopes.add(name.substring(0, name.indexOf('/')));
        }
        scopes.add(ModelLayout.EMBEDDING_PROJECTION.substring(0, ModelLayout.EMBEDDING_PROJECTION.indexOf('/')));

        // encoder weights by Keras name (each with every listing of it), and the others
        Map<String, List<Weight>> encoder = new LinkedHashMap<>();
        Map<String, Integer> prefixes = new LinkedHashMap<>();
        List<Weight> skipped = new ArrayList<>();
        for (Weight w : file.weights()) {
            String prefix = encoderScope(TensorNames.stripOutputIndex(w.name()), scopes);
            if (prefix == null) {
                skipped.add(w);
            } else {
                encoder.computeIfAbsent(w.name(), k -> new ArrayList<>()).add(w);
                prefixes.merge(prefix, 1, Integer::sum);
            }
        }
        if (prefixes.size() > 1) {
            throw new InvalidModelException(source + ": holds the weights of more than one encoder (name scopes "
                    + describe(prefixes) + "); convert a file with one encoder");
        }

        Map<String, String> layoutName = TensorNames.normalise(encoder.keySet(), layout.keySet(), source);
        Set<String> neverBuilt = neverBuilt(config);
        Map<String, Weight> found = new LinkedHashMap<>();
        List<String> wrongShape = new ArrayList<>();
        List<String> wrongType = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, List<Weight>> e : encoder.entrySet()) {
            String name = layoutName.get(e.getKey());
            Weight w = e.getValue().getFirst();
            int[] want = written.get(name);
            if (want == null) {
                if (!neverBuilt.contains(name)) {
                    unexpected.add("'" + e.getKey() + "' " + Arrays.toString(w.shape()));
                }
            } else if (!Arrays.equals(w.shape(), want) && !isTensorFlowExpertBias(name, w.shape(), want)) {
                wrongShape.add("'" + e.getKey() + "' has shape " + Arrays.toString(w.shape()) + " but the config needs "
                        + Arrays.toString(want));
            } else if (w.dtype() == null) {
                wrongType.add("'" + e.getKey() + "' is " + w.type());
            } else {
                found.put(name, w);
            }
        }
        Set<String> present = new java.util.HashSet<>(layoutName.values());
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, int[]> e : written.entrySet()) {
            if (!present.contains(e.getKey())) {
                missing.add("'" + e.getKey() + "' " + Arrays.toString(e.getValue()));
            }
        }
        List<String> parts = new ArrayList<>();
        addPart(parts, wrongShape, "weight", "with the wrong shape");
        addPart(parts, missing, "missing tensor", "");
        addPart(parts, unexpected, "unexpected encoder weight", "");
        addPart(parts, wrongType, "weight", "that is not float16, float32 or float64");
        if (!parts.isEmpty()) {
            throw new InvalidModelException(source + " does not match the config: " + String.join("; ", parts));
        }

        // a repeated variable (shape and dtype checked above for its first listing): same values, one tensor
        for (List<Weight> listings : encoder.values()) {
            Weight first = listings.getFirst();
            if (listings.size() > MAX_LISTINGS) {
                throw new KerasH5FormatException(source + ": weight '" + first.name() + "' is listed " + listings.size()
                        + " times (by layers '" + listings.get(0).layer() + "', '" + listings.get(1).layer() + "', ...);"
                        + " at most " + MAX_LISTINGS + " listings of one variable are read");
            }
            for (Weight other : listings.subList(1, listings.size())) {
                if (!file.sameValues(first, other)) {
                    throw new KerasH5FormatException(source + ": weight '" + first.name() + "' is listed by layer '"
                            + first.layer() + "' (dataset '" + first.path() + "') and by layer '" + other.layer()
                            + "' (dataset '" + other.path() + "') with different "
                            + (first.dtype() == other.dtype() && Arrays.equals(first.shape(), other.shape())
                            ? "values" : "types or shapes (" + first.type() + " " + Arrays.toString(first.shape())
                            + ", " + other.type() + " " + Arrays.toString(other.shape()) + ")"));
                }
            }
        }
        Map<String, Weight> ordered = new LinkedHashMap<>();
        for (String name : written.keySet()) {
            ordered.put(name, found.get(name));
        }
        return new KerasEncoderWeights(file, written, Collections.unmodifiableMap(ordered),
                Collections.unmodifiableList(skipped));
    }

    /**
     * The encoder name scope of {@code name} (everything before its first component that is a layout scope,
     * {@code /}-terminated, possibly empty), or null when no component is one: not an encoder weight.
     */
    private static String encoderScope(String name, Set<String> scopes) {
        int start = 0;
        while (true) {
            int slash = name.indexOf('/', start);
            if (slash < 0) {
                return null;   // the last component is the variable itself, never a scope
            }
            if (scopes.contains(name.substring(start, slash))) {
                return name.substring(0, start);
            }
            start = slash + 1;
        }
    }

    private static boolean isTensorFlowExpertBias(String name, int[] shape, int[] want) {
        for (String bias : EXPERT_BIASES) {
            if (name.endsWith("/" + bias)) {
                return want.length == 2 && shape.length == 3 && shape[0] == want[0] && shape[1] == 1
                        && shape[2] == want[1];
            }
        }
        return false;
    }

    private static String describe(Map<String, Integer> prefixes) {
        List<String> parts = new ArrayList<>();
        prefixes.forEach((p, n) -> parts.add("'" + p + "' (" + n + " weights)"));
        return String.join(", ", parts);
    }

    private static void addPart(List<String> parts, List<String> items, String noun, String suffix) {
        if (items.isEmpty()) {
            return;
        }
        int listed = Math.min(items.size(), 5);
        parts.add(items.size() + " " + noun + (items.size() == 1 ? "" : "s") + (suffix.isEmpty() ? "" : " " + suffix)
                + ": " + String.join(", ", items.subList(0, listed))
                + (items.size() > listed ? " and " + (items.size() - listed) + " more" : ""));
    }

    /** The tensors to write, layout name to shape, in layout order (see {@link #tensorsTensorFlowBuilds}). */
    public Map<String, int[]> tensors() {
        return tensors;
    }

    /** The weight that gives each tensor of {@link #tensors()}. */
    public Map<String, Weight> bound() {
        return bound;
    }

    /** The weights outside the encoder, in file order (not converted). */
    public List<Weight> skipped() {
        return skipped;
    }

    /** Reads the bound tensors by layout name, rounded to {@code precision}; works until the file is closed. */
    public TensorSource source(WeightDType precision) {
        return (name, shape) -> {
            Weight w = bound.get(name);
            if (w == null || !Arrays.equals(tensors.get(name), shape)) {
                throw new InvalidModelException(file.file() + ": tensor '" + name + "' " + Arrays.toString(shape)
                        + " is not part of this conversion");
            }
            return file.floats(w, precision.dtype());
        };
    }
}
