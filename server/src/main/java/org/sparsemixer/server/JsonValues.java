package org.sparsemixer.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reading request JSON strictly, and tensor data out of (possibly nested) JSON arrays. */
final class JsonValues {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .disable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private JsonValues() {
    }

    /** The body as a JSON object; 400 naming the problem when it is not one. */
    static JsonNode object(byte[] body, int offset, int length) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body, offset, length);
        } catch (IOException e) {
            throw HttpError.badRequest("malformed JSON: " + oneLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw HttpError.badRequest("the request body must be a JSON object");
        }
        return root;
    }

    /** A tensor of {@code shape} from its (nested) JSON array data, the values of the input's kind. */
    static InputTensors.Tensor tensor(String name, Datatype.Kind kind, long[] shape, JsonNode data) {
        List<JsonNode> leaves = leaves(name, data, kind == Datatype.Kind.TEXT);
        return switch (kind) {
            case INT -> InputTensors.Tensor.ofInts(name, shape, ints(name, leaves));
            case FLOAT -> InputTensors.Tensor.ofFloats(name, shape, floats(name, leaves));
            case TEXT -> InputTensors.Tensor.ofTexts(name, shape, texts(name, leaves));
        };
    }

    /**
     * JSON strings as text: a lone surrogate escape (backslash-u-d800) is valid JSON but no Unicode text and
     * has no UTF-8 form, so it is refused as invalid UTF-8 is in binary BYTES.
     */
    private static List<String> texts(String tensor, List<JsonNode> leaves) {
        List<String> out = new ArrayList<>(leaves.size());
        for (int i = 0; i < leaves.size(); i++) {
            String text = leaves.get(i).textValue();
            for (int c = 0; c < text.length(); c++) {
                char ch = text.charAt(c);
                if (Character.isHighSurrogate(ch) && c + 1 < text.length() && Character.isLowSurrogate(text.charAt(c + 1))) {
                    c++;
                } else if (Character.isSurrogate(ch)) {
                    throw HttpError.badRequest("input '" + tensor + "': element " + i + " holds a lone surrogate \\u"
                            + Integer.toHexString(ch) + " at char " + c + ", which is not Unicode text");
                }
            }
            out.add(text);
        }
        return out;
    }

    /**
     * The leaves of a (nested) JSON array in row-major order; anything but arrays of numbers (of strings
     * when {@code strings}) is refused.
     */
    static List<JsonNode> leaves(String tensor, JsonNode data, boolean strings) {
        if (data == null || !data.isArray()) {
            throw HttpError.badRequest("input '" + tensor + "': data must be a JSON array");
        }
        List<JsonNode> out = new ArrayList<>();
        collect(tensor, data, strings, out);
        return out;
    }

    private static void collect(String tensor, JsonNode node, boolean strings, List<JsonNode> out) {
        for (JsonNode child : node) {
            if (child.isArray()) {
                collect(tensor, child, strings, out);
            } else if (strings ? child.isTextual() : child.isNumber()) {
                out.add(child);
            } else {
                throw HttpError.badRequest("input '" + tensor + "': data holds " + child.getNodeType().name().toLowerCase()
                        + " '" + abbreviate(child.toString()) + "' where a " + (strings ? "string" : "number")
                        + " belongs");
            }
        }
    }

    /** Strict UTF-8 (a BYTES element given in binary): 400 naming the element when it is not valid UTF-8. */
    static String utf8(String tensor, int element, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw HttpError.badRequest("input '" + tensor + "': element " + element + " is not valid UTF-8 text");
        }
    }

    /** Integer values (any JSON integer that fits an int; ids beyond that are out of every model's range). */
    static int[] ints(String tensor, List<JsonNode> leaves) {
        int[] out = new int[leaves.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = leaves.get(i);
            if (!n.isIntegralNumber()) {
                throw HttpError.badRequest("input '" + tensor + "': value " + n + " at flat index " + i + " is not an integer");
            }
            if (!n.canConvertToInt()) {
                throw HttpError.badRequest("input '" + tensor + "': value " + n + " at flat index " + i
                        + " is outside the 32-bit range of ids, masks and type ids");
            }
            out[i] = n.intValue();
        }
        return out;
    }

    static float[] floats(String tensor, List<JsonNode> leaves) {
        float[] out = new float[leaves.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = leaves.get(i).floatValue();
            if (!Float.isFinite(out[i])) {
                throw HttpError.badRequest("input '" + tensor + "': value " + leaves.get(i) + " at flat index " + i
                        + " is not a finite float32");
            }
        }
        return out;
    }

    /** The shape of a rectangular nested array (TensorFlow Serving's tensors carry no shape of their own). */
    static long[] shapeOf(String tensor, JsonNode node) {
        List<Long> dims = new ArrayList<>();
        JsonNode n = node;
        while (n.isArray()) {
            dims.add((long) n.size());
            if (n.isEmpty()) {
                break;
            }
            n = n.get(0);
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        checkRectangular(tensor, node, shape, 0);
        return shape;
    }

    private static void checkRectangular(String tensor, JsonNode node, long[] shape, int dim) {
        if (dim == shape.length) {
            if (node.isArray()) {
                throw HttpError.badRequest("input '" + tensor + "' is not a rectangular array");
            }
            return;
        }
        if (!node.isArray() || node.size() != shape[dim]) {
            throw HttpError.badRequest("input '" + tensor + "' is not a rectangular array: dimension " + dim
                    + " should have " + shape[dim] + " entries");
        }
        for (JsonNode child : node) {
            checkRectangular(tensor, child, shape, dim + 1);
        }
    }

    static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
