package org.sparsemixer.loader.tf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A TF2 checkpoint's {@code TrackableObjectGraph} (the {@value TensorBundle#OBJECT_GRAPH_KEY} string):
 * nodes with named children, serialized-tensor attributes ({@code name}, {@code full_name},
 * {@code checkpoint_key}) and slot-variable references. Only what the converter uses is kept: for each
 * checkpoint key the attribute that names it and its node, and the set of slot-variable nodes. Node ids
 * are checked to exist. The graph is never walked (each variable's key is in its attribute), so
 * cycles or deep nesting cost nothing.
 */
final class ObjectGraph {
    /** One attribute: the variable's Keras {@code full_name} (may be empty) and its node. */
    record Attribute(int node, String name, String fullName, String checkpointKey) {
    }

    private record Child(int node, String localName) {
    }

    static final int MAX_NODES = 10_000_000;

    private final List<List<Child>> children;
    private final Map<String, Attribute> byKey;
    private final Set<Integer> slotNodes;

    private ObjectGraph(List<List<Child>> children, Map<String, Attribute> byKey, Set<Integer> slotNodes) {
        this.children = children;
        this.byKey = byKey;
        this.slotNodes = slotNodes;
    }

    static ObjectGraph parse(byte[] bytes, String what) {
        ProtoReader r = new ProtoReader(bytes, what);
        List<List<Child>> children = new ArrayList<>();
        List<Attribute> attributes = new ArrayList<>();
        List<int[]> slots = new ArrayList<>();
        while (r.next()) {
            if (r.field() != 1) {
                r.skip();
                continue;
            }
            if (children.size() >= MAX_NODES) {
                throw new TfFormatException(what + ": more than " + MAX_NODES + " nodes");
            }
            int node = children.size();
            List<Child> kids = new ArrayList<>();
            ProtoReader n = r.message("nodes");
            while (n.next()) {
                switch (n.field()) {
                    case 1 -> {
                        ProtoReader c = n.message("children");
                        int id = -1;
                        String local = "";
                        while (c.next()) {
                            switch (c.field()) {
                                case 1 -> id = c.int32("node_id");
                                case 2 -> local = c.string("local_name");
                                default -> c.skip();
                            }
                        }
                        kids.add(new Child(id, local));
                    }
                    case 2 -> {
                        ProtoReader a = n.message("attributes");
                        String name = "";
                        String fullName = "";
                        String key = "";
                        while (a.next()) {
                            switch (a.field()) {
                                case 1 -> name = a.string("name");
                                case 2 -> fullName = a.string("full_name");
                                case 3 -> key = a.string("checkpoint_key");
                                default -> a.skip();
                            }
                        }
                        attributes.add(new Attribute(node, name, fullName, key));
                    }
                    case 3 -> {
                        ProtoReader s = n.message("slot_variables");
                        int original = -1;
                        int slot = -1;
                        while (s.next()) {
                            switch (s.field()) {
                                case 1 -> original = s.int32("original_variable_node_id");
                                case 3 -> slot = s.int32("slot_variable_node_id");
                                default -> s.skip();
                            }
                        }
                        slots.add(new int[] {original, slot});
                    }
                    default -> n.skip();
                }
            }
            children.add(kids);
        }
        int count = children.size();
        for (int i = 0; i < count; i++) {
            for (Child c : children.get(i)) {
                if (c.node() < 0 || c.node() >= count) {
                    throw new TfFormatException(what + ": node " + i + " has child '" + c.localName() + "' with node id "
                            + c.node() + " outside 0.." + (count - 1));
                }
            }
        }
        Set<Integer> slotNodes = new HashSet<>();
        for (int[] s : slots) {
            if (s[0] < 0 || s[0] >= count || s[1] < 0 || s[1] >= count) {
                throw new TfFormatException(what + ": a slot variable reference names node " + (s[0] < 0 || s[0] >= count ? s[0] : s[1])
                        + ", outside 0.." + (count - 1));
            }
            slotNodes.add(s[1]);
        }
        Map<String, Attribute> byKey = new HashMap<>();
        for (Attribute a : attributes) {
            if (!a.checkpointKey().isEmpty() && byKey.putIfAbsent(a.checkpointKey(), a) != null) {
                throw new TfFormatException(what + ": checkpoint key '" + a.checkpointKey() + "' is named by two attributes");
            }
        }
        return new ObjectGraph(children, Collections.unmodifiableMap(byKey), slotNodes);
    }

    /** The attribute that names {@code checkpointKey}, or null. */
    Attribute attribute(String checkpointKey) {
        return byKey.get(checkpointKey);
    }

    boolean isSlotVariable(int node) {
        return slotNodes.contains(node);
    }

    int size() {
        return children.size();
    }
}
