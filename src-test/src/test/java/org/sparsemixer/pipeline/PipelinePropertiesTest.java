package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/**
 * Whole-encoder properties the specification implies, on small random models: options that must not
 * change the result, independence of examples, and no NaN from fully padded examples.
 */
class PipelinePropertiesTest {
    private static final int S = 12; // not a power of two: exercises the general FFT path

    private static SparseMixerConfig config(MixingMechanism mixing, boolean useFft, Integer outputRange, boolean normFirst) {
        return new SparseMixerConfig(TestModels.VOCAB, 16, 3, List.of(1), List.of(2), 4, 1.0, 1.0, 1.0, mixing,
                useFft, 2, S, TestModels.TYPE_VOCAB, 32, SparseMixerConfig.GELU_APPROXIMATE, outputRange, 16,
                normFirst, false);
    }

    private static EncoderOutput encode(SparseMixerConfig c, TensorSource weights, EncoderInput input) {
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(c, weights, EncoderOptions.threads(1))) {
            return encoder.encode(input);
        }
    }

    private static EncoderInput batch(int b, long seed) {
        Batches x = Batches.valid(b, S, seed);
        return EncoderInput.of(x.ids, x.mask, x.types);
    }

    @ParameterizedTest
    @EnumSource(value = MixingMechanism.class, names = {"FOURIER", "HARTLEY"})
    void fftPathEqualsDftPath(MixingMechanism mixing) {
        EncoderInput input = batch(2, 3);
        for (boolean normFirst : new boolean[] {false, true}) {
            EncoderOutput dft = encode(config(mixing, false, null, normFirst), TestModels.weights(51), input);
            EncoderOutput fft = encode(config(mixing, true, null, normFirst), TestModels.weights(51), input);
            String what = mixing + (normFirst ? " pre-norm" : " post-norm") + " use_fft";
            int[] shape = {dft.numLayers(), 2, S, 16};
            Tolerance.assertClose(what + " encoder_outputs", shape, dft.encoderOutputs(), fft.encoderOutputs());
            Tolerance.assertClose(what + " pooled_output", new int[] {2, 16}, dft.pooledOutput(), fft.pooledOutput());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 5})
    void outputRangeIsIgnored(int outputRange) {
        EncoderInput input = batch(2, 4);
        EncoderOutput full = encode(config(MixingMechanism.LINEAR, false, null, false), TestModels.weights(52), input);
        EncoderOutput ranged = encode(config(MixingMechanism.LINEAR, false, outputRange, false), TestModels.weights(52), input);
        assertEquals(S, ranged.sequenceLength());
        Tolerance.assertBitIdentical("sequence_output", full.sequenceOutput(), ranged.sequenceOutput());
        Tolerance.assertBitIdentical("pooled_output", full.pooledOutput(), ranged.pooledOutput());
    }

    @ParameterizedTest
    @EnumSource(MixingMechanism.class)
    void examplesAreIndependentWithOneExamplePerGroup(MixingMechanism mixing) {
        // examples_per_group 1: every routing group is one example, so example 1's outputs do not
        // depend on example 0.
        SparseMixerConfig c = config(mixing, false, null, false);
        Batches both = Batches.valid(2, S, 5);
        EncoderOutput pair = encode(c, TestModels.weights(53), EncoderInput.of(both.ids, both.mask, both.types));
        EncoderOutput single = encode(c, TestModels.weights(53),
                EncoderInput.of(new int[][] {both.ids[1]}, new int[][] {both.mask[1]}, new int[][] {both.types[1]}));
        float[] secondOfPair = java.util.Arrays.copyOfRange(pair.sequenceOutput(), S * 16, 2 * S * 16);
        Tolerance.assertClose(mixing + " example 1 alone vs in a batch", new int[] {S, 16},
                single.sequenceOutput(), secondOfPair);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void fullyPaddedExampleGivesFiniteOutputs(boolean normFirst) {
        // All keys masked: the -1e9 mask makes the softmax uniform instead of NaN (SPEC section 3).
        Batches b = Batches.valid(2, S, 6);
        java.util.Arrays.fill(b.mask[1], 0);
        EncoderOutput out = encode(config(MixingMechanism.LINEAR, false, null, normFirst), TestModels.weights(54),
                EncoderInput.of(b.ids, b.mask, b.types));
        for (float v : out.encoderOutputs()) {
            assertTrue(Float.isFinite(v), "non-finite output for a fully padded example");
        }
        for (float v : out.pooledOutput()) {
            assertTrue(Float.isFinite(v) && Math.abs(v) <= 1f, "pooled output must be a finite tanh value: " + v);
        }
    }
}
