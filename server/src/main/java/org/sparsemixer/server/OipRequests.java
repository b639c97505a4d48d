package org.sparsemixer.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an Open Inference Protocol (KServe v2) infer request: the JSON body, or with the binary tensor
 * data extension a JSON header of {@code Inference-Header-Content-Length} bytes followed by the raw
 * tensors of the inputs that carry {@code binary_data_size}, in the order of the inputs.
 */
final class OipRequests {
    private OipRequests() {
    }

    /**
     * @param headerLength the {@code Inference-Header-Content-Length} value, or -1 when absent (all JSON)
     */
    static InferRequest parse(InputTensors.Schema schema, byte[] body, long headerLength) {
        if (headerLength > body.length) {
            throw HttpError.badRequest("Inference-Header-Content-Length " + headerLength + " is larger than the body ("
                    + body.length + " bytes)");
        }
        int jsonLength = headerLength < 0 ? body.length : (int) headerLength;
        JsonNode root = JsonValues.object(body, 0, jsonLength);
        String id = null;
        if (root.has("id")) {
            if (!root.get("id").isTextual()) {
                throw HttpError.badRequest("'id' must be a string");
            }
            id = root.get("id").textValue();
        }
        JsonNode parameters = root.path("parameters");
        Long timeout = null;
        if (parameters.has("timeout")) {
            JsonNode t = parameters.get("timeout");
            if (!t.isIntegralNumber() || !t.canConvertToLong() || t.longValue() < 0) {
                throw HttpError.badRequest("parameter 'timeout' must be a non-negative integer (microseconds)");
            }
            timeout = t.longValue();
        }
        boolean binaryOutputs = parameters.path("binary_data_output").asBoolean(false);

        JsonNode inputs = root.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
            throw HttpError.badRequest("'inputs' must be a non-empty array");
        }
        InputTensors tensors = new InputTensors();
        Map<String, Boolean> seen = new HashMap<>();
        ByteBuffer binary = ByteBuffer.wrap(body, jsonLength, body.length - jsonLength).slice().order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode input : inputs) {
            tensors.add(schema, readInput(schema, input, binary, seen));
        }
        if (binary.hasRemaining()) {
            throw HttpError.badRequest(binary.remaining() + " bytes of binary data after the last binary input");
        }
        return new InferRequest(id, tensors.toEncoderInput(schema), outputs(root.get("outputs"), binaryOutputs), timeout);
    }

    private static InputTensors.Tensor readInput(InputTensors.Schema schema, JsonNode input, ByteBuffer binary,
                                                 Map<String, Boolean> seen) {
        if (!input.isObject() || !input.path("name").isTextual()) {
            throw HttpError.badRequest("every input must be an object with a string 'name'");
        }
        String name = input.get("name").textValue();
        schema.checkName(name, seen);
        seen.put(name, true);
        Datatype.Kind kind = InputTensors.kind(name);
        if (!input.path("datatype").isTextual()) {
            throw HttpError.badRequest("input '" + name + "' has no 'datatype'");
        }
        Datatype type = Datatype.parse(name, input.get("datatype").textValue(), kind);
        long[] shape = shape(name, input.get("shape"));
        long count = InputTensors.elements(name, shape);
        JsonNode binarySize = input.path("parameters").get("binary_data_size");
        if (binarySize != null) {
            if (input.has("data")) {
                throw HttpError.badRequest("input '" + name + "' has both 'data' and 'binary_data_size'");
            }
            if (!binarySize.isIntegralNumber() || !binarySize.canConvertToLong()) {
                throw HttpError.badRequest("input '" + name + "': binary_data_size must be an integer");
            }
            long size = binarySize.longValue();
            if (kind == Datatype.Kind.TEXT) {
                return InputTensors.Tensor.ofTexts(name, shape, binaryStrings(name, binary, count, size));
            }
            if (count > Integer.MAX_VALUE || size != count * type.bytes) {
                throw HttpError.badRequest("input '" + name + "': binary_data_size " + size + " does not match shape "
                        + java.util.Arrays.toString(shape) + " of " + type + " (" + count + " x " + type.bytes + " bytes)");
            }
            if (size > binary.remaining()) {
                throw HttpError.badRequest("input '" + name + "': binary_data_size " + size + " but only "
                        + binary.remaining() + " bytes of binary data remain");
            }
            return kind == Datatype.Kind.FLOAT ? InputTensors.Tensor.ofFloats(name, shape, binaryFloats(name, binary, (int) count))
                    : InputTensors.Tensor.ofInts(name, shape, binaryInts(name, type, binary, (int) count));
        }
        return JsonValues.tensor(name, kind, shape, input.get("data"));
    }

    /**
     * {@code count} BYTES elements in Triton's serialization, each a 4-byte little-endian length and that
     * many bytes, {@code size} bytes in all, decoded as strict UTF-8 (the tokenizers take text).
     */
    private static List<String> binaryStrings(String name, ByteBuffer data, long count, long size) {
        if (size < 0 || size > data.remaining()) {
            throw HttpError.badRequest("input '" + name + "': binary_data_size " + size + " but "
                    + data.remaining() + " bytes of binary data remain");
        }
        if (count > size / 4) {
            throw HttpError.badRequest("input '" + name + "': binary_data_size " + size + " cannot hold " + count
                    + " BYTES elements (each at least a 4-byte length)");
        }
        ByteBuffer tensor = data.slice(data.position(), (int) size).order(ByteOrder.LITTLE_ENDIAN);
        data.position(data.position() + (int) size);
        List<String> out = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            if (tensor.remaining() < 4) {
                throw HttpError.badRequest("input '" + name + "': binary_data_size " + size + " ends inside the length"
                        + " of element " + i + " (BYTES: a 4-byte little-endian length, then the bytes, per element)");
            }
            long length = Integer.toUnsignedLong(tensor.getInt());
            if (length > tensor.remaining()) {
                throw HttpError.badRequest("input '" + name + "': element " + i + " has length " + length + " but only "
                        + tensor.remaining() + " bytes of its binary_data_size remain");
            }
            byte[] bytes = new byte[(int) length];
            tensor.get(bytes);
            out.add(JsonValues.utf8(name, i, bytes));
        }
        if (tensor.hasRemaining()) {
            throw HttpError.badRequest("input '" + name + "': " + tensor.remaining() + " bytes of binary_data_size "
                    + size + " are left after its " + count + " elements");
        }
        return out;
    }

    private static long[] shape(String name, JsonNode shape) {
        if (shape == null || !shape.isArray()) {
            throw HttpError.badRequest("input '" + name + "' has no 'shape' array");
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong()) {
                throw HttpError.badRequest("input '" + name + "': shape " + shape + " must hold integers");
            }
            dims[i] = d.longValue();
        }
        return dims;
    }

    private static int[] binaryInts(String name, Datatype type, ByteBuffer data, int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            if (type == Datatype.INT32) {
                out[i] = data.getInt();
            } else {
                long v = data.getLong();
                if (v != (int) v) {
                    throw HttpError.badRequest("input '" + name + "': value " + v + " at flat index " + i
                            + " is outside the 32-bit range of ids, masks and type ids");
                }
                out[i] = (int) v;
            }
        }
        return out;
    }

    private static float[] binaryFloats(String name, ByteBuffer data, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = data.getFloat();
            if (!Float.isFinite(out[i])) {
                throw HttpError.badRequest("input '" + name + "': value " + out[i] + " at flat index " + i
                        + " is not a finite float32");
            }
        }
        return out;
    }

    /** The requested outputs; every output, in JSON unless {@code binary_data_output}, when none are named. */
    private static List<InferRequest.RequestedOutput> outputs(JsonNode outputs, boolean binaryDefault) {
        List<InferRequest.RequestedOutput> out = new ArrayList<>();
        if (outputs == null) {
            for (OutputTensor t : OutputTensor.values()) {
                out.add(new InferRequest.RequestedOutput(t, binaryDefault));
            }
            return out;
        }
        if (!outputs.isArray() || outputs.isEmpty()) {
            throw HttpError.badRequest("'outputs' must be a non-empty array when given");
        }
        for (JsonNode o : outputs) {
            if (!o.isObject() || !o.path("name").isTextual()) {
                throw HttpError.badRequest("every output must be an object with a string 'name'");
            }
            String name = o.get("name").textValue();
            OutputTensor tensor = OutputTensor.byName(name).orElseThrow(() -> HttpError.badRequest(
                    "unknown output '" + name + "'; the model's outputs are " + java.util.Arrays.stream(OutputTensor.values())
                            .map(OutputTensor::tensorName).toList()));
            if (out.stream().anyMatch(r -> r.tensor() == tensor)) {
                throw HttpError.badRequest("output '" + name + "' is requested twice");
            }
            JsonNode binary = o.path("parameters").get("binary_data");
            out.add(new InferRequest.RequestedOutput(tensor, binary == null ? binaryDefault : binary.asBoolean(false)));
        }
        return out;
    }
}
