package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.BatchFiles;
import org.sparsemixer.loader.ModelLoader;

/** Every golden fixture through the Java API: load, read inputs, encode, compare (SPEC section 6). */
class GoldenApiTest {

    static List<String> cases() {
        return Fixtures.CASES;
    }

    @Test
    void everyFixtureFolderIsTested() {
        assertEquals(Fixtures.CASES.stream().sorted().toList(), Fixtures.presentCases());
    }

    @Test
    void expectedOutputsAreNotTrivial() throws Exception {
        // Guards the comparison itself: all-zero goldens would make every other test here vacuous.
        for (String name : Fixtures.CASES) {
            float[] pooled = Fixtures.expected(name).get(EncoderOutput.POOLED_OUTPUT).floats();
            double sum = 0;
            for (float v : pooled) {
                sum += Math.abs(v);
            }
            assertTrue(sum > 1e-3, name + ": pooled output is all (near) zero");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesGoldenOutputs(String name) throws Exception {
        Map<String, Safetensors.Tensor> want = Fixtures.expected(name);
        EncoderInput input = BatchFiles.readInputs(Fixtures.cases(name));
        try (SparseMixerEncoder encoder = ModelLoader.load(Fixtures.model(name), EncoderOptions.defaults())) {
            EncoderOutput got = encoder.encode(input);
            Fixtures.assertMatches(name, want, got);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void readsInputsAsWritten(String name) throws Exception {
        Map<String, Safetensors.Tensor> want = Fixtures.expected(name);
        EncoderInput input = BatchFiles.readInputs(Fixtures.cases(name));
        Safetensors.Tensor ids = want.get(EncoderInput.INPUT_WORD_IDS);
        assertEquals(ids.shape()[0], input.batchSize(), "batch size");
        assertEquals(ids.shape()[1], input.wordLength(), "word length");
        assertArrayEquals(ids.ints(), input.wordIds(), EncoderInput.INPUT_WORD_IDS);
        assertArrayEquals(want.get(EncoderInput.INPUT_MASK).ints(), input.mask(), EncoderInput.INPUT_MASK);
        assertArrayEquals(want.get(EncoderInput.INPUT_TYPE_IDS).ints(), input.typeIds(), EncoderInput.INPUT_TYPE_IDS);
        assertEquals(want.containsKey(EncoderInput.DENSE_INPUTS), input.hasDenseInputs(), "dense inputs present");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void readOutputsAgreesWithIndependentReader(String name) throws Exception {
        Map<String, Safetensors.Tensor> want = Fixtures.expected(name);
        EncoderOutput read = BatchFiles.readOutputs(Fixtures.cases(name));
        assertArrayEquals(want.get(EncoderOutput.SEQUENCE_OUTPUT).floats(), read.sequenceOutput());
        assertArrayEquals(want.get(EncoderOutput.POOLED_OUTPUT).floats(), read.pooledOutput());
        assertArrayEquals(want.get(EncoderOutput.ENCODER_OUTPUTS).floats(), read.encoderOutputs());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oneAndTwoThreadsGiveBitIdenticalResults(String name) throws Exception {
        EncoderInput input = BatchFiles.readInputs(Fixtures.cases(name));
        EncoderOutput one;
        EncoderOutput two;
        try (SparseMixerEncoder encoder = ModelLoader.load(Fixtures.model(name), EncoderOptions.threads(1))) {
            one = encoder.encode(input);
        }
        try (SparseMixerEncoder encoder = ModelLoader.load(Fixtures.model(name), EncoderOptions.threads(2))) {
            two = encoder.encode(input);
        }
        Tolerance.assertBitIdentical(name + " sequence_output", one.sequenceOutput(), two.sequenceOutput());
        Tolerance.assertBitIdentical(name + " pooled_output", one.pooledOutput(), two.pooledOutput());
        Tolerance.assertBitIdentical(name + " encoder_outputs", one.encoderOutputs(), two.encoderOutputs());
        Fixtures.assertMatches(name + " (1 thread)", Fixtures.expected(name), one);
    }

    @Test
    void concurrentCallsOnOneEncoderMatchSequentialCalls() throws Exception {
        String name = "p01_linear_postnorm_base";
        EncoderInput input = BatchFiles.readInputs(Fixtures.cases(name));
        try (SparseMixerEncoder encoder = ModelLoader.load(Fixtures.model(name), EncoderOptions.threads(2))) {
            EncoderOutput sequential = encoder.encode(input);
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<Future<EncoderOutput>> results = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    results.add(callers.submit(() -> encoder.encode(input)));
                }
                for (Future<EncoderOutput> f : results) {
                    EncoderOutput got = f.get();
                    Tolerance.assertBitIdentical("concurrent sequence_output", sequential.sequenceOutput(), got.sequenceOutput());
                    Tolerance.assertBitIdentical("concurrent pooled_output", sequential.pooledOutput(), got.pooledOutput());
                }
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void encodingDoesNotModifyTheInput() throws Exception {
        String name = "p06_sharp_attention";
        EncoderInput input = BatchFiles.readInputs(Fixtures.cases(name));
        int[] ids = input.wordIds().clone();
        int[] mask = input.mask().clone();
        int[] types = input.typeIds().clone();
        try (SparseMixerEncoder encoder = ModelLoader.load(Fixtures.model(name), EncoderOptions.threads(1))) {
            encoder.encode(input);
        }
        assertArrayEquals(ids, input.wordIds());
        assertArrayEquals(mask, input.mask());
        assertArrayEquals(types, input.typeIds());
    }
}
