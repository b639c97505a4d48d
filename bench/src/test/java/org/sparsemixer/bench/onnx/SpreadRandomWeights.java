package org.sparsemixer.bench.onnx;

import java.util.SplittableRandom;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.TensorSource;

/**
 * Deterministic random weights: every tensor is N(0, std^2) from a generator seeded by the seed and
 * the tensor's name (so the values do not depend on the order tensors are asked for), except layer
 * norm gammas, which are 1 + N(0, std^2). Router kernels may get their own std, to keep the test's
 * routing decisions far from ties.
 */
public record SpreadRandomWeights(long seed, double std, double routerStd) implements TensorSource {

    public static SpreadRandomWeights of(long seed, double std) {
        return new SpreadRandomWeights(seed, std, std);
    }

    @Override
    public float[] floats(String name, int[] shape) {
        int count = Math.toIntExact(ModelLayout.elementCount(shape));
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        double sd = name.contains("/router/") ? routerStd : std;
        double mean = name.endsWith("/gamma") ? 1.0 : 0.0;
        float[] values = new float[count];
        for (int i = 0; i < count; i += 2) {
            // Box-Muller: two normals per pair of uniforms
            double u = 1.0 - random.nextDouble();
            double v = random.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u)) * sd;
            values[i] = (float) (mean + r * Math.cos(2 * Math.PI * v));
            if (i + 1 < count) {
                values[i + 1] = (float) (mean + r * Math.sin(2 * Math.PI * v));
            }
        }
        return values;
    }
}
