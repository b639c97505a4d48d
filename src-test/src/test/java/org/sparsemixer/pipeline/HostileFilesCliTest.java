package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;

/**
 * A corpus of hostile model files, configs, indexes and inputs, generated here, each fed to
 * {@code run} (and the model ones also to {@code inspect} and {@code convert}) through
 * {@link org.sparsemixer.cli.Main#execute}: every one must give exit code 2 and exactly one
 * {@code error:} line, without a stack trace, within a few seconds.
 */
class HostileFilesCliTest {
    private static final Duration QUICK = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static Path good;
    private static Map<String, Safetensors.Tensor> goodTensors;
    private static String goodConfig;
    private static Path goodInputs;
    private static final List<String[]> MODEL_CASES = new ArrayList<>();   // {name, modelDir}
    private static final List<String[]> INPUT_CASES = new ArrayList<>();   // {name, inputsFile}

    @BeforeAll
    static void corpus() throws IOException {
        good = TestModels.writeModel(dir.resolve("good"), TestModels.small(), 7);
        goodTensors = Safetensors.read(good.resolve("model.safetensors"));
        goodConfig = Files.readString(good.resolve("config.json"));
        Map<String, Safetensors.Tensor> in = new LinkedHashMap<>();
        Batches b = Batches.valid(2, TestModels.SEQ, 3);
        in.put(EncoderInput.INPUT_WORD_IDS, Safetensors.Tensor.i32(new int[] {2, TestModels.SEQ}, Batches.flat(b.ids)));
        in.put(EncoderInput.INPUT_MASK, Safetensors.Tensor.i32(new int[] {2, TestModels.SEQ}, Batches.flat(b.mask)));
        in.put(EncoderInput.INPUT_TYPE_IDS, Safetensors.Tensor.i32(new int[] {2, TestModels.SEQ}, Batches.flat(b.types)));
        goodInputs = dir.resolve("good-inputs.safetensors");
        Safetensors.write(goodInputs, in);
        // the good model and inputs work: the corpus fails for its own reasons
        Cli.assertOk(Cli.run("run", "--model", good.toString(), "--inputs", goodInputs.toString()));

        weights("empty file", new byte[0]);
        weights("7 bytes", new byte[7]);
        weights("header length 2^63-1", concat(le(Long.MAX_VALUE), "{}".getBytes(StandardCharsets.US_ASCII)));
        weights("header length -1", concat(le(-1L), "{}".getBytes(StandardCharsets.US_ASCII)));
        weights("header past the end", concat(le(100), "{}".getBytes(StandardCharsets.US_ASCII)));
        weights("header not UTF-8", frame(new byte[] {'{', (byte) 0xFE, '}'}, new byte[0]));
        weights("header not JSON", frame("not json", new byte[0]));
        weights("header a JSON array", frame("[]", new byte[0]));
        weights("header null", frame("null", new byte[0]));
        weights("header nested 200000 deep", frame("{\"a\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}", new byte[0]));
        weights("header with 5 MB of padding", frame("{}" + " ".repeat(5_000_000), new byte[0]));
        weights("duplicate tensor", frame(entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8), 8));
        weights("metadata not a map", frame("\"__metadata__\": 5", 0));
        weights("metadata not strings", frame("\"__metadata__\": {\"a\": [1]}", 0));
        weights("unknown dtype", frame(entry("a", "F128", "[1]", 0, 16), 16));
        weights("negative dimension", frame(entry("a", "F32", "[-1]", 0, 4), 4));
        weights("fractional dimension", frame(entry("a", "F32", "[1.5]", 0, 4), 4));
        weights("element count overflow", frame(entry("a", "F32", "[4294967295,4294967295,4294967295]", 0, 4), 4));
        weights("byte size overflow", frame(entry("a", "F64", "[2147483647,2147483647,4]", 0, 4), 4));
        weights("data_offsets missing", frame("\"a\": {\"dtype\": \"F32\", \"shape\": [1]}", 4));
        weights("data_offsets reversed", frame(entry("a", "F32", "[0]", 4, 0), 4));
        weights("data_offsets past the end", frame(entry("a", "F32", "[1073741824,1073741824]", 0, 4611686018427387904L), 4));
        weights("data_offsets overlapping", frame(entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 4, 8), 8));
        weights("hole between tensors", frame(entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12), 12));
        weights("data not from offset 0", frame(entry("a", "F32", "[1]", 4, 8), 8));
        weights("trailing bytes", frame(entry("a", "F32", "[1]", 0, 4), 100));
        weights("byte size mismatch", frame(entry("a", "F32", "[3]", 0, 8), 8));
        weights("truncated data", truncated());
        weights("newline in a tensor name", tensors(t -> t.put("x\nerror: a fake second line\n\tat x",
                Safetensors.Tensor.f32(new int[] {1}, new float[1]))));
        weights("integer weights", tensors(t -> t.replaceAll((k, v) -> k.equals("pooler_transform/bias")
                ? Safetensors.Tensor.i32(v.shape(), new int[TestModels.HIDDEN]) : v)));
        weights("missing tensor", tensors(t -> t.remove("pooler_transform/kernel")));
        weights("unexpected tensor", tensors(t -> t.put("optimizer/iterations", Safetensors.Tensor.f32(new int[] {1}, new float[1]))));
        weights("wrong shape", tensors(t -> t.put("pooler_transform/bias",
                Safetensors.Tensor.f32(new int[] {TestModels.HIDDEN, 1}, new float[TestModels.HIDDEN]))));
        weights("names colliding after ':0'", tensors(t -> t.put("pooler_transform/bias:0", t.get("pooler_transform/bias"))));

        Path d = configOnly("weights file is a directory");
        Files.createDirectory(d.resolve("model.safetensors"));
        if (Files.exists(Path.of("/dev/zero"))) {
            Files.createSymbolicLink(configOnly("weights file links to /dev/zero").resolve("model.safetensors"), Path.of("/dev/zero"));
        }
        Path loop = configOnly("weights file is a symlink loop").resolve("model.safetensors");
        Files.createSymbolicLink(loop, loop.getFileName());
        configOnly("no weights file");

        index("index not JSON", "{weight_map: }");
        index("index without weight_map", "{\"metadata\": {}}");
        index("index value not a string", "{\"weight_map\": {\"pooler_transform/bias\": 1}}");
        index("index path traversal", "{\"weight_map\": {\"pooler_transform/bias\": \"../good/model.safetensors\"}}");
        index("index absolute path", "{\"weight_map\": {\"pooler_transform/bias\": \"" + good.resolve("model.safetensors") + "\"}}");
        index("index shard missing", "{\"weight_map\": {\"pooler_transform/bias\": \"model-00001-of-00002.safetensors\"}}");
        Path misplaced = index("index names tensors the shard lacks",
                "{\"weight_map\": {\"ghost\": \"shard.safetensors\"}}");
        Files.copy(good.resolve("model.safetensors"), misplaced.resolve("shard.safetensors"));

        config("config not JSON", "{vocab_size: 37");
        config("config a JSON array", "[]");
        config("config empty", "");
        config("config duplicate key", "{\"vocab_size\": 37, \"vocab_size\": 38}");
        config("config NaN", goodConfig.replaceFirst("\"eval_capacity_factor\" *: *[0-9.]+", "\"eval_capacity_factor\": NaN"));
        config("config num_layers 2e9", set("num_layers", "2000000000"));
        config("config vocab_size 2^31-1", set("vocab_size", "2147483647"));
        config("config hidden_size huge", set("hidden_size", "2147483646").replaceFirst("\"num_attention_heads\" *: *\\d+",
                "\"num_attention_heads\": 1"));
        config("config max_sequence_length 2^31-1", set("max_sequence_length", "2147483647"));
        config("config inner_dim huge", set("inner_dim", "2147483647"));
        config("config num_experts 0", set("num_experts", "0"));
        config("config examples_per_group 1e308", set("examples_per_group", "1e308"));
        config("config layer index 1e20", goodConfig.replaceFirst("\"moe_layers\" *: *\\[[^\\]]*\\]", "\"moe_layers\": [100000000000000000000]"));
        config("config deeply nested value", goodConfig.replaceFirst("\\{", "{\"initializer\": " + "[".repeat(100_000)
                + "]".repeat(100_000) + ","));
        config("config over 1 MB", goodConfig.replaceFirst("\\{", "{\"initializer\": \"" + "x".repeat(2_000_000) + "\","));
        config("config with a U+FFFF key", "{\"vocab_size\": 37, \"x\u00ff\": 1}".replace('\u00ff', '\uFFFF'));
        Files.write(modelDir("config Latin-1 bytes").resolve("config.json"), new byte[] {'{', '"', (byte) 0xE9, '"', ':', '1', '}'});
        Files.copy(good.resolve("model.safetensors"), dir.resolve("config Latin-1 bytes").resolve("model.safetensors"));
        Path configDir = modelDir("config is a directory");
        Files.delete(configDir);
        Files.createDirectories(configDir.resolve("config.json"));
        Files.copy(good.resolve("model.safetensors"), configDir.resolve("model.safetensors"));

        Files.writeString(dir.resolve("a file, not a directory"), "x");
        MODEL_CASES.add(new String[] {"model is a file", dir.resolve("a file, not a directory").toString()});
        MODEL_CASES.add(new String[] {"model does not exist", dir.resolve("nowhere").toString()});

        inputs("inputs empty", new byte[0]);
        inputs("inputs header garbage", frame("{{{", new byte[0]));
        inputs("inputs huge shape", frame(entry(EncoderInput.INPUT_WORD_IDS, "I32", "[2147483647,2147483647]", 0, 8), 8));
        inputs("inputs float ids", modifiedInputs(t -> t.put(EncoderInput.INPUT_WORD_IDS,
                Safetensors.Tensor.f32(new int[] {2, TestModels.SEQ}, new float[2 * TestModels.SEQ]))));
        inputs("inputs I64 id beyond int", modifiedInputs(t -> {
            int[] ids = new int[2 * TestModels.SEQ];
            Safetensors.Tensor i64 = Safetensors.Tensor.i64(new int[] {2, TestModels.SEQ}, ids);
            ByteBuffer.wrap(i64.data()).order(ByteOrder.LITTLE_ENDIAN).putLong(8, 1L << 40);
            t.put(EncoderInput.INPUT_WORD_IDS, i64);
        }));
        inputs("inputs word id -1", modifiedInputs(t -> {
            int[] ids = new int[2 * TestModels.SEQ];
            ids[3] = -1;
            t.put(EncoderInput.INPUT_WORD_IDS, Safetensors.Tensor.i32(new int[] {2, TestModels.SEQ}, ids));
        }));
        inputs("inputs rank 3", modifiedInputs(t -> t.put(EncoderInput.INPUT_MASK,
                Safetensors.Tensor.i32(new int[] {2, TestModels.SEQ, 1}, new int[2 * TestModels.SEQ]))));
        inputs("inputs missing mask", modifiedInputs(t -> t.remove(EncoderInput.INPUT_MASK)));
        inputs("inputs mask value 7", modifiedInputs(t -> {
            int[] mask = new int[2 * TestModels.SEQ];
            mask[0] = 7;
            t.put(EncoderInput.INPUT_MASK, Safetensors.Tensor.i32(new int[] {2, TestModels.SEQ}, mask));
        }));
        inputs("inputs is a directory", null);
    }

    // ---- corpus builders

    private static Path modelDir(String name) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        MODEL_CASES.add(new String[] {name, d.toString()});
        return d;
    }

    private static Path configOnly(String name) throws IOException {
        Path d = modelDir(name);
        Files.writeString(d.resolve("config.json"), goodConfig);
        return d;
    }

    private static void weights(String name, byte[] file) throws IOException {
        Path d = modelDir(name);
        Files.writeString(d.resolve("config.json"), goodConfig);
        Files.write(d.resolve("model.safetensors"), file);
    }

    private static Path index(String name, String text) throws IOException {
        Path d = modelDir(name);
        Files.writeString(d.resolve("config.json"), goodConfig);
        Files.writeString(d.resolve("model.safetensors.index.json"), text);
        return d;
    }

    private static void config(String name, String text) throws IOException {
        Path d = modelDir(name);
        Files.writeString(d.resolve("config.json"), text);
        Files.copy(good.resolve("model.safetensors"), d.resolve("model.safetensors"));
    }

    private static String set(String key, String value) {
        String s = goodConfig.replaceFirst("\"" + key + "\" *: *[^,}\\n]+", "\"" + key + "\": " + value);
        if (s.equals(goodConfig)) {
            throw new IllegalStateException("no " + key + " in " + goodConfig);
        }
        return s;
    }

    private static byte[] tensors(Consumer<Map<String, Safetensors.Tensor>> edit) throws IOException {
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>(goodTensors);
        edit.accept(t);
        Path tmp = Files.createTempFile(dir, "w", ".safetensors");
        Safetensors.write(tmp, t);
        return Files.readAllBytes(tmp);
    }

    private static byte[] truncated() throws IOException {
        byte[] all = Files.readAllBytes(good.resolve("model.safetensors"));
        return java.util.Arrays.copyOf(all, all.length - 100);
    }

    private static void inputs(String name, byte[] file) throws IOException {
        Path p = dir.resolve(name + ".safetensors");
        if (file == null) {
            Files.createDirectories(p);
        } else {
            Files.write(p, file);
        }
        INPUT_CASES.add(new String[] {name, p.toString()});
    }

    private static byte[] modifiedInputs(Consumer<Map<String, Safetensors.Tensor>> edit) throws IOException {
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>(Safetensors.read(goodInputs));
        edit.accept(t);
        Path tmp = Files.createTempFile(dir, "i", ".safetensors");
        Safetensors.write(tmp, t);
        return Files.readAllBytes(tmp);
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape + ", \"data_offsets\": [" + begin + ", "
                + end + "]}";
    }

    private static byte[] frame(String entries, int dataBytes) {
        return frame("{" + entries + "}", new byte[dataBytes]);
    }

    private static byte[] frame(String header, byte[] data) {
        return frame(header.getBytes(StandardCharsets.UTF_8), data);
    }

    private static byte[] frame(byte[] header, byte[] data) {
        return concat(le(header.length), header, data);
    }

    private static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    // ---- the tests

    private static DynamicTest badInput(String name, String... args) {
        return DynamicTest.dynamicTest(name + ": " + args[0], () -> {
            long start = System.nanoTime();
            Cli.Result r = assertTimeoutPreemptively(QUICK, () -> Cli.run(args), name);
            Cli.assertBadInput(r);
            assertTrue(r.out().isEmpty() || args[0].equals("run"), () -> "no report after an error: " + r);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < QUICK.toMillis(), name + " took " + ms + " ms");
        });
    }

    @TestFactory
    Stream<DynamicTest> hostileModelsThroughRunInspectAndConvert() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] c : MODEL_CASES) {
            tests.add(badInput(c[0], "run", "--model", c[1], "--inputs", goodInputs.toString()));
            tests.add(badInput(c[0], "inspect", "--model", c[1]));
            tests.add(badInput(c[0], "convert", "--model", c[1], "--output", dir.resolve("converted-" + c[0]).toString(),
                    "--dtype", "bf16"));
        }
        assertTrue(MODEL_CASES.size() > 60, "corpus size " + MODEL_CASES.size());
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> hostileInputsThroughRun() {
        return INPUT_CASES.stream().map(c -> badInput(c[0], "run", "--model", good.toString(), "--inputs", c[1]));
    }
}
