package org.sparsemixer.loader;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsemixer.engine.InvalidModelException;

/**
 * Maps stored tensor names (as exporters write them) to the names of {@link org.sparsemixer.engine.ModelLayout}:
 * a trailing {@code :0} (TensorFlow's output index) is dropped, and so is a prefix shared by every name
 * when dropping it makes the names match the layout (e.g. {@code sparse_mixer/} or
 * {@code model/sparse_mixer/}, whatever Keras name scope the encoder was built in).
 */
public final class TensorNames {
    /** The TensorFlow output index Keras appends to variable names. */
    public static final String OUTPUT_SUFFIX = ":0";

    private TensorNames() {
    }

    /** {@code name} without a trailing {@code :0}. */
    public static String stripOutputIndex(String name) {
        return name.endsWith(OUTPUT_SUFFIX) ? name.substring(0, name.length() - OUTPUT_SUFFIX.length()) : name;
    }

    /**
     * The normalised name of every stored name, in the order given. The prefix dropped is the one, among
     * the {@code /}-terminated prefixes common to all names (the empty prefix included), that makes the most
     * names match {@code expected}; on a tie the shortest.
     *
     * @param source names the file or archive for error messages
     * @throws InvalidModelException if two stored names normalise to the same name
     */
    public static Map<String, String> normalise(Collection<String> stored, Set<String> expected, String source) {
        List<String> stripped = new ArrayList<>(stored.size());
        for (String name : stored) {
            stripped.add(stripOutputIndex(name));
        }
        String prefix = commonPrefix(stripped, expected);
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> seen = new HashMap<>();
        int i = 0;
        for (String name : stored) {
            String normalised = stripped.get(i++).substring(prefix.length());
            String other = seen.putIfAbsent(normalised, name);
            if (other != null) {
                throw new InvalidModelException(source + ": tensors '" + other + "' and '" + name
                        + "' are both named '" + normalised + "' once "
                        + (prefix.isEmpty() ? "the ':0' suffix is" : "the ':0' suffix and the common prefix '" + prefix + "' are")
                        + " dropped");
            }
            out.put(name, normalised);
        }
        return out;
    }

    /** The {@code /}-terminated common prefix whose removal makes the most names match (see {@link #normalise}). */
    static String commonPrefix(List<String> names, Set<String> expected) {
        if (names.isEmpty()) {
            return "";
        }
        String common = names.getFirst();
        for (String n : names) {
            int k = 0;
            int max = Math.min(common.length(), n.length());
            while (k < max && common.charAt(k) == n.charAt(k)) {
                k++;
            }
            common = common.substring(0, k);
        }
        String best = "";
        int bestMatches = matches(names, expected, "");
        for (int slash = common.indexOf('/'); slash >= 0; slash = common.indexOf('/', slash + 1)) {
            String candidate = common.substring(0, slash + 1);
            int m = matches(names, expected, candidate);
            if (m > bestMatches) {
                best = candidate;
                bestMatches = m;
            }
        }
        return best;
    }

    private static int matches(List<String> names, Set<String> expected, String prefix) {
        int m = 0;
        for (String n : names) {
            if (expected.contains(n.substring(prefix.length()))) {
                m++;
            }
        }
        return m;
    }
}
