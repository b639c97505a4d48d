package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.graph.ReferenceEncoder;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.engine.kernels.HalfFloats;
import org.sparsemixer.loader.BatchFiles;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.WeightDType;

/**
 * 16-bit weights: {@code convert --dtype bf16|f16} then {@code run} on every golden fixture matches a
 * float64 reference computed on the rounded weights (SPEC section 6 tolerance); {@code run --weights-dtype}
 * gives the same numbers as running the converted file; and the accuracy against the F32 path is measured
 * (printed; the figures are in docs/loading.md).
 */
class ReducedPrecisionTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> cases() {
        return Fixtures.CASES.stream().flatMap(c -> Stream.of(Arguments.of(c, "bf16"), Arguments.of(c, "f16")));
    }

    /** Widens the stored 16-bit values with the tests' own reader and bit arithmetic. */
    private static float widen(String dtype, short bits) {
        if (dtype.equals("BF16")) {
            return Float.intBitsToFloat((bits & 0xFFFF) << 16);
        }
        return Float.float16ToFloat(bits);
    }

    /** Whether {@code tensor} belongs to a MoE layer of a post-norm model. */
    private static boolean isPostNormMoe(SparseMixerConfig c, String tensor) {
        for (int i = 0; i < c.numLayers(); i++) {
            if (tensor.startsWith(org.sparsemixer.engine.ModelLayout.layerPrefix(i))) {
                return !c.normFirst() && c.isMoeLayer(i);
            }
        }
        return false;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void convertThenRunMatchesFloat64ReferenceOnRoundedWeights(String name, String dtype) throws Exception {
        Path converted = tmp.resolve("model-" + dtype);
        Cli.Result convert = Cli.run("convert", "--model", Fixtures.model(name).toString(), "--output", converted.toString(),
                "--dtype", dtype);
        Cli.assertOk(convert);
        assertTrue(convert.out().contains("wrote"), convert.out());
        Path out = tmp.resolve("out.safetensors");
        Cli.assertOk(Cli.run("run", "--model", converted.toString(), "--inputs", Fixtures.cases(name).toString(),
                "--output", out.toString()));

        Map<String, Safetensors.Tensor> original = Safetensors.read(Fixtures.model(name).resolve("model.safetensors"));
        Map<String, Safetensors.Tensor> stored = Safetensors.read(converted.resolve("model.safetensors"));
        // convert keeps every tensor but the output layer norms of post-norm MoE layers, which the model never
        // uses (SPEC section 2; p01 and p02-p03/p05 hold them from before)
        SparseMixerConfig source = ModelLoader.readConfig(Fixtures.model(name));
        java.util.Set<String> kept = new java.util.TreeSet<>(original.keySet());
        kept.removeIf(k -> k.contains("/output_layer_norm/") && isPostNormMoe(source, k));
        assertEquals(kept, stored.keySet());
        WeightDType precision = WeightDType.valueOf(dtype.toUpperCase(Locale.ROOT));
        for (Map.Entry<String, Safetensors.Tensor> e : stored.entrySet()) {
            Safetensors.Tensor t = e.getValue();
            assertEquals(dtype.toUpperCase(Locale.ROOT), t.dtype(), e.getKey());
            float[] want = original.get(e.getKey()).floats();
            ByteBuffer b = ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < want.length; i++) {
                float got = widen(t.dtype(), b.getShort(2 * i));
                float rounded = dtype.equals("bf16") ? HalfFloats.roundToBf16(want[i]) : HalfFloats.roundToF16(want[i]);
                assertEquals(rounded, got, e.getKey() + "[" + i + "]");
                assertTrue(Math.abs(got - want[i]) <= Math.abs(want[i]) * (dtype.equals("bf16") ? 0x1p-8 : 0x1p-11)
                        || Math.abs(want[i]) < 0x1p-14, "within half an ulp: " + e.getKey());
            }
        }
        TensorSource rounded = (tensor, shape) -> {
            Safetensors.Tensor t = stored.get(tensor);
            ByteBuffer b = ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[t.data().length / 2];
            for (int i = 0; i < v.length; i++) {
                v[i] = widen(t.dtype(), b.getShort(2 * i));
            }
            return v;
        };
        SparseMixerConfig config = ModelLoader.readConfig(converted);
        EncoderInput input = BatchFiles.readInputs(Fixtures.cases(name));
        ReferenceEncoder.Result want = new ReferenceEncoder(config, rounded).run(input);
        assertTrue(want.minRoutingMargin() > 1e-5, name + " " + dtype + ": routing margin " + want.minRoutingMargin()
                + " too small to compare routing");
        Map<String, Safetensors.Tensor> got = Safetensors.read(out);
        Tolerance.assertClose(name + " " + dtype + " sequence_output", null, flatten(want.sequence()),
                got.get(EncoderOutput.SEQUENCE_OUTPUT).floats());
        Tolerance.assertClose(name + " " + dtype + " pooled_output", null, flatten(want.pooled()),
                got.get(EncoderOutput.POOLED_OUTPUT).floats());
        Tolerance.assertClose(name + " " + dtype + " encoder_outputs", null, flatten(want.layers()),
                got.get(EncoderOutput.ENCODER_OUTPUTS).floats());

        // run --weights-dtype on the F32 original computes exactly the same numbers
        Path direct = tmp.resolve("direct.safetensors");
        Cli.assertOk(Cli.run("run", "--model", Fixtures.model(name).toString(), "--inputs", Fixtures.cases(name).toString(),
                "--weights-dtype", dtype, "--output", direct.toString()));
        Map<String, Safetensors.Tensor> d = Safetensors.read(direct);
        for (String output : List.of(EncoderOutput.SEQUENCE_OUTPUT, EncoderOutput.POOLED_OUTPUT, EncoderOutput.ENCODER_OUTPUTS)) {
            Tolerance.assertBitIdentical(name + " " + output, got.get(output).floats(), d.get(output).floats());
        }
    }

    static float[] flatten(Object nested) {
        List<Double> values = new ArrayList<>();
        collect(nested, values);
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (double) values.get(i);
        }
        return out;
    }

    private static void collect(Object o, List<Double> values) {
        if (o instanceof double[] d) {
            for (double v : d) {
                values.add(v);
            }
        } else {
            for (Object x : (Object[]) o) {
                collect(x, values);
            }
        }
    }

    /** Max |x - y| over all three outputs. */
    private static double maxAbsDiff(EncoderOutput a, EncoderOutput b) {
        double m = 0;
        float[][] xs = {a.sequenceOutput(), a.pooledOutput(), a.encoderOutputs()};
        float[][] ys = {b.sequenceOutput(), b.pooledOutput(), b.encoderOutputs()};
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < xs[k].length; i++) {
                m = Math.max(m, Math.abs((double) xs[k][i] - ys[k][i]));
            }
        }
        return m;
    }

    private static double maxAbsDiffGolden(Map<String, Safetensors.Tensor> golden, EncoderOutput b) {
        double m = 0;
        float[][] xs = {golden.get(EncoderOutput.SEQUENCE_OUTPUT).floats(), golden.get(EncoderOutput.POOLED_OUTPUT).floats(),
                golden.get(EncoderOutput.ENCODER_OUTPUTS).floats()};
        float[][] ys = {b.sequenceOutput(), b.pooledOutput(), b.encoderOutputs()};
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < xs[k].length; i++) {
                m = Math.max(m, Math.abs((double) xs[k][i] - ys[k][i]));
            }
        }
        return m;
    }

    @Test
    void accuracyAgainstTheF32Path() throws Exception {
        System.out.println("ACCURACY fixture | max|f32-golden| | max|bf16-f32| | max|f16-f32| | max|pooled bf16-f32| | max|pooled f16-f32|");
        for (String name : Fixtures.CASES) {
            EncoderInput input = BatchFiles.readInputs(Fixtures.cases(name));
            EncoderOutput[] outs = new EncoderOutput[WeightDType.values().length];
            for (WeightDType dtype : WeightDType.values()) {
                try (SparseMixerEncoder e = ModelLoader.load(Fixtures.model(name), EncoderOptions.threads(2), dtype)) {
                    outs[dtype.ordinal()] = e.encode(input);
                }
            }
            EncoderOutput f32 = outs[WeightDType.F32.ordinal()];
            double golden = maxAbsDiffGolden(Fixtures.expected(name), f32);
            double bf16 = maxAbsDiff(outs[WeightDType.BF16.ordinal()], f32);
            double f16 = maxAbsDiff(outs[WeightDType.F16.ordinal()], f32);
            double pb = pooledDiff(outs[WeightDType.BF16.ordinal()], f32);
            double ph = pooledDiff(outs[WeightDType.F16.ordinal()], f32);
            System.out.printf(Locale.ROOT, "ACCURACY %s | %.2e | %.2e | %.2e | %.2e | %.2e%n", name, golden, bf16, f16, pb, ph);
            assertTrue(golden < 1e-3, name);
            assertTrue(f16 <= bf16 * 1.5 + 1e-6, name + ": f16 (11-bit significand) should not be much worse than bf16");
            assertTrue(Double.isFinite(bf16) && Double.isFinite(f16), name);
        }
    }

    private static double pooledDiff(EncoderOutput a, EncoderOutput b) {
        double m = 0;
        for (int i = 0; i < a.pooledOutput().length; i++) {
            m = Math.max(m, Math.abs((double) a.pooledOutput()[i] - b.pooledOutput()[i]));
        }
        return m;
    }
}
