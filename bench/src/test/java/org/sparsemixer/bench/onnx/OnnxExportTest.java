package org.sparsemixer.bench.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/** ONNX Runtime on the exported model against the engine, on tiny configurations. */
class OnnxExportTest {
    @TempDir
    Path dir;

    record Case(String name, int width, int layers, List<Integer> moe, List<Integer> attention, int experts,
                double capacity, double examplesPerGroup, MixingMechanism mixing, boolean normFirst, int batch,
                OnnxExport.Gelu gelu, OnnxExport.Combine combine) {
        SparseMixerConfig config() {
            return new SparseMixerConfig(50, 32, layers, moe, attention, experts, 1.0, capacity, examplesPerGroup,
                    mixing, false, 4, 16, 3, 64, SparseMixerConfig.GELU_APPROXIMATE, null, width, normFirst, false);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("linear post-norm, MoE + attention, attention+MoE layer", 32, 6, List.of(1, 3, 5),
                        List.of(2, 3, 4), 4, 1.0, 1.0, MixingMechanism.LINEAR, false, 2, OnnxExport.Gelu.ONNX, OnnxExport.Combine.ONE_HOT),
                new Case("as above, MoE combined by ScatterND", 32, 6, List.of(1, 3, 5),
                        List.of(2, 3, 4), 4, 1.0, 1.0, MixingMechanism.LINEAR, false, 2, OnnxExport.Gelu.ONNX,
                        OnnxExport.Combine.SCATTER_ND),
                new Case("linear post-norm, spelled-out GELU, epg 0.5, capacity 1.5 -> 2", 32, 3, List.of(1),
                        List.of(2), 4, 0.75, 0.5, MixingMechanism.LINEAR, false, 2, OnnxExport.Gelu.SPELLED,
                        OnnxExport.Combine.ONE_HOT),
                new Case("pre-norm, W != H, epg 2, ORT FastGelu", 24, 3, List.of(0, 2), List.of(1), 3, 1.0, 2.0,
                        MixingMechanism.LINEAR, true, 2, OnnxExport.Gelu.MS_FAST_GELU,
                        OnnxExport.Combine.ONE_HOT),
                new Case("fourier post-norm", 32, 3, List.of(1), List.of(2), 4, 1.0, 1.0,
                        MixingMechanism.FOURIER, false, 1, OnnxExport.Gelu.ONNX,
                        OnnxExport.Combine.ONE_HOT),
                new Case("hartley pre-norm, capacity 0", 32, 2, List.of(1), List.of(), 4, 0.1, 1.0,
                        MixingMechanism.HARTLEY, true, 2, OnnxExport.Gelu.ONNX,
                        OnnxExport.Combine.ONE_HOT))
                .map(Arguments::of);
    }

    static TensorSource weights(long seed) {
        // large router weights keep the expert-choice decisions far from ties
        return new SpreadRandomWeights(seed, 0.25, 2.0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ortMatchesEngine(Case tc) throws Exception {
        SparseMixerConfig config = tc.config();
        TensorSource weights = weights(tc.name().hashCode());
        EncoderInput input = SampleInputs.random(config, tc.batch(), 11);
        Path model = dir.resolve("model.onnx");
        OnnxExport.export(config, weights,
                OnnxExport.Options.batch(tc.batch()).withEncoderOutputs(true).withGelu(tc.gelu()).withCombine(tc.combine()),
                model);
        EncoderOutput want;
        try (SparseMixerEncoder engine = SparseMixerEncoder.create(config, weights, EncoderOptions.threads(1))) {
            want = engine.encode(input);
        }
        // ORT's ScatterND(reduction=add) races with several threads (see OnnxExport.Combine): one thread there
        int threads = tc.combine() == OnnxExport.Combine.SCATTER_ND ? 1 : 2;
        try (OrtEncoder ort = new OrtEncoder(model, threads, config.numLayers(), config.hiddenSize())) {
            for (int run = 0; run < 3; run++) {
                EncoderOutput got = ort.encode(input);
                assertNotNull(got.encoderOutputs());
                for (OutputComparison.Diff d : OutputComparison.compare(want, got)) {
                    assertEquals(0, d.violations(), "run " + run + ": " + d);
                }
            }
        }
        // the outputs are not trivially zero / uniform
        double norm = 0;
        for (float v : want.sequenceOutput()) {
            norm += v * v;
        }
        assertTrue(norm > 1, "degenerate test output");
    }

    /** The comparison has teeth: the export of other weights must disagree with the engine. */
    @Test
    void detectsWrongWeights() throws Exception {
        Case tc = (Case) cases().findFirst().orElseThrow().get()[0];
        SparseMixerConfig config = tc.config();
        EncoderInput input = SampleInputs.random(config, 2, 11);
        Path model = dir.resolve("other.onnx");
        TensorSource right = weights(1);
        TensorSource wrong = (name, shape) -> {
            float[] v = right.floats(name, shape);
            if (name.equals("transformer/layer_4/self_attention/value/kernel")) {
                v[7] += 0.01f;
            }
            return v;
        };
        OnnxExport.export(config, wrong, OnnxExport.Options.batch(2), model);
        EncoderOutput want;
        try (SparseMixerEncoder engine = SparseMixerEncoder.create(config, right, EncoderOptions.threads(1))) {
            want = engine.encode(input);
        }
        EncoderOutput got;
        try (OrtEncoder ort = new OrtEncoder(model, 1, config.numLayers(), config.hiddenSize())) {
            got = ort.encode(input);
        }
        long violations = OutputComparison.compare(want, got).stream().mapToLong(OutputComparison.Diff::violations)
                .sum();
        assertTrue(violations > 0, "a perturbed weight went unnoticed");
        assertTrue(Files.size(model) > 0);
    }
}
