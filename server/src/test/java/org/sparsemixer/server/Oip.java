package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.sparsemixer.engine.EncoderInput;

/** Builds Open Inference Protocol requests and reads responses, independently of the server's own code. */
final class Oip {
    /** Keeps each JSON number's exact decimal text (BigDecimal), so parsing back is the client's choice. */
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private Oip() {
    }

    /** A JSON infer request for {@code input} asking for {@code outputs} (none: every output). */
    static ObjectNode request(EncoderInput input, String datatype, String... outputs) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode inputs = root.putArray("inputs");
        add(inputs, "input_word_ids", input, input.wordIds(), datatype);
        add(inputs, "input_mask", input, input.mask(), datatype);
        add(inputs, "input_type_ids", input, input.typeIds(), datatype);
        if (outputs.length > 0) {
            ArrayNode out = root.putArray("outputs");
            for (String o : outputs) {
                out.addObject().put("name", o);
            }
        }
        return root;
    }

    private static void add(ArrayNode inputs, String name, EncoderInput input, int[] values, String datatype) {
        ObjectNode t = inputs.addObject();
        t.put("name", name);
        t.putArray("shape").add(input.batchSize()).add(input.wordLength());
        t.put("datatype", datatype);
        ArrayNode data = t.putArray("data");
        for (int v : values) {
            data.add(v);
        }
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The output called {@code name} of a response, or null. */
    static JsonNode output(JsonNode response, String name) {
        for (JsonNode o : response.get("outputs")) {
            if (o.get("name").asText().equals(name)) {
                return o;
            }
        }
        return null;
    }

    /**
     * An output's JSON data as float32, each number's decimal text parsed with Float.parseFloat; also checks
     * that the double route numpy clients take ((float) of the nearest double) gives the same bits.
     */
    static float[] floats(JsonNode output) {
        JsonNode data = output.get("data");
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) {
            String text = data.get(i).decimalValue().toString();
            out[i] = Float.parseFloat(text);
            float viaDouble = (float) Double.parseDouble(text);
            if (Float.floatToRawIntBits(viaDouble) != Float.floatToRawIntBits(out[i])) {
                throw new AssertionError("'" + text + "' reads as " + out[i] + " but via double as " + viaDouble);
            }
        }
        return out;
    }

    static void assertBitsEqual(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                assertEquals(want[i], got[i], what + ": element " + i + " differs in its bits");
                throw new AssertionError(what + ": element " + i + " differs in its bits: " + want[i] + " vs " + got[i]);
            }
        }
    }
}
