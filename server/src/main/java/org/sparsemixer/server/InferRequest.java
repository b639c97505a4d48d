package org.sparsemixer.server;

import java.util.List;
import org.sparsemixer.engine.EncoderInput;

/**
 * One inference request, whatever protocol carried it.
 *
 * @param id            the client's request id, echoed in the response (null when none)
 * @param input         the sequences to encode
 * @param outputs       the outputs to compute and return, in the order to return them
 * @param timeoutMicros longest the request may wait before it is computed (null: the server default)
 */
record InferRequest(String id, EncoderInput input, List<RequestedOutput> outputs, Long timeoutMicros) {
    /** One output to return; {@code binary}: as raw little-endian bytes after the JSON (binary extension). */
    record RequestedOutput(OutputTensor tensor, boolean binary) {
    }

    boolean needsLayers() {
        return outputs.stream().anyMatch(o -> o.tensor() == OutputTensor.ENCODER_OUTPUTS);
    }
}
