package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.BatchFiles;
import org.sparsemixer.loader.ConfigJson;
import org.sparsemixer.loader.ModelLoader;

/** The loader's writers against the tests' own reader, and save -> load -> encode against building in memory. */
class ModelRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void savedModelLoadsAndEncodesLikeTheInMemoryModel() throws Exception {
        SparseMixerConfig config = TestModels.small(1.0, true);
        Path dir = tmp.resolve("model");
        ModelLoader.save(dir, config, TestModels.weights(41));

        assertEquals(config, ConfigJson.read(dir.resolve(ModelLoader.CONFIG_FILE)));
        Map<String, Safetensors.Tensor> written = Safetensors.read(dir.resolve(ModelLoader.WEIGHTS_FILE));
        Map<String, int[]> expected = ModelLayout.expectedTensors(config);
        assertEquals(expected.keySet(), written.keySet());
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            Safetensors.Tensor t = written.get(e.getKey());
            assertEquals("F32", t.dtype(), e.getKey());
            assertArrayEquals(e.getValue(), t.shape(), e.getKey());
            assertArrayEquals(TestModels.weights(41).floats(e.getKey(), e.getValue()), t.floats(), e.getKey());
        }

        Batches b = Batches.valid(2, TestModels.SEQ - 2, 5);
        EncoderInput input = EncoderInput.withDense(b.ids, b.mask, b.types, Batches.dense(2, 2, TestModels.HIDDEN, 6),
                Batches.filled(2, 2, 1), Batches.filled(2, 2, 1));
        EncoderOutput fromDisk;
        EncoderOutput inMemory;
        try (SparseMixerEncoder encoder = ModelLoader.load(dir, EncoderOptions.threads(1))) {
            fromDisk = encoder.encode(input);
        }
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(config, TestModels.weights(41), EncoderOptions.threads(1))) {
            inMemory = encoder.encode(input);
        }
        Tolerance.assertBitIdentical("sequence_output", inMemory.sequenceOutput(), fromDisk.sequenceOutput());
        Tolerance.assertBitIdentical("pooled_output", inMemory.pooledOutput(), fromDisk.pooledOutput());
    }

    @Test
    void configJsonWrittenByTheLoaderIsReadByTheLoader() throws Exception {
        SparseMixerConfig config = TestModels.small(1.5, false);
        assertEquals(config, ConfigJson.parse(ConfigJson.toJson(config)));
        // And the loader reads the config.json the tests write by hand.
        Path dir = TestModels.writeModel(tmp.resolve("by-hand"), config, 42);
        assertEquals(config, ConfigJson.read(dir.resolve(ModelLoader.CONFIG_FILE)));
    }

    @Test
    void inputsWrittenByTheLoaderReadBack() throws Exception {
        Batches b = Batches.valid(3, TestModels.SEQ, 7);
        EncoderInput input = EncoderInput.of(b.ids, b.mask, b.types);
        Path file = tmp.resolve("inputs.safetensors");
        BatchFiles.writeInputs(file, input);

        Map<String, Safetensors.Tensor> t = Safetensors.read(file);
        assertArrayEquals(new int[] {3, TestModels.SEQ}, t.get(EncoderInput.INPUT_WORD_IDS).shape());
        assertArrayEquals(Batches.flat(b.ids), t.get(EncoderInput.INPUT_WORD_IDS).ints());
        assertArrayEquals(Batches.flat(b.mask), t.get(EncoderInput.INPUT_MASK).ints());
        assertArrayEquals(Batches.flat(b.types), t.get(EncoderInput.INPUT_TYPE_IDS).ints());

        EncoderInput back = BatchFiles.readInputs(file);
        assertArrayEquals(input.wordIds(), back.wordIds());
        assertArrayEquals(input.mask(), back.mask());
        assertArrayEquals(input.typeIds(), back.typeIds());
    }

    @Test
    void outputsWrittenByTheLoaderAreF32WithTheSpecifiedShapes() throws Exception {
        String name = "p02_fourier_dft";
        EncoderOutput want = BatchFiles.readOutputs(Fixtures.cases(name));
        Path file = tmp.resolve("out.safetensors");
        BatchFiles.writeOutputs(file, want);
        Fixtures.assertFileMatches(name, Fixtures.expected(name), Safetensors.read(file));
    }

    @Test
    void sampleBatchIsDeterministicAndValid() throws Exception {
        SparseMixerConfig config = TestModels.small();
        EncoderInput a = EncoderInput.sample(config, 3, 99);
        EncoderInput b = EncoderInput.sample(config, 3, 99);
        assertEquals(3, a.batchSize());
        assertEquals(config.maxSequenceLength(), a.sequenceLength());
        assertArrayEquals(a.wordIds(), b.wordIds());
        assertArrayEquals(a.mask(), b.mask());
        for (int i = 0; i < a.wordIds().length; i++) {
            assertTrue(a.wordIds()[i] >= 0 && a.wordIds()[i] < config.vocabSize());
            assertTrue(a.typeIds()[i] >= 0 && a.typeIds()[i] < config.typeVocabSize());
            assertTrue(a.mask()[i] == 0 || a.mask()[i] == 1);
        }
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(config, TestModels.weights(3), EncoderOptions.threads(1))) {
            assertEquals(3, encoder.encode(a).batchSize());
        }
    }
}
