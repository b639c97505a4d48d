package org.sparsemixer.loader.tf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * What {@code inspect --tf-checkpoint} prints: the bundle (prefix, shards, keys), the encoder's name scope,
 * and every key with the layout name it maps to or the reason it is skipped, its dtype and TensorFlow shape.
 */
public final class TfCheckpointReport {
    private TfCheckpointReport() {
    }

    public static String toText(TfCheckpoint c) throws IOException {
        StringBuilder sb = new StringBuilder();
        TensorBundle b = c.bundle();
        line(sb, "checkpoint:  %s (%d data shard%s, %,d bytes)", b.prefix(), b.numShards(), b.numShards() == 1 ? "" : "s",
                b.dataBytes());
        line(sb, "keys:        %d, of which %d encoder weights (name scope '%s')", c.variables().size(), c.weights().size(),
                c.scope().replaceAll("/$", ""));
        int keyWidth = Math.max(3, c.variables().stream().mapToInt(v -> v.key().length()).max().orElse(3));
        int nameWidth = Math.max(22, c.variables().stream().mapToInt(v -> target(v).length()).max().orElse(22));
        sb.append(System.lineSeparator());
        line(sb, "%-" + keyWidth + "s  %-" + nameWidth + "s  %-9s  %s", "key", "maps to (or skipped: why)", "dtype", "shape");
        for (TfCheckpoint.Variable v : c.variables()) {
            line(sb, "%-" + keyWidth + "s  %-" + nameWidth + "s  %-9s  %s", v.key(), target(v), v.dtype(),
                    Arrays.toString(v.shape()) + (v.entry().sliced() ? " in " + v.entry().slices().size() + " slices" : ""));
        }
        return sb.toString();
    }

    public static String toJson(TfCheckpoint c) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("checkpoint", c.bundle().prefix().toString());
        root.put("num_shards", c.bundle().numShards());
        root.put("encoder_scope", c.scope().replaceAll("/$", ""));
        ArrayNode list = root.putArray("variables");
        for (TfCheckpoint.Variable v : c.variables()) {
            ObjectNode o = list.addObject();
            o.put("key", v.key());
            o.put("full_name", v.fullName());
            if (v.name() != null) {
                o.put("name", v.name());
            } else {
                o.put("skipped", v.skipReason());
            }
            o.put("dtype", v.dtype().toString());
            ArrayNode shape = o.putArray("shape");
            Arrays.stream(v.shape()).forEach(shape::add);
            o.put("slices", v.entry().slices().size());
        }
        return json.writeValueAsString(root) + System.lineSeparator();
    }

    private static String target(TfCheckpoint.Variable v) {
        return v.name() != null ? v.name() : "skipped: " + v.skipReason();
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append(System.lineSeparator());
    }
}
