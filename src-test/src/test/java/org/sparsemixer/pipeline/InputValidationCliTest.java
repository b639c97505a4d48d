package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/**
 * SPEC section 4 through {@code run --model --inputs}: inputs files written with the tests' own
 * safetensors writer; every bad one is exit code 2 with one {@code error:} line naming the input.
 */
class InputValidationCliTest {
    private static final int B = 2;
    private static final int S = TestModels.SEQ;
    private static final int W = TestModels.HIDDEN;
    private static final int DENSE_LEN = 2;

    @TempDir
    static Path dir;
    private static Path model;
    private static Path denseModel;

    @BeforeAll
    static void writeModels() throws IOException {
        model = TestModels.writeModel(dir.resolve("model"), TestModels.small(), 21);
        denseModel = TestModels.writeModel(dir.resolve("dense-model"), TestModels.small(1.0, true), 22);
    }

    private static Map<String, Safetensors.Tensor> validInputs() {
        Batches b = Batches.valid(B, S, 3);
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        t.put(EncoderInput.INPUT_WORD_IDS, Safetensors.Tensor.i32(new int[] {B, S}, Batches.flat(b.ids)));
        t.put(EncoderInput.INPUT_MASK, Safetensors.Tensor.i32(new int[] {B, S}, Batches.flat(b.mask)));
        t.put(EncoderInput.INPUT_TYPE_IDS, Safetensors.Tensor.i32(new int[] {B, S}, Batches.flat(b.types)));
        return t;
    }

    private static Map<String, Safetensors.Tensor> validDenseInputs(float[][][] dense) {
        Batches b = Batches.valid(B, S - DENSE_LEN, 3);
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        t.put(EncoderInput.INPUT_WORD_IDS, Safetensors.Tensor.i32(new int[] {B, S - DENSE_LEN}, Batches.flat(b.ids)));
        t.put(EncoderInput.INPUT_MASK, Safetensors.Tensor.i32(new int[] {B, S - DENSE_LEN}, Batches.flat(b.mask)));
        t.put(EncoderInput.INPUT_TYPE_IDS, Safetensors.Tensor.i32(new int[] {B, S - DENSE_LEN}, Batches.flat(b.types)));
        t.put(EncoderInput.DENSE_INPUTS, Safetensors.Tensor.f32(new int[] {B, DENSE_LEN, W}, Batches.flat(dense)));
        t.put(EncoderInput.DENSE_MASK, Safetensors.Tensor.i32(new int[] {B, DENSE_LEN}, new int[B * DENSE_LEN]));
        t.put(EncoderInput.DENSE_TYPE_IDS, Safetensors.Tensor.i32(new int[] {B, DENSE_LEN}, new int[B * DENSE_LEN]));
        return t;
    }

    private static Path write(String name, Map<String, Safetensors.Tensor> tensors) throws IOException {
        Path file = dir.resolve(name + ".safetensors");
        Safetensors.write(file, tensors);
        return file;
    }

    private static Cli.Result run(Path modelDir, Path inputs, String... more) {
        String[] base = {"run", "--model", modelDir.toString(), "--inputs", inputs.toString(), "--threads", "1"};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return Cli.run(args);
    }

    private static Map<String, Safetensors.Tensor> withIds(int index, int value) {
        Map<String, Safetensors.Tensor> t = validInputs();
        int[] ids = t.get(EncoderInput.INPUT_WORD_IDS).ints();
        ids[index] = value;
        t.put(EncoderInput.INPUT_WORD_IDS, Safetensors.Tensor.i32(new int[] {B, S}, ids));
        return t;
    }

    // ---- positive controls ----

    @Test
    void validInputsRun() throws IOException {
        Path out = dir.resolve("valid-out.safetensors");
        Cli.assertOk(run(model, write("valid", validInputs()), "--output", out.toString()));
        Map<String, Safetensors.Tensor> got = Safetensors.read(out);
        assertEquals(B * S * TestModels.HIDDEN, got.get(EncoderOutput.SEQUENCE_OUTPUT).floats().length);
    }

