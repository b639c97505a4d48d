package org.sparsemixer.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

class RandomWeightsTest {
    /** Large enough that several tensors span many generation blocks. */
    static final SparseMixerConfig CONFIG = new SparseMixerConfig(5000, 64, 3, List.of(1), List.of(2), 4, 1.0, 1.0,
            1.0, MixingMechanism.LINEAR, false, 4, 32, 2, 1200, "gelu_approximate", null, 48, false, false);

    @Test
    void aSliceHasTheValuesOfTheWholeTensorThere() {
        Map<String, int[]> layout = ModelLayout.expectedTensors(CONFIG);
        try (RandomWeights weights = new RandomWeights(CONFIG, 5, 2)) {
            for (String name : List.of("transformer/layer_1/moe/experts/intermediate/kernel",
                    "transformer/layer_1/moe/experts/output/kernel", "transformer/layer_1/moe/experts/output/bias",
                    "word_embeddings/embeddings")) {
                int[] shape = layout.get(name);
                float[] all = weights.floats(name, shape);
                int per = all.length / shape[0];
                // expert slices of 76,800 values start inside generation blocks of 65,536
                for (int index : new int[] {0, 1, shape[0] / 2, shape[0] - 1}) {
                    assertArrayEquals(Arrays.copyOfRange(all, index * per, (index + 1) * per),
                            weights.slice(name, shape, index), name + " slice " + index);
                }
            }
            int[] shape = layout.get("transformer/layer_1/moe/experts/output/kernel");
            assertThrows(IllegalArgumentException.class,
                    () -> weights.slice("transformer/layer_1/moe/experts/output/kernel", shape, shape[0]));
        }
    }

    @Test
    void sameSeedSameWeightsRegardlessOfThreadsAndOrder() {
        Map<String, int[]> layout = ModelLayout.expectedTensors(CONFIG);
        List<String> names = new ArrayList<>(layout.keySet());
        List<String> shuffled = new ArrayList<>(names);
        Collections.shuffle(shuffled, new java.util.Random(3));
        try (RandomWeights one = new RandomWeights(CONFIG, 11, 1); RandomWeights three = new RandomWeights(CONFIG, 11, 3)) {
            for (String name : shuffled) {
                assertArrayEquals(one.floats(name, layout.get(name)), three.floats(name, layout.get(name)), name);
            }
            // asking twice gives the same values
            String big = "transformer/layer_1/moe/experts/intermediate/kernel";
            assertTrue(ModelLayout.elementCount(layout.get(big)) > 4L * RandomWeights.BLOCK);
            assertArrayEquals(one.floats(big, layout.get(big)), one.floats(big, layout.get(big)));
        }
    }

    @Test
    void differentSeedsAndTensorsDiffer() {
        int[] shape = {5000, 48};
        try (RandomWeights a = new RandomWeights(CONFIG, 1, 2); RandomWeights b = new RandomWeights(CONFIG, 2, 2)) {
            float[] x = a.floats(ModelLayout.WORD_EMBEDDINGS, shape);
            assertFalse(Arrays.equals(x, b.floats(ModelLayout.WORD_EMBEDDINGS, shape)));
            float[] k0 = a.floats("transformer/layer_0/output/bias", new int[] {64});
            float[] k1 = a.floats("transformer/layer_2/output/bias", new int[] {64});
            assertFalse(Arrays.equals(k0, k1));
            // blocks do not repeat within a tensor
            assertFalse(Arrays.equals(Arrays.copyOfRange(x, 0, 1000),
                    Arrays.copyOfRange(x, RandomWeights.BLOCK, RandomWeights.BLOCK + 1000)));
        }
    }

    @Test
    void layerNormsAreIdentityOthersTruncatedNormal() {
        try (RandomWeights w = new RandomWeights(CONFIG, 5, 2)) {
            for (Map.Entry<String, int[]> e : ModelLayout.expectedTensors(CONFIG).entrySet()) {
                float[] v = w.floats(e.getKey(), e.getValue());
                if (e.getKey().endsWith("/gamma")) {
                    for (float x : v) {
                        assertEquals(1f, x, e.getKey());
                    }
                } else if (e.getKey().endsWith("/beta")) {
                    for (float x : v) {
                        assertEquals(0f, x, e.getKey());
                    }
                } else {
                    int nonZero = 0;
                    for (float x : v) {
                        assertTrue(Math.abs(x) <= 2 * RandomWeights.STDDEV + 1e-7, e.getKey() + ": " + x);
                        nonZero += x != 0 ? 1 : 0;
                    }
                    assertTrue(nonZero > v.length * 0.9, e.getKey() + " (biases too are random)");
                }
            }
            // A normal truncated at 2 sigma has standard deviation 0.8796 sigma and mean 0.
            float[] v = w.floats(ModelLayout.WORD_EMBEDDINGS, new int[] {5000, 48});
            double sum = 0;
            double sq = 0;
            int beyondOneSigma = 0;
            for (float x : v) {
                sum += x;
                sq += (double) x * x;
                beyondOneSigma += Math.abs(x) > RandomWeights.STDDEV ? 1 : 0;
            }
            double mean = sum / v.length;
            double std = Math.sqrt(sq / v.length - mean * mean);
            assertEquals(0, mean, 2e-4);
            assertEquals(0.8796 * RandomWeights.STDDEV, std, 2e-4);
            // P(|x| > sigma | |x| <= 2 sigma) = (0.9545 - 0.6827) / 0.9545 = 0.2848
            assertEquals(0.2848, (double) beyondOneSigma / v.length, 0.01);
        }
    }

    @Test
    void rejectsUnknownNamesAndWrongShapes() {
        try (RandomWeights w = new RandomWeights(CONFIG, 5, 1)) {
            assertThrows(IllegalArgumentException.class, () -> w.floats("nope", new int[] {1}));
            assertThrows(IllegalArgumentException.class, () -> w.floats(ModelLayout.WORD_EMBEDDINGS, new int[] {48, 5000}));
        }
    }

    @Test
    void baseWeightsAreFast() {
        SparseMixerConfig base = DefaultModel.config();
        Map<String, int[]> layout = ModelLayout.expectedTensors(base);
        long params = 0;
        long start = System.nanoTime();
        try (RandomWeights w = DefaultModel.weights(Runtime.getRuntime().availableProcessors())) {
            for (Map.Entry<String, int[]> e : layout.entrySet()) {
                params += w.floats(e.getKey(), e.getValue()).length;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("RandomWeights: %d Base parameters in %.2f s%n", params, seconds);
        assertTrue(params > 150_000_000L, "Base has about 170M parameters, got " + params);
        // Generous bound for a loaded shared CI machine; about 1 s on 2 idle cores.
        assertTrue(seconds < 15, "took " + seconds + " s");
    }

    @Test
    void defaultModelIsBaseWithVocab32000() {
        assertEquals(SparseMixerConfig.base(32000), DefaultModel.config());
        try (SparseMixerEncoder encoder = DefaultModel.create(EncoderOptions.threads(1))) {
            assertEquals(DefaultModel.config(), encoder.config());
        }
    }
}
