package org.sparsemixer.loader.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses JSON text into a tree, rejecting a key repeated inside one object and reporting where, so the
 * caller can tell a duplicate tensor name from a key repeated inside a tensor entry. Nesting depth,
 * string and number lengths are bounded by Jackson's stream read constraints.
 */
final class StrictJson {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A key that appears twice in one object; {@code path} are the keys leading to that object. */
    static final class DuplicateKeyException extends Exception {
        final List<String> path;
        final String key;

        DuplicateKeyException(List<String> path, String key) {
            super("duplicate key '" + key + "' at " + path);
            this.path = List.copyOf(path);
            this.key = key;
        }
    }

    private StrictJson() {
    }

    /**
     * @throws IOException            for malformed JSON ({@link com.fasterxml.jackson.core.JsonProcessingException})
     * @throws DuplicateKeyException  for a repeated key
     */
    static JsonNode parse(String text) throws IOException, DuplicateKeyException {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new com.fasterxml.jackson.core.JsonParseException(p, "no content");
            }
            JsonNode root = value(p, first, new ArrayList<>());
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new com.fasterxml.jackson.core.JsonParseException(p, "trailing content after the JSON value: " + trailing);
            }
            return root;
        }
    }

    private static JsonNode value(JsonParser p, JsonToken t, List<String> path) throws IOException, DuplicateKeyException {
        switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String key = p.currentName();
                    if (o.has(key)) {
                        throw new DuplicateKeyException(path, key);
                    }
                    path.add(key);
                    o.set(key, value(p, p.nextToken(), path));
                    path.removeLast();
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
                    a.add(value(p, v, path));
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return NODES.numberNode(p.getBigIntegerValue());
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDecimalValue());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return NODES.booleanNode(t == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected token " + t);
        }
    }
}
