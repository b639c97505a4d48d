package org.sparsemixer.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
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

    static Request parse(SparseMixerConfig config, byte[] body) {
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
            for (String name : InputTensors.names(config)) {
                List<JsonNode> column = new ArrayList<>();
                for (JsonNode instance : instances) {
                    if (!instance.isObject()) {
                        throw HttpError.badRequest("every instance must be an object of named inputs "
                                + InputTensors.names(config));
                    }
                    checkNames(config, instance);
                    JsonNode value = instance.get(name);
                    if (value == null) {
                        throw HttpError.badRequest("an instance has no input '" + name + "'; the model's inputs are "
                                + InputTensors.names(config));
                    }
                    column.add(value);
                }
                tensors.add(config, tensor(name, JsonValues.MAPPER.createArrayNode().addAll(column)));
            }
        } else {
            JsonNode inputs = root.get("inputs");
            if (!inputs.isObject()) {
                throw HttpError.badRequest("'inputs' must be an object of named inputs " + InputTensors.names(config));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = inputs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                InputTensors.checkName(config, e.getKey(), Map.of());
                tensors.add(config, tensor(e.getKey(), e.getValue()));
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
        return new Request(new InferRequest(null, tensors.toEncoderInput(config), outputs, null), rows);
    }

    private static void checkNames(SparseMixerConfig config, JsonNode instance) {
        for (Iterator<String> it = instance.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!InputTensors.names(config).contains(name)) {
                throw HttpError.badRequest("unknown input '" + name + "'; the model's inputs are " + InputTensors.names(config));
            }
        }
    }

    private static InputTensors.Tensor tensor(String name, JsonNode value) {
        if (!value.isArray()) {
            throw HttpError.badRequest("input '" + name + "' must be an array");
        }
        long[] shape = JsonValues.shapeOf(name, value);
        List<JsonNode> leaves = JsonValues.leaves(name, value);
        boolean floating = InputTensors.isFloat(name);
        return new InputTensors.Tensor(name, shape, floating ? null : JsonValues.ints(name, leaves),
                floating ? JsonValues.floats(name, leaves) : null);
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
