package org.sparsemixer.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.WeightPrecision;

/**
 * An encoder keeping BF16 / F16 weights computes exactly what an F32 encoder computes on the weights
 * rounded to that format beforehand, bit for bit, on every configuration of {@link EncoderVsReferenceTest}
 * (dense inputs, W != H with the embedding projection, attention with a query scale that is not a power of
 * two, MoE, every mixing), with one and three threads; and it keeps about half the bytes.
 */
class HalfPrecisionEncoderTest {
    private static final WeightPrecision[] HALF = {WeightPrecision.BF16, WeightPrecision.F16};

    static TensorSource rounded(TensorSource source, WeightPrecision p) {
        return (name, shape) -> {
            float[] v = source.floats(name, shape).clone();
            for (int i = 0; i < v.length; i++) {
                v[i] = p.round(v[i]);
            }
            return v;
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.sparsemixer.engine.graph.EncoderVsReferenceTest#cases")
    void sixteenBitStorageEqualsF32OfRoundedWeights(EncoderVsReferenceTest.Case tc) {
        SparseMixerConfig config = tc.config();
        TensorSource weights = EncoderVsReferenceTest.randomWeights(config, tc.name().hashCode());
        EncoderInput input = EncoderVsReferenceTest.randomInput(config, tc.batch(), tc.denseLength(), 7 + tc.name().length());
        for (WeightPrecision p : HALF) {
            EncoderOutput want;
            EncoderOutput got;
            EncoderOutput got3;
            try (SparseMixerEncoder f32 = SparseMixerEncoder.create(config, rounded(weights, p), EncoderOptions.threads(1));
                 SparseMixerEncoder half = SparseMixerEncoder.create(config, weights,
                         EncoderOptions.threads(1).withWeightPrecision(p));
                 SparseMixerEncoder half3 = SparseMixerEncoder.create(config, weights,
                         EncoderOptions.threads(3).withWeightPrecision(p))) {
                assertEquals(p, half.weightPrecision());
                assertEquals(WeightPrecision.F32, f32.weightPrecision());
                assertTrue(half.weightBytes() < f32.weightBytes(), half.weightBytes() + " vs " + f32.weightBytes());
                want = f32.encode(input);
                got = half.encode(input);
                got3 = half3.encode(input);
            }
            String what = p + " " + tc.name();
            assertArrayEquals(want.encoderOutputs(), got.encoderOutputs(), what);
            assertArrayEquals(want.sequenceOutput(), got.sequenceOutput(), what);
            assertArrayEquals(want.pooledOutput(), got.pooledOutput(), what);
            assertArrayEquals(got.encoderOutputs(), got3.encoderOutputs(), what + ", 1 vs 3 threads");
            assertArrayEquals(got.pooledOutput(), got3.pooledOutput(), what + ", 1 vs 3 threads");
        }
    }

    @Test
    void roundingActuallyChangesTheOutputs() {
        EncoderVsReferenceTest.Case tc = (EncoderVsReferenceTest.Case) EncoderVsReferenceTest.cases().findFirst()
                .orElseThrow().get()[0];
        SparseMixerConfig config = tc.config();
        TensorSource weights = EncoderVsReferenceTest.randomWeights(config, 5);
        EncoderInput input = EncoderVsReferenceTest.randomInput(config, tc.batch(), tc.denseLength(), 6);
        try (SparseMixerEncoder f32 = SparseMixerEncoder.create(config, weights, EncoderOptions.threads(1));
             SparseMixerEncoder bf16 = SparseMixerEncoder.create(config, weights,
                     EncoderOptions.threads(1).withWeightPrecision(WeightPrecision.BF16))) {
            assertNotEquals(f32.encode(input).pooledOutput()[0], bf16.encode(input).pooledOutput()[0]);
        }
    }

    @Test
    void sixteenBitEncoderKeepsAboutHalfTheWeightBytes() {
        // mostly matrices and embeddings, like real models: vocab 2000, H 64, 4 layers (2 MoE x 4 experts)
        SparseMixerConfig config = new SparseMixerConfig(2000, 64, 4, List.of(1, 3), List.of(2), 4, 1.0, 1.0,
                1.0, MixingMechanism.LINEAR, false, 4, 32, 2, 256, SparseMixerConfig.GELU_APPROXIMATE, null, 64,
                false, false);
        TensorSource weights = EncoderVsReferenceTest.randomWeights(config, 3);
        try (SparseMixerEncoder f32 = SparseMixerEncoder.create(config, weights, EncoderOptions.threads(1));
             SparseMixerEncoder bf16 = SparseMixerEncoder.create(config, weights,
                     EncoderOptions.threads(1).withWeightPrecision(WeightPrecision.BF16));
             SparseMixerEncoder f16 = SparseMixerEncoder.create(config, weights,
                     EncoderOptions.threads(1).withWeightPrecision(WeightPrecision.F16))) {
            long parameters = 0;
            for (var e : org.sparsemixer.engine.ModelLayout.expectedTensors(config).values()) {
                parameters += org.sparsemixer.engine.ModelLayout.elementCount(e);
            }
            // 16-bit: 2 bytes per parameter, plus the padding of the router's panel (4 experts in a 16-wide panel)
            double ratio = (double) bf16.weightBytes() / (4 * parameters);
            assertTrue(ratio > 0.5 && ratio < 0.52, "BF16 bytes / 4 x parameters " + ratio);
            assertEquals(bf16.weightBytes(), f16.weightBytes());
            // F32: 4 bytes per parameter, plus that padding and the F32 experts' streamed layout, whose tiles are
            // 12 columns wide (72 for these experts' 64 output columns; 2052 for Base's 2048)
            assertTrue(f32.weightBytes() >= 4 * parameters && f32.weightBytes() < 1.06 * 4 * parameters,
                    f32.weightBytes() + " bytes for " + parameters + " parameters");
        }
    }
}