    @Test
    void int64InputsGiveTheSameOutputsAsInt32() throws IOException {
        Map<String, Safetensors.Tensor> i32 = validInputs();
        Map<String, Safetensors.Tensor> i64 = new LinkedHashMap<>();
        i32.forEach((k, v) -> i64.put(k, Safetensors.Tensor.i64(v.shape(), v.ints())));
        Path out32 = dir.resolve("out32.safetensors");
        Path out64 = dir.resolve("out64.safetensors");
        Cli.assertOk(run(model, write("i32", i32), "--output", out32.toString()));
        Cli.assertOk(run(model, write("i64", i64), "--output", out64.toString()));
        Map<String, Safetensors.Tensor> a = Safetensors.read(out32);
        Map<String, Safetensors.Tensor> b = Safetensors.read(out64);
        Tolerance.assertBitIdentical("sequence_output", a.get(EncoderOutput.SEQUENCE_OUTPUT).floats(),
                b.get(EncoderOutput.SEQUENCE_OUTPUT).floats());
        Tolerance.assertBitIdentical("encoder_outputs", a.get(EncoderOutput.ENCODER_OUTPUTS).floats(),
                b.get(EncoderOutput.ENCODER_OUTPUTS).floats());
    }

    @Test
    void validDenseInputsRun() throws IOException {
        Cli.assertOk(run(denseModel, write("dense-valid", validDenseInputs(Batches.dense(B, DENSE_LEN, W, 4)))));
    }

    // ---- SPEC section 4 rules ----

    @Test
    void wordIdEqualToVocabSize() throws IOException {
        Cli.assertBadInput(run(model, write("id-vocab", withIds(S + 3, TestModels.VOCAB))),
                EncoderInput.INPUT_WORD_IDS, "37");
    }

    @Test
    void negativeWordId() throws IOException {
        Cli.assertBadInput(run(model, write("id-negative", withIds(2, -5))), EncoderInput.INPUT_WORD_IDS, "-5");
    }

    @Test
    void typeIdOutsideTypeVocab() throws IOException {
        Map<String, Safetensors.Tensor> t = validInputs();
        int[] types = t.get(EncoderInput.INPUT_TYPE_IDS).ints();
        types[4] = 9;
        t.put(EncoderInput.INPUT_TYPE_IDS, Safetensors.Tensor.i32(new int[] {B, S}, types));
        Cli.assertBadInput(run(model, write("type", t)), EncoderInput.INPUT_TYPE_IDS, "9");
    }

    @Test
    void maskValueTwo() throws IOException {
        Map<String, Safetensors.Tensor> t = validInputs();
        int[] mask = t.get(EncoderInput.INPUT_MASK).ints();
        mask[S + 1] = 2;
        t.put(EncoderInput.INPUT_MASK, Safetensors.Tensor.i32(new int[] {B, S}, mask));
        Cli.assertBadInput(run(model, write("mask", t)), EncoderInput.INPUT_MASK);
    }

    @Test
    void missingTypeIds() throws IOException {
        Map<String, Safetensors.Tensor> t = validInputs();
        t.remove(EncoderInput.INPUT_TYPE_IDS);
        Cli.assertBadInput(run(model, write("no-types", t)), EncoderInput.INPUT_TYPE_IDS);
    }

    @Test
    void maskWithAnotherBatchSize() throws IOException {
        Map<String, Safetensors.Tensor> t = validInputs();
        t.put(EncoderInput.INPUT_MASK, Safetensors.Tensor.i32(new int[] {1, S}, new int[S]));
        Cli.assertBadInput(run(model, write("mask-batch", t)), EncoderInput.INPUT_MASK);
    }

