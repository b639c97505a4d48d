package org.sparsemixer.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * The TensorFlow Serving REST predict API: {@code instances} (row format, one object of named inputs per
 * sequence) or {@code inputs} (columnar, one nested array per input), answered with {@code predictions} or
 * {@code outputs}. Every output is returned by name. Without {@code output_filter} (the field of TensorFlow
 * Serving's gRPC PredictRequest, accepted here as an extension) the outputs are {@code pooled_output} and
 * {@code sequence_output}; {@code encoder_outputs} only when the filter names it.
 */
final class TfServing {
    private static final List<OutputTensor> DEFAULT_OUTPUTS = List.of(OutputTensor.POOLED_OUTPUT, OutputTensor.SEQUENCE_OUTPUT);

    record Request(InferRequest request, boolean rowFormat) {
    }

    private TfServing() {
    }

    static Request parse(InputTensors.Schema schema, byte[] body) {
        JsonNode root = JsonValues.object(body, 0, body.length);
        boolean rows = root.has("instances");
        if (rows == root.has("inputs")) {
            throw HttpError.badRequest("the request must have exactly one of 'instances' (row format) or 'inputs' (columnar)");
        }
        InputTensors tensors = new InputTensors();
        if (rows) {
            JsonNode instances = root.get("instances");
            if (!instances.isArray() || instances.isEmpty()) {
                throw HttpError.badRequest("'instances' must be a non-empty array");
            }
            JsonNode first = instances.get(0);
            if (first.isTextual() || (first.isObject() && InputTensors.TEXT_INPUTS.stream().anyMatch(first::has))) {
                textRows(schema, instances, tensors);
            } else {
                idRows(schema, instances, tensors);
            }
        } else {
            JsonNode inputs = root.get("inputs");
            if (!inputs.isObject()) {
                throw HttpError.badRequest("'inputs' must be an object of named inputs " + schema.names());
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = inputs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                schema.checkName(e.getKey(), Map.of());
                tensors.add(schema, tensor(e.getKey(), e.getValue()));
            }
        }
        List<InferRequest.RequestedOutput> outputs = new ArrayList<>();
        JsonNode filter = root.get("output_filter");
        if (filter == null) {
            DEFAULT_OUTPUTS.forEach(t -> outputs.add(new InferRequest.RequestedOutput(t, false)));
        } else {
            if (!filter.isArray() || filter.isEmpty()) {
                throw HttpError.badRequest("'output_filter' must be a non-empty array of output names");
            }
            for (JsonNode n : filter) {
                OutputTensor t = OutputTensor.byName(n.asText()).orElseThrow(() -> HttpError.badRequest(
                        "unknown output '" + n.asText() + "' in output_filter"));
                if (outputs.stream().noneMatch(o -> o.tensor() == t)) {
                    outputs.add(new InferRequest.RequestedOutput(t, false));
                }
            }
        }
        return new Request(new InferRequest(null, tensors.toEncoderInput(schema), outputs, null), rows);
    }

    /** Instances of the id inputs: one object per sequence holding every one of them. */
    private static void idRows(InputTensors.Schema schema, JsonNode instances, InputTensors tensors) {
        for (String name : schema.idNames()) {
            List<JsonNode> column = new ArrayList<>();
            for (JsonNode instance : instances) {
                if (!instance.isObject()) {
                    throw HttpError.badRequest("every instance must be an object of named inputs " + schema.names());
                }
                checkNames(schema, instance);
                if (InputTensors.TEXT_INPUTS.stream().anyMatch(instance::has)) {
                    throw HttpError.badRequest("instance 0 gives the id inputs but another gives "
                            + InputTensors.TEXT_INPUTS + "; every instance must give either " + schema.idNames()
                            + " or text");
                }
                JsonNode value = instance.get(name);
                if (value == null) {
                    throw HttpError.badRequest("an instance has no input '" + name + "'; the model's inputs are "
                            + schema.names());
                }
                column.add(value);
            }
            tensors.add(schema, tensor(name, JsonValues.MAPPER.createArrayNode().addAll(column)));
        }
    }

    /**
     * Instances of text: each a string (the {@code text}), or an object of {@code text} and optionally
     * {@code text_pair}, the same inputs in every instance (as TensorFlow Serving requires).
     */
    private static void textRows(InputTensors.Schema schema, JsonNode instances, InputTensors tensors) {
        Map<String, List<JsonNode>> columns = new LinkedHashMap<>();
        List<String> firstNames = null;
        for (int i = 0; i < instances.size(); i++) {
            JsonNode instance = instances.get(i);
            if (instance.isTextual()) {
                instance = JsonValues.MAPPER.createObjectNode().set(InputTensors.TEXT, instance);
            } else if (!instance.isObject()) {
                throw HttpError.badRequest("instance " + i + " is " + instance.getNodeType().name().toLowerCase()
                        + "; text instances are strings or objects of " + InputTensors.TEXT_INPUTS);
            }
            checkNames(schema, instance);
            List<String> names = new ArrayList<>();
            instance.fieldNames().forEachRemaining(names::add);
            if (firstNames == null) {
                firstNames = names;
            } else if (!new HashSet<>(names).equals(new HashSet<>(firstNames))) {
                throw HttpError.badRequest("instance " + i + " has inputs " + names + " but instance 0 has "
                        + firstNames + "; every instance must have the same inputs");
            }
            for (String name : names) {
                columns.computeIfAbsent(name, n -> new ArrayList<>()).add(instance.get(name));
            }
        }
        for (Map.Entry<String, List<JsonNode>> c : columns.entrySet()) {
            tensors.add(schema, tensor(c.getKey(), JsonValues.MAPPER.createArrayNode().addAll(c.getValue())));
        }
    }

    private static void checkNames(InputTensors.Schema schema, JsonNode instance) {
        for (Iterator<String> it = instance.fieldNames(); it.hasNext(); ) {
            schema.checkName(it.next(), Map.of());
        }
    }

    private static InputTensors.Tensor tensor(String name, JsonNode value) {
        if (!value.isArray()) {
            throw HttpError.badRequest("input '" + name + "' must be an array");
        }
        return JsonValues.tensor(name, InputTensors.kind(name), JsonValues.shapeOf(name, value), value);
    }

    static byte[] response(Request request, EncoderOutput out, SparseMixerConfig config) {
        List<InferRequest.RequestedOutput> outputs = request.request().outputs();
        return OipResponses.write(g -> {
            g.writeStartObject();
            if (request.rowFormat()) {
                g.writeArrayFieldStart("predictions");
                for (int b = 0; b < out.batchSize(); b++) {
                    g.writeStartObject();
                    for (InferRequest.RequestedOutput o : outputs) {
                        g.writeFieldName(o.tensor().tensorName());
                        writeExample(g, o.tensor(), out, b, config);
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            } else {
                g.writeObjectFieldStart("outputs");
                for (InferRequest.RequestedOutput o : outputs) {
                    g.writeFieldName(o.tensor().tensorName());
                    long[] shape = o.tensor().shape(config, out.batchSize());
                    writeNested(g, o.tensor().values(out), 0, shape, 0);
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    /** One example's part of an output: [H], [S, H], or [L, S, H] for encoder_outputs. */
    private static void writeExample(JsonGenerator g, OutputTensor t, EncoderOutput out, int b, SparseMixerConfig c)
            throws IOException {
        int s = c.maxSequenceLength();
        int h = c.hiddenSize();
        switch (t) {
            case POOLED_OUTPUT -> writeNested(g, out.pooledOutput(), b * h, new long[] {h}, 0);
            case SEQUENCE_OUTPUT -> writeNested(g, out.sequenceOutput(), b * s * h, new long[] {s, h}, 0);
            case ENCODER_OUTPUTS -> {
                g.writeStartArray();
                for (int l = 0; l < out.numLayers(); l++) {
                    writeNested(g, out.encoderOutputs(), ((long) l * out.batchSize() + b) * s * h, new long[] {s, h}, 0);
                }
                g.writeEndArray();
            }
        }
    }

    /** Writes values[at ...] as nested arrays of {@code shape} from dimension {@code dim} on. */
    private static void writeNested(JsonGenerator g, float[] values, long at, long[] shape, int dim) throws IOException {
        g.writeStartArray();
        if (dim == shape.length - 1) {
            for (int i = 0; i < shape[dim]; i++) {
                g.writeNumber(values[(int) (at + i)]);
            }
        } else {
            long stride = 1;
            for (int d = dim + 1; d < shape.length; d++) {
                stride *= shape[d];
            }
            for (int i = 0; i < shape[dim]; i++) {
                writeNested(g, values, at + i * stride, shape, dim + 1);
            }
        }
        g.writeEndArray();
    }

    static byte[] status(boolean ready) {
        return OipResponses.write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("model_version_status");
            g.writeStartObject();
            g.writeStringField("version", ServedModel.VERSION);
            g.writeStringField("state", ready ? "AVAILABLE" : "LOADING");
            g.writeObjectFieldStart("status");
            g.writeStringField("error_code", "OK");
            g.writeStringField("error_message", "");
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        });
    }
}
