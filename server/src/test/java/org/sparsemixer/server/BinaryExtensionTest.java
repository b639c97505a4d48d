package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/**
 * The binary tensor data extension as tritonclient.http uses it by default: binary inputs after a JSON
 * header of Inference-Header-Content-Length bytes, binary outputs the same way in the response.
 */
class BinaryExtensionTest extends SharedServerTest {

    /** A request with every input binary, INT32 or INT64, and the given header (outputs etc.). */
    static byte[][] binaryRequest(EncoderInput in, String datatype, ObjectNode root) {
        int width = datatype.equals("INT64") ? 8 : 4;
        ArrayNode inputs = root.putArray("inputs");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        String[] names = {"input_word_ids", "input_mask", "input_type_ids"};
        int[][] values = {in.wordIds(), in.mask(), in.typeIds()};
        for (int i = 0; i < 3; i++) {
            ObjectNode tensor = inputs.addObject();
            tensor.put("name", names[i]);
            tensor.putArray("shape").add(in.batchSize()).add(in.wordLength());
            tensor.put("datatype", datatype);
            tensor.putObject("parameters").put("binary_data_size", values[i].length * width);
            ByteBuffer b = ByteBuffer.allocate(values[i].length * width).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : values[i]) {
                if (width == 8) {
                    b.putLong(v);
                } else {
                    b.putInt(v);
                }
            }
            data.writeBytes(b.array());
        }
        return new byte[][] {root.toString().getBytes(StandardCharsets.UTF_8), data.toByteArray()};
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void binaryInputsAndOutputsRoundTripBitForBit() throws Exception {
        EncoderInput input = Fixtures.inputs(Fixtures.LINEAR);
        EncoderOutput direct = t.encoder.encode(input);
        for (String datatype : new String[] {"INT32", "INT64"}) {
            ObjectNode root = Oip.JSON.createObjectNode().put("id", "b1");
            ArrayNode outputs = root.putArray("outputs");
            outputs.addObject().put("name", "pooled_output").putObject("parameters").put("binary_data", true);
            outputs.addObject().put("name", "sequence_output").putObject("parameters").put("binary_data", false);
            byte[][] parts = binaryRequest(input, datatype, root);
            HttpResponse<byte[]> r = t.postBytes("/v2/models/m/infer", concat(parts[0], parts[1]),
                    "Inference-Header-Content-Length", Integer.toString(parts[0].length),
                    "Content-Type", "application/octet-stream");
            assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
            int headerLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
            JsonNode resp = Oip.JSON.readTree(new String(r.body(), 0, headerLength, StandardCharsets.UTF_8));
            assertEquals("b1", resp.get("id").asText());
            JsonNode pooled = Oip.output(resp, "pooled_output");
            assertEquals(2 * 32 * 4, pooled.get("parameters").get("binary_data_size").asInt());
            assertNull(pooled.get("data"));
            assertEquals(headerLength + 2 * 32 * 4, r.body().length, "the binary pooled_output follows the JSON");
            float[] pooledValues = new float[2 * 32];
            ByteBuffer.wrap(r.body(), headerLength, 2 * 32 * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(pooledValues);
            Oip.assertBitsEqual(datatype + " binary pooled_output", direct.pooledOutput(), pooledValues);
            Oip.assertBitsEqual(datatype + " JSON sequence_output", direct.sequenceOutput(),
                    Oip.floats(Oip.output(resp, "sequence_output")));
        }
    }

    @Test
    void binaryDataOutputParameterMakesEveryOutputBinary() throws Exception {
        EncoderInput input = Fixtures.slice(Fixtures.inputs(Fixtures.LINEAR), 0, 1);
        EncoderOutput direct = t.encoder.encode(input);
        ObjectNode root = Oip.JSON.createObjectNode();
        root.putObject("parameters").put("binary_data_output", true);
        byte[][] parts = binaryRequest(input, "INT32", root);
        HttpResponse<byte[]> r = t.postBytes("/v2/models/m/infer", concat(parts[0], parts[1]),
                "Inference-Header-Content-Length", Integer.toString(parts[0].length));
        assertEquals(200, r.statusCode());
        assertEquals("application/octet-stream", r.headers().firstValue("Content-Type").orElseThrow());
        int headerLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonNode resp = Oip.JSON.readTree(new String(r.body(), 0, headerLength, StandardCharsets.UTF_8));
        ByteBuffer data = ByteBuffer.wrap(r.body(), headerLength, r.body().length - headerLength).order(ByteOrder.LITTLE_ENDIAN);
        float[][] want = {direct.pooledOutput(), direct.sequenceOutput(), direct.encoderOutputs()};
        for (int i = 0; i < 3; i++) {
            JsonNode o = resp.get("outputs").get(i);
            int size = o.get("parameters").get("binary_data_size").asInt();
            assertEquals(want[i].length * 4, size, o.toString());
            float[] got = new float[want[i].length];
            data.asFloatBuffer().get(got);
            data.position(data.position() + size);
            Oip.assertBitsEqual(o.get("name").asText(), want[i], got);
        }
        assertFalse(data.hasRemaining());
    }

    @Test
    void badBinaryFramingIs400() throws Exception {
        EncoderInput input = Fixtures.slice(Fixtures.inputs(Fixtures.LINEAR), 0, 1);
        byte[][] parts = binaryRequest(input, "INT32", Oip.JSON.createObjectNode());
        byte[] body = concat(parts[0], parts[1]);
        // Binary data missing its last bytes.
        byte[] shortBody = java.util.Arrays.copyOf(body, body.length - 4);
        assertError(t.postBytes("/v2/models/m/infer", shortBody, "Inference-Header-Content-Length",
                Integer.toString(parts[0].length)), 400, "binary");
        // Header length beyond the body.
        assertError(t.postBytes("/v2/models/m/infer", body, "Inference-Header-Content-Length",
                Integer.toString(body.length + 1)), 400, "Inference-Header-Content-Length");
        // Not a number.
        assertError(t.postBytes("/v2/models/m/infer", body, "Inference-Header-Content-Length", "x"), 400,
                "Inference-Header-Content-Length");
        // Extra bytes after the binary inputs.
        assertError(t.postBytes("/v2/models/m/infer", concat(body, new byte[8]), "Inference-Header-Content-Length",
                Integer.toString(parts[0].length)), 400, "after the last binary input");
        // Binary size that does not match the shape.
        String wrongSize = new String(parts[0], StandardCharsets.UTF_8).replaceFirst("\"binary_data_size\":64", "\"binary_data_size\":60");
        assertTrue(wrongSize.contains(":60"), wrongSize);
        byte[] header = wrongSize.getBytes(StandardCharsets.UTF_8);
        assertError(t.postBytes("/v2/models/m/infer", concat(header, parts[1]), "Inference-Header-Content-Length",
                Integer.toString(header.length)), 400, "does not match shape");
    }

    static void assertError(HttpResponse<byte[]> r, int status, String fragment) {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(status, r.statusCode(), body);
        assertTrue(Oip.parse(body).get("error").asText().contains(fragment), body);
    }
}