    @Test
    void wrongRank() throws IOException {
        Map<String, Safetensors.Tensor> t = validInputs();
        t.put(EncoderInput.INPUT_WORD_IDS, Safetensors.Tensor.i32(new int[] {B * S},
                t.get(EncoderInput.INPUT_WORD_IDS).ints()));
        Cli.assertBadInput(run(model, write("rank", t)), EncoderInput.INPUT_WORD_IDS);
    }

    @Test
    void sequenceTooShort() throws IOException {
        Batches b = Batches.valid(B, S - 1, 3);
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        t.put(EncoderInput.INPUT_WORD_IDS, Safetensors.Tensor.i32(new int[] {B, S - 1}, Batches.flat(b.ids)));
        t.put(EncoderInput.INPUT_MASK, Safetensors.Tensor.i32(new int[] {B, S - 1}, Batches.flat(b.mask)));
        t.put(EncoderInput.INPUT_TYPE_IDS, Safetensors.Tensor.i32(new int[] {B, S - 1}, Batches.flat(b.types)));
        Cli.assertBadInput(run(model, write("short", t)), String.valueOf(S - 1), String.valueOf(S));
    }

    @Test
    void floatWordIds() throws IOException {
        Map<String, Safetensors.Tensor> t = validInputs();
        t.put(EncoderInput.INPUT_WORD_IDS, Safetensors.Tensor.f32(new int[] {B, S}, new float[B * S]));
        Cli.assertBadInput(run(model, write("f32-ids", t)), EncoderInput.INPUT_WORD_IDS);
    }

    @Test
    void nanDenseInput() throws IOException {
        float[][][] dense = Batches.dense(B, DENSE_LEN, W, 4);
        dense[1][0][2] = Float.NaN;
        Cli.assertBadInput(run(denseModel, write("dense-nan", validDenseInputs(dense))), EncoderInput.DENSE_INPUTS);
    }

    @Test
    void missingDenseInputsForADenseModel() throws IOException {
        Map<String, Safetensors.Tensor> t = validDenseInputs(Batches.dense(B, DENSE_LEN, W, 4));
        t.remove(EncoderInput.DENSE_INPUTS);
        Cli.assertBadInput(run(denseModel, write("dense-missing", t)), EncoderInput.DENSE_INPUTS);
    }

    @Test
    void denseInputsForAModelWithoutThem() throws IOException {
        Cli.assertBadInput(run(model, write("dense-unwanted", validDenseInputs(Batches.dense(B, DENSE_LEN, W, 4)))),
                EncoderInput.DENSE_INPUTS);
    }

    // ---- unreadable files ----

    @Test
    void truncatedInputsFile() throws IOException {
        Path good = write("to-truncate", validInputs());
        byte[] bytes = Files.readAllBytes(good);
        Path bad = dir.resolve("truncated.safetensors");
        Files.write(bad, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        Cli.assertBadInput(run(model, bad));
    }

    @Test
    void notASafetensorsFile() throws IOException {
        Path bad = dir.resolve("garbage.safetensors");
        Files.writeString(bad, "this is not a safetensors file");
        Cli.assertBadInput(run(model, bad));
    }

    @Test
    void missingInputsFile() {
        Cli.assertBadInput(run(model, dir.resolve("does-not-exist.safetensors")), "does-not-exist.safetensors");
    }

    @Test
    void outputInAMissingDirectory() throws IOException {
        Path out = dir.resolve("no-such-dir").resolve("out.safetensors");
        Cli.assertBadInput(run(model, write("valid2", validInputs()), "--output", out.toString()));
        assertFalse(Files.exists(out));
    }

    @Test
    void verbosePrintsAStackTraceAfterTheErrorLine() throws IOException {
        Cli.Result r = run(model, write("id-verbose", withIds(1, 1000)), "--verbose");
        assertEquals(2, r.exitCode(), r::toString);
        String[] lines = r.errLines();
        assertTrue(lines.length > 2, r::toString);
        assertTrue(lines[0].startsWith("error: ") && lines[0].contains(EncoderInput.INPUT_WORD_IDS), r::toString);
        assertTrue(r.err().contains("\tat "), r::toString);
    }
}
