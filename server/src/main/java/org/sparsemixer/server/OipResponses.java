package org.sparsemixer.server;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * Writes Open Inference Protocol infer responses. Floats go through {@link Float#toString(float)} (via
 * Jackson), which since JDK 19 gives the shortest decimal that reads back as the same float32.
 */
final class OipResponses {
    private OipResponses() {
    }

    static ResponseBody infer(String modelName, String version, InferRequest request, EncoderOutput out,
                              SparseMixerConfig config) {
        List<float[]> binaries = new ArrayList<>();
        byte[] json = write(g -> {
            g.writeStartObject();
            g.writeStringField("model_name", modelName);
            g.writeStringField("model_version", version);
            if (request.id() != null) {
                g.writeStringField("id", request.id());
            }
            g.writeArrayFieldStart("outputs");
            for (InferRequest.RequestedOutput o : request.outputs()) {
                float[] values = o.tensor().values(out);
                g.writeStartObject();
                g.writeStringField("name", o.tensor().tensorName());
                g.writeStringField("datatype", Datatype.FP32.name());
                g.writeArrayFieldStart("shape");
                for (long d : o.tensor().shape(config, out.batchSize())) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                if (o.binary()) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", 4L * values.length);
                    g.writeEndObject();
                    binaries.add(values);
                } else {
                    g.writeArrayFieldStart("data");
                    for (float v : values) {
                        g.writeNumber(v);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
        return new ResponseBody(json, binaries);
    }

    static byte[] error(String message) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        });
    }

    /** A JSON document written by {@code body}. */
    static byte[] write(JsonBody body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JsonValues.MAPPER.getFactory().createGenerator(bytes)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @FunctionalInterface
    interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }
}
