package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The response writer's floats read back as the identical float32: Float.parseFloat of the text, and the
 * route of JSON clients that parse to double first (Python, numpy) then round to float32.
 */
class FloatJsonTest {
    @Test
    void everyFiniteFloatRoundTripsThroughTheJsonWriter() {
        SplittableRandom random = new SplittableRandom(2024);
        int n = 200_000;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            float f;
            do {
                f = Float.intBitsToFloat(random.nextInt()); // every exponent, subnormals included
            } while (!Float.isFinite(f));
            values[i] = f;
        }
        values[0] = Float.MIN_VALUE;
        values[1] = -Float.MAX_VALUE;
        values[2] = -0.0f;
        values[3] = 1.0E-5f;
        values[4] = 16777216f;
        byte[] json = OipResponses.write(g -> {
            g.writeStartArray();
            for (float v : values) {
                g.writeNumber(v);
            }
            g.writeEndArray();
        });
        String text = new String(json, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(n, Oip.parse(text).size(), "valid JSON");
        // The numbers' own text (a JSON library would turn -0.0 into 0 on the way).
        String[] numbers = text.substring(1, text.length() - 1).split(",");
        assertEquals(n, numbers.length);
        for (int i = 0; i < n; i++) {
            String number = numbers[i];
            float back = Float.parseFloat(number);
            float viaDouble = (float) Double.parseDouble(number);
            if (Float.floatToRawIntBits(back) != Float.floatToRawIntBits(values[i])
                    || Float.floatToRawIntBits(viaDouble) != Float.floatToRawIntBits(values[i])) {
                throw new AssertionError(values[i] + " written as " + number + " reads back as " + back + " / " + viaDouble);
            }
        }
    }
}
