package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/** Each golden fixture's whole batch through POST /v2/models/m/infer equals the reference within tolerance. */
@Timeout(120)
class GoldenOverHttpTest {
    @ParameterizedTest
    @ValueSource(strings = {Fixtures.LINEAR, Fixtures.EPG2})
    void everyOutputMatchesTheFixture(String fixture) throws Exception {
        try (TestServer t = new TestServer(fixture, TestServer.options())) {
            EncoderInput input = Fixtures.inputs(fixture);
            EncoderOutput want = Fixtures.expected(fixture);
            HttpResponse<String> r = t.post("/v2/models/m/infer",
                    Oip.request(input, "INT32", "pooled_output", "sequence_output", "encoder_outputs").toString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode resp = Oip.parse(r.body());
            Tolerance.assertClose(fixture + " pooled_output", want.pooledOutput(), Oip.floats(Oip.output(resp, "pooled_output")));
            Tolerance.assertClose(fixture + " sequence_output", want.sequenceOutput(),
                    Oip.floats(Oip.output(resp, "sequence_output")));
            Tolerance.assertClose(fixture + " encoder_outputs", want.encoderOutputs(),
                    Oip.floats(Oip.output(resp, "encoder_outputs")));
        }
    }
}
