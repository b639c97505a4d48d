package org.sparsemixer.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;

/**
 * A source without a slice reader of its own (a lambda) is asked for every tensor once while the graph is
 * built, however many experts slice a stacked kernel: TensorSource's default slice reads the whole tensor per
 * slice, which made building 12588 experts take 10 s (FileFuzzTest.configFiles). The experts come out the same
 * as from a source that reads slices itself.
 */
class StackedTensorReadsTest {
    // two MoE layers of 64 experts, so the stacks of one layer must not be mistaken for the other's
    private static final SparseMixerConfig CONFIG = new SparseMixerConfig(30, 8, 3, List.of(0, 2), List.of(1), 64,
            1.0, 1.0, 1.0, MixingMechanism.LINEAR, false, 2, 16, 2, 8, SparseMixerConfig.GELU_APPROXIMATE, null,
            8, false, false);

    @Test
    void aLambdaSourceIsAskedForEachStackedTensorOnce() {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 5);
        Map<String, Integer> reads = new ConcurrentHashMap<>();
        TensorSource counting = (name, shape) -> {
            reads.merge(name, 1, Integer::sum);
            return weights.floats(name, shape);
        };
        SparseMixerEncoder.create(CONFIG, counting, EncoderOptions.threads(1)).close();
        assertEquals(ModelLayout.expectedTensors(CONFIG).keySet(), reads.keySet());
        reads.forEach((name, n) -> assertEquals(1, n, () -> name + " read " + n + " times"));
    }

    @Test
    void expertsReadWholeEncodeAsExpertsReadBySlice() {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 6);
        TensorSource slicing = slicing(weights, (name, index) -> { });
        EncoderInput input = EncoderVsReferenceTest.randomInput(CONFIG, 2, 0, 7);
        EncoderOutput whole = encode(weights::floats, 1, input);
        EncoderOutput sliced = encode(slicing, 1, input);
        assertArrayEquals(sliced.sequenceOutput(), whole.sequenceOutput());
        assertArrayEquals(sliced.pooledOutput(), whole.pooledOutput());
    }

    /**
     * With two threads a second thread packs the experts' kernels while the next slice is read (Weights.
     * slicesStreamed); the source is still only called from the building thread, and the encoder is the one
     * built with packing on the building thread.
     */
    @Test
    void expertsPackedOnASecondThreadReadOnTheBuildingThreadAndEncodeTheSame() {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 8);
        Map<String, Integer> readers = new ConcurrentHashMap<>();
        TensorSource slicing = slicing(weights,
                (name, index) -> readers.merge(Thread.currentThread().getName(), 1, Integer::sum));
        EncoderInput input = EncoderVsReferenceTest.randomInput(CONFIG, 2, 0, 9);
        EncoderOutput pipelined = encode(slicing, 2, input);
        // 2 MoE layers x 2 kernels x 64 slices, and every other tensor once, all on this thread
        int tensors = ModelLayout.expectedTensors(CONFIG).size();
        assertEquals(Map.of(Thread.currentThread().getName(), tensors - 4 + 4 * 64), readers);
        EncoderOutput sequential = encode(slicing, 1, input);
        assertArrayEquals(sequential.sequenceOutput(), pipelined.sequenceOutput());
        assertArrayEquals(sequential.pooledOutput(), pipelined.pooledOutput());
    }

    /** A source that fails on a slice in the middle of a stack fails the build with its own exception. */
    @Test
    void aFailingSliceReadFailsTheBuildWithItsException() {
        TensorSource weights = EncoderVsReferenceTest.randomWeights(CONFIG, 10);
        TensorSource failing = slicing(weights, (name, index) -> {
            if (index == 37) {
                throw new org.sparsemixer.engine.InvalidModelException("cannot read " + name + " slice " + index);
            }
        });
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.sparsemixer.engine.InvalidModelException.class,
                () -> SparseMixerEncoder.create(CONFIG, failing, EncoderOptions.threads(2)));
        assertEquals("cannot read " + ModelLayout.layerPrefix(0) + "moe/experts/intermediate/kernel slice 37",
                e.getMessage());
    }

    private static EncoderOutput encode(TensorSource weights, int threads, EncoderInput input) {
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(CONFIG, weights, EncoderOptions.threads(threads))) {
            return encoder.encode(input);
        }
    }

    /** Called before each read: the tensor's name and the slice index, or -1 for a whole tensor. */
    private interface ReadHook {
        void before(String name, int index);
    }

    /** {@code weights} as a source that reads slices itself, calling {@code hook} before every read. */
    private static TensorSource slicing(TensorSource weights, ReadHook hook) {
        return new TensorSource() {
            @Override
            public float[] floats(String name, int[] shape) {
                hook.before(name, -1);
                return weights.floats(name, shape);
            }

            @Override
            public float[] slice(String name, int[] shape, int index) {
                hook.before(name, index);
                int perSlice = Math.toIntExact(ModelLayout.elementCount(shape) / shape[0]);
                return java.util.Arrays.copyOfRange(weights.floats(name, shape), index * perSlice, (index + 1) * perSlice);
            }
        };
    }
}
