package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * NaN and infinite weights: {@code inspect} counts them per tensor; {@code run} and {@code bench} refuse
 * such a model (exit 2, naming the tensor and the count) unless {@code --allow-nonfinite}.
 */
class NonFiniteWeightsCliTest {
    private static final String BAD_TENSOR = "pooler_transform/bias";
    private static final String HUGE_TENSOR = "transformer/layer_0/output/bias";

    @TempDir
    static Path dir;
    private static Path nan;
    private static Path huge;

    @BeforeAll
    static void models() throws Exception {
        SparseMixerConfig c = TestModels.small();
        nan = dir.resolve("nan");
        TestModels.writeConfig(nan, TestModels.configMap(c));
        Map<String, Safetensors.Tensor> t = TestModels.tensors(c, (name, shape) -> {
            float[] v = TestModels.weights(3).floats(name, shape);
            if (name.equals(BAD_TENSOR)) {
                v[0] = Float.NaN;
                v[1] = Float.POSITIVE_INFINITY;
                v[2] = Float.NEGATIVE_INFINITY;
                v[3] = Float.NaN;
            }
            return v;
        });
        Safetensors.write(nan.resolve("model.safetensors"), t);

        // finite in F32, +Inf once rounded to F16 (largest finite F16: 65504)
        huge = dir.resolve("huge");
        TestModels.writeConfig(huge, TestModels.configMap(c));
        Safetensors.write(huge.resolve("model.safetensors"), TestModels.tensors(c, (name, shape) -> {
            float[] v = TestModels.weights(3).floats(name, shape);
            if (name.equals(HUGE_TENSOR)) {
                v[5] = 1e6f;
            }
            return v;
        }));
    }

    @Test
    void inspectCountsThem() {
        Cli.Result r = Cli.run("inspect", "--model", nan.toString());
        Cli.assertOk(r);
        assertTrue(r.out().contains("4 values (NaN or Inf"), r::toString);
        String row = r.out().lines().filter(l -> l.contains(BAD_TENSOR)).findFirst().orElseThrow();
        assertTrue(row.endsWith("2/1/1"), row);
    }

    @Test
    void runRefusesThemUnlessAllowed() {
        String line = Cli.assertBadInput(Cli.run("run", "--model", nan.toString()), BAD_TENSOR, "4", "--allow-nonfinite");
        assertTrue(line.contains("2 NaN, 1 +Inf, 1 -Inf"), line);
        Cli.assertOk(Cli.run("run", "--model", nan.toString(), "--allow-nonfinite"));
    }

    @Test
    void benchRefusesThemUnlessAllowed() {
        Cli.assertBadInput(Cli.run("bench", "--model", nan.toString(), "--iterations", "1", "--warmup", "0"), BAD_TENSOR);
        Cli.assertOk(Cli.run("bench", "--model", nan.toString(), "--iterations", "1", "--warmup", "0", "--allow-nonfinite"));
    }

    @Test
    void roundingToF16CanOverflowAndIsCheckedAfterwards() {
        Cli.assertOk(Cli.run("run", "--model", huge.toString()));
        String line = Cli.assertBadInput(Cli.run("run", "--model", huge.toString(), "--weights-dtype", "f16"),
                HUGE_TENSOR, "f16");
        assertTrue(line.contains("1 +Inf"), line);
        Cli.assertOk(Cli.run("run", "--model", huge.toString(), "--weights-dtype", "bf16"));
    }
}
