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
import org.sparsemixer.loader.ModelLoader;
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
 *   <li><b>What is written.</b> Every tensor of {@link ModelLayout#expectedTensors} (no output layer norm in
 *       the MoE layers of post-norm models, which Model Garden never builds: SPEC section 2), matched as the
 *       loader matches a model directory ({@link ModelLoader#matchLayout}): each found exactly once with its
 *       shape, expert biases also in TensorFlow's [E, 1, F] / [E, 1, H]; post-norm MoE output layer norms
 *       present in a file are accepted and not written. Non-float weights, then missing, unexpected and
 *       misshapen ones, are reported in one {@link InvalidModelException}.</li>
 * </ul>
 */
public final class KerasEncoderWeights {
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

    /** Binds the file's encoder weights to the tensors {@code config} needs; see the class comment. */
    public static KerasEncoderWeights bind(SparseMixerConfig config, KerasH5File file) {
        String source = file.file().toString();
        Map<String, int[]> layout = ModelLayout.expectedTensors(config);
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

        List<String> wrongType = new ArrayList<>();
        Map<String, Weight> firstListings = new LinkedHashMap<>();
        encoder.forEach((name, listings) -> {
            Weight w = listings.getFirst();
            if (w.dtype() == null) {
                wrongType.add("'" + name + "' is " + w.type());
            }
            firstListings.put(name, w);
        });
        if (!wrongType.isEmpty()) {
            throw new InvalidModelException(source + ": " + wrongType.size() + " weight" + (wrongType.size() == 1 ? "" : "s")
                    + " that " + (wrongType.size() == 1 ? "is" : "are") + " not float16, float32 or float64: "
                    + String.join(", ", wrongType.subList(0, Math.min(5, wrongType.size())))
                    + (wrongType.size() > 5 ? " and " + (wrongType.size() - 5) + " more" : ""));
        }
        // the loader's own matching: names, shapes (expert biases also as [E, 1, F]), optional layer norms
        Map<String, Weight> found = ModelLoader.matchLayout(config, firstListings, Weight::shape, Weight::dtype, source);

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
        // unused optional tensors present (post-norm MoE output layer norms) are accepted and not written
        Map<String, Weight> ordered = new LinkedHashMap<>();
        for (String name : layout.keySet()) {
            ordered.put(name, found.get(name));
        }
        return new KerasEncoderWeights(file, layout, Collections.unmodifiableMap(ordered),
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

    private static String describe(Map<String, Integer> prefixes) {
        List<String> parts = new ArrayList<>();
        prefixes.forEach((p, n) -> parts.add("'" + p + "' (" + n + " weights)"));
        return String.join(", ", parts);
    }

    /** The tensors to write, layout name to shape, in layout order ({@link ModelLayout#expectedTensors}). */
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
