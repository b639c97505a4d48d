package org.sparsemixer.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.safetensors.SafeTensorsWriter;

class BatchFilesTest {
    static final SparseMixerConfig DENSE = new SparseMixerConfig(300, 16, 2, List.of(), List.of(1), 2, 1.0, 1.0, 1.0,
            MixingMechanism.FOURIER, false, 2, 20, 4, 32, "gelu_approximate", null, 8, false, true);

    @TempDir
    Path dir;

    static Path goldenCases() throws Exception {
        return Path.of(BatchFilesTest.class.getResource("/p01_linear_postnorm_base/cases.safetensors").toURI());
    }

    @Test
    void inputsRoundTrip() throws IOException {
        EncoderInput in = EncoderInput.of(new int[][] {{5, 6, 7}, {8, 0, 0}}, new int[][] {{1, 1, 1}, {1, 0, 0}},
                new int[][] {{0, 1, 1}, {2, 0, 0}});
        Path file = dir.resolve("in.safetensors");
        BatchFiles.writeInputs(file, in);
        EncoderInput back = BatchFiles.readInputs(file);
        assertEquals(2, back.batchSize());
        assertEquals(3, back.wordLength());
        assertArrayEquals(new int[] {5, 6, 7, 8, 0, 0}, back.wordIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0}, back.mask());
        assertArrayEquals(new int[] {0, 1, 1, 2, 0, 0}, back.typeIds());
        assertFalse(back.hasDenseInputs());
        assertEquals(0, back.denseLength());
    }

    @Test
    void denseInputsRoundTrip() throws IOException {
        EncoderInput in = EncoderInput.withDense(new int[][] {{1}, {2}}, new int[][] {{1}, {1}}, new int[][] {{0}, {1}},
                new float[][][] {{{0.5f, -1f}, {2f, 3f}}, {{4f, 5f}, {6f, 7.25f}}},
                new int[][] {{1, 1}, {1, 0}}, new int[][] {{3, 2}, {1, 0}});
        Path file = dir.resolve("dense.safetensors");
        BatchFiles.writeInputs(file, in);
        EncoderInput back = BatchFiles.readInputs(file);
        assertEquals(2, back.denseLength());
        assertArrayEquals(new float[] {0.5f, -1f, 2f, 3f, 4f, 5f, 6f, 7.25f}, back.denseInputs());
        assertArrayEquals(new int[] {1, 1, 1, 0}, back.denseMask());
        assertArrayEquals(new int[] {3, 2, 1, 0}, back.denseTypeIds());
        assertArrayEquals(new int[] {1, 2}, back.wordIds());
    }

    @Test
    void readsI64Inputs() throws IOException {
        Path file = dir.resolve("i64.safetensors");
        new SafeTensorsWriter()
                .addI64(EncoderInput.INPUT_WORD_IDS, new int[] {1, 3}, new long[] {101, 2002, 3})
                .addI64(EncoderInput.INPUT_MASK, new int[] {1, 3}, new long[] {1, 1, 0})
                .addI64(EncoderInput.INPUT_TYPE_IDS, new int[] {1, 3}, new long[] {0, 1, 0})
                .write(file);
        EncoderInput in = BatchFiles.readInputs(file);
        assertArrayEquals(new int[] {101, 2002, 3}, in.wordIds());
        assertArrayEquals(new int[] {1, 1, 0}, in.mask());
        assertArrayEquals(new int[] {0, 1, 0}, in.typeIds());

        new SafeTensorsWriter()
                .addI64(EncoderInput.INPUT_WORD_IDS, new int[] {1, 2}, new long[] {1, 1L << 35})
                .addI32(EncoderInput.INPUT_MASK, new int[] {1, 2}, new int[] {1, 1})
                .addI32(EncoderInput.INPUT_TYPE_IDS, new int[] {1, 2}, new int[] {0, 0})
                .write(file);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchFiles.readInputs(file));
        assertTrue(e.getMessage().contains(EncoderInput.INPUT_WORD_IDS) && e.getMessage().contains("[0, 1]"), e.getMessage());
    }

    @Test
    void goldenCasesFileServesAsInputsAndOutputs() throws Exception {
        EncoderInput in = BatchFiles.readInputs(goldenCases());
        assertEquals(2, in.batchSize());
        assertEquals(16, in.wordLength());
        assertFalse(in.hasDenseInputs());
        // Example 0 has 12 real tokens, example 1 has 14 (values read from the file with Python).
        int[] mask = new int[32];
        Arrays.fill(mask, 0, 12, 1);
        Arrays.fill(mask, 16, 30, 1);
        assertArrayEquals(mask, in.mask());

        EncoderOutput out = BatchFiles.readOutputs(goldenCases());
        assertEquals(2, out.batchSize());
        assertEquals(16, out.sequenceLength());
        assertEquals(32, out.hiddenSize());
        assertEquals(6, out.numLayers());
        assertEquals(-1.0040076971054077f, out.sequenceOutput(0, 0, 0));
        assertEquals(1.9598416090011597f, out.sequenceOutput(0, 0, 1));
        assertEquals(1.835599660873413f, out.sequenceOutput(0, 0, 3));
        assertEquals(-1.513321876525879f, out.encoderOutput(4, 1, 15, 0));
        assertEquals(0.2097969353199005f, out.encoderOutput(1, 0, 3, 7));
        // The last layer's output is the sequence output.
        int last = 5 * 2 * 16 * 32;
        assertArrayEquals(out.sequenceOutput(), Arrays.copyOfRange(out.encoderOutputs(), last, last + 2 * 16 * 32));
        assertEquals(2 * 32, out.pooledOutput().length);
    }

    @Test
    void outputsRoundTrip() throws IOException {
        int b = 2;
        int s = 3;
        int h = 2;
        int l = 2;
        float[] enc = new float[l * b * s * h];
        for (int i = 0; i < enc.length; i++) {
            enc[i] = i * 0.5f - 3;
        }
        float[] seq = Arrays.copyOfRange(enc, b * s * h, enc.length);
        float[] pooled = {0.1f, -0.2f, 0.3f, -0.4f};
        Path file = dir.resolve("out.safetensors");
        BatchFiles.writeOutputs(file, new EncoderOutput(b, s, h, l, seq, pooled, enc));
        EncoderOutput back = BatchFiles.readOutputs(file);
        assertEquals(b, back.batchSize());
        assertEquals(s, back.sequenceLength());
        assertEquals(h, back.hiddenSize());
        assertEquals(l, back.numLayers());
        assertArrayEquals(seq, back.sequenceOutput());
        assertArrayEquals(pooled, back.pooledOutput());
        assertArrayEquals(enc, back.encoderOutputs());
    }

    private IllegalArgumentException inputsFail(SafeTensorsWriter w) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        w.write(file);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchFiles.readInputs(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e;
    }

    private static SafeTensorsWriter words(int batch, int length) {
        int[] zeros = new int[batch * length];
        return new SafeTensorsWriter()
                .addI32(EncoderInput.INPUT_WORD_IDS, new int[] {batch, length}, zeros)
                .addI32(EncoderInput.INPUT_MASK, new int[] {batch, length}, zeros)
                .addI32(EncoderInput.INPUT_TYPE_IDS, new int[] {batch, length}, zeros);
    }

    @Test
    void missingInputIsNamed() throws IOException {
        IllegalArgumentException e = inputsFail(new SafeTensorsWriter()
                .addI32(EncoderInput.INPUT_WORD_IDS, new int[] {1, 2}, new int[2])
                .addI32(EncoderInput.INPUT_TYPE_IDS, new int[] {1, 2}, new int[2]));
        assertTrue(e.getMessage().contains(EncoderInput.INPUT_MASK), e.getMessage());
        e = inputsFail(new SafeTensorsWriter().addF32("sequence_output", new int[] {1}, new float[1]));
        assertTrue(e.getMessage().contains(EncoderInput.INPUT_WORD_IDS), e.getMessage());
        e = inputsFail(words(1, 2).addF32(EncoderInput.DENSE_INPUTS, new int[] {1, 1, 2}, new float[2])
                .addI32(EncoderInput.DENSE_MASK, new int[] {1, 1}, new int[1]));
        assertTrue(e.getMessage().contains(EncoderInput.DENSE_TYPE_IDS), e.getMessage());
    }

    @Test
    void wrongRankIsNamed() throws IOException {
        IllegalArgumentException e = inputsFail(new SafeTensorsWriter()
                .addI32(EncoderInput.INPUT_WORD_IDS, new int[] {2}, new int[2])
                .addI32(EncoderInput.INPUT_MASK, new int[] {1, 2}, new int[2])
                .addI32(EncoderInput.INPUT_TYPE_IDS, new int[] {1, 2}, new int[2]));
        assertTrue(e.getMessage().contains(EncoderInput.INPUT_WORD_IDS) && e.getMessage().contains("rank"), e.getMessage());
        e = inputsFail(new SafeTensorsWriter()
                .addI32(EncoderInput.INPUT_WORD_IDS, new int[] {1, 2}, new int[2])
                .addI32(EncoderInput.INPUT_MASK, new int[] {1, 2, 1}, new int[2])
                .addI32(EncoderInput.INPUT_TYPE_IDS, new int[] {1, 2}, new int[2]));
        assertTrue(e.getMessage().contains(EncoderInput.INPUT_MASK) && e.getMessage().contains("rank"), e.getMessage());
        e = inputsFail(words(1, 2).addF32(EncoderInput.DENSE_INPUTS, new int[] {1, 2}, new float[2])
                .addI32(EncoderInput.DENSE_MASK, new int[] {1, 1}, new int[1])
                .addI32(EncoderInput.DENSE_TYPE_IDS, new int[] {1, 1}, new int[1]));
        assertTrue(e.getMessage().contains(EncoderInput.DENSE_INPUTS) && e.getMessage().contains("rank"), e.getMessage());
    }

    @Test
    void differentBatchSizesAreRejected() throws IOException {
        IllegalArgumentException e = inputsFail(new SafeTensorsWriter()
                .addI32(EncoderInput.INPUT_WORD_IDS, new int[] {2, 2}, new int[4])
                .addI32(EncoderInput.INPUT_MASK, new int[] {2, 2}, new int[4])
                .addI32(EncoderInput.INPUT_TYPE_IDS, new int[] {1, 2}, new int[2]));
        assertTrue(e.getMessage().contains(EncoderInput.INPUT_TYPE_IDS) && e.getMessage().contains("batch size"), e.getMessage());
        e = inputsFail(words(2, 2).addF32(EncoderInput.DENSE_INPUTS, new int[] {1, 1, 2}, new float[2])
                .addI32(EncoderInput.DENSE_MASK, new int[] {1, 1}, new int[1])
                .addI32(EncoderInput.DENSE_TYPE_IDS, new int[] {1, 1}, new int[1]));
        assertTrue(e.getMessage().contains(EncoderInput.DENSE_INPUTS) && e.getMessage().contains("batch size"), e.getMessage());
        // lengths that differ between the word inputs
        e = inputsFail(new SafeTensorsWriter()
                .addI32(EncoderInput.INPUT_WORD_IDS, new int[] {1, 3}, new int[3])
                .addI32(EncoderInput.INPUT_MASK, new int[] {1, 2}, new int[2])
                .addI32(EncoderInput.INPUT_TYPE_IDS, new int[] {1, 3}, new int[3]));
        assertTrue(e.getMessage().contains(EncoderInput.INPUT_MASK) && e.getMessage().contains("[1, 2]"), e.getMessage());
    }

    @Test
    void floatIdsAreRejected() throws IOException {
        IllegalArgumentException e = inputsFail(new SafeTensorsWriter()
                .addF32(EncoderInput.INPUT_WORD_IDS, new int[] {1, 2}, new float[2])
                .addI32(EncoderInput.INPUT_MASK, new int[] {1, 2}, new int[2])
                .addI32(EncoderInput.INPUT_TYPE_IDS, new int[] {1, 2}, new int[2]));
        assertTrue(e.getMessage().contains(EncoderInput.INPUT_WORD_IDS) && e.getMessage().contains("F32"), e.getMessage());
    }

    @Test
    void sampleBatchIsDeterministicAndInRange() {
        SparseMixerConfig config = SparseMixerConfig.base(32000);
        EncoderInput a = EncoderInput.sample(config, 4, 9);
        EncoderInput b = EncoderInput.sample(config, 4, 9);
        assertArrayEquals(a.wordIds(), b.wordIds());
        assertArrayEquals(a.mask(), b.mask());
        assertArrayEquals(a.typeIds(), b.typeIds());
        assertFalse(Arrays.equals(a.wordIds(), EncoderInput.sample(config, 4, 10).wordIds()));
        assertEquals(4, a.batchSize());
        assertEquals(512, a.wordLength());
        assertNull(a.denseInputs());
        boolean somePadding = false;
        for (int ex = 0; ex < 4; ex++) {
            int valid = 0;
            while (valid < 512 && a.mask()[ex * 512 + valid] == 1) {
                valid++;
            }
            assertTrue(valid >= 1, "example " + ex);
            if (ex == 0) {
                assertEquals(512, valid, "the first example is unpadded");
            }
            somePadding |= valid < 512;
            for (int t = 0; t < 512; t++) {
                int i = ex * 512 + t;
                assertEquals(t < valid ? 1 : 0, a.mask()[i], "mask is a prefix of ones");
                assertTrue(a.wordIds()[i] >= 0 && a.wordIds()[i] < 32000);
                assertTrue(a.typeIds()[i] >= 0 && a.typeIds()[i] < 16);
            }
        }
        assertTrue(somePadding);
        long distinctTypes = Arrays.stream(a.typeIds(), 0, 512).distinct().count();
        assertTrue(distinctTypes > 8, "type ids cover the type vocabulary");
    }

    @Test
    void sampleBatchWithDenseInputs(@TempDir Path tmp) throws IOException {
        EncoderInput in = EncoderInput.sample(DENSE, 3, 1);
        assertEquals(5, in.denseLength());
        assertEquals(15, in.wordLength());
        assertEquals(20, in.sequenceLength());
        assertEquals(3 * 5 * 8, in.denseInputs().length);
        assertEquals(3 * 5, in.denseMask().length);
        for (int i = 0; i < in.denseTypeIds().length; i++) {
            assertTrue(in.denseTypeIds()[i] >= 0 && in.denseTypeIds()[i] < 4);
            assertEquals(1, in.denseMask()[i]);
        }
        for (float x : in.denseInputs()) {
            assertTrue(Float.isFinite(x));
        }
        // and it survives a file round trip
        Path file = tmp.resolve("s.safetensors");
        BatchFiles.writeInputs(file, in);
        EncoderInput back = BatchFiles.readInputs(file);
        assertArrayEquals(in.denseInputs(), back.denseInputs());
        assertArrayEquals(in.wordIds(), back.wordIds());
        assertArrayEquals(in.denseTypeIds(), back.denseTypeIds());
    }
}
