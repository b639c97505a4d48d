package org.sparsemixer.server;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;

/** Server and model metadata of the Open Inference Protocol. */
final class OipMetadata {
    /** The protocol extensions this server implements (Triton's names). */
    static final List<String> EXTENSIONS = List.of("binary_tensor_data");
    static final String PLATFORM = "sparse-mixer-java";

    private OipMetadata() {
    }

    static byte[] server(String name, String version) {
        return OipResponses.write(g -> {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeStringField("version", version);
            g.writeArrayFieldStart("extensions");
            for (String e : EXTENSIONS) {
                g.writeString(e);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    static byte[] model(ServedModel model) {
        return OipResponses.write(g -> {
            g.writeStartObject();
            g.writeStringField("name", model.name);
            g.writeArrayFieldStart("versions");
            g.writeString(ServedModel.VERSION);
            g.writeEndArray();
            g.writeStringField("platform", PLATFORM);
            tensors(g, "inputs", model.inputs());
            tensors(g, "outputs", model.outputs());
            g.writeEndObject();
        });
    }

    private static void tensors(JsonGenerator g, String field, List<ServedModel.TensorSpec> specs) throws IOException {
        g.writeArrayFieldStart(field);
        for (ServedModel.TensorSpec s : specs) {
            g.writeStartObject();
            g.writeStringField("name", s.name());
            g.writeStringField("datatype", s.datatype().name());
            g.writeArrayFieldStart("shape");
            for (long d : s.shape()) {
                g.writeNumber(d);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
