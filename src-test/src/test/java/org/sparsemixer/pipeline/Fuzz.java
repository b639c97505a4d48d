package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.FlopCount;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.BatchFiles;
import org.sparsemixer.loader.ConfigJson;
import org.sparsemixer.loader.ModelFiles;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.WeightDType;
import org.sparsemixer.loader.keras.KerasH5File;
import org.sparsemixer.loader.keras.KerasH5FormatException;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;
import org.sparsemixer.loader.safetensors.SafeTensorsFormatException;
import org.sparsemixer.loader.safetensors.TensorInfo;

/**
 * The fuzz targets, their mutators and the documented-exceptions contract, shared by the jqwik
 * properties ({@code *FuzzTest}) and the replay of committed findings ({@link FuzzRegressionsTest}).
 * <p>
 * The contract (README "Guarantees"), per entry point:
 * <ul>
 *   <li>{@link SafeTensorsFile#open} and its reads: {@link SafeTensorsFormatException} only;</li>
 *   <li>{@link ConfigJson#parse}: {@link InvalidModelException} (an {@code InvalidConfigException} naming the
 *       key, or the text is not a JSON object);</li>
 *   <li>{@link ModelLoader#load}: {@link InvalidModelException} (a bad config, a {@link SafeTensorsFormatException},
 *       a tensor that does not match the config, non-finite weights, tables too large for memory);</li>
 *   <li>{@link BatchFiles#readInputs} and {@link SparseMixerEncoder#encode}: {@link IllegalArgumentException};</li>
 *   <li>{@link KerasH5File#open} and its reads, {@link ModelFiles#convertKerasH5}: {@link InvalidModelException}
 *       (a {@link KerasH5FormatException} for the file, whatever the HDF5 library threw, or a weight that does
 *       not match the config).</li>
 * </ul>
 * Anything else (NullPointerException, ArithmeticException, NegativeArraySizeException,
 * IndexOutOfBoundsException, OutOfMemoryError, ...) is a bug, and so is a call that uses more than
 * {@link #LIMIT} of CPU time or hangs for {@link #WALL_LIMIT}.
 * <p>
 * The properties are meant for the surefire execution {@code fuzz} (512 MB heap): what the memory budget
 * lets through, and so how long a case may compute, depends on the heap.
 */
final class Fuzz {
    /**
     * Most CPU time any single parse, load or encode of a fuzz case may use, counted over all the JVM's threads
     * while it runs (the engine's compute threads, and the GC and JIT work it causes). CPU time rather than
     * wall-clock time, so that a loaded machine does not fail a case: an attention-only model at 512 tokens
     * (4.7e8 FLOPs, the most a config case may compute) uses 0.2 s of CPU warm and 2.5-3.3 s cold (JIT
     * compiling), whether the load average is 4 or 13, but took 3.5 s of wall-clock time at load 4 and 10-15 s
     * at load 13 on 2 cores. Needless work still fails it: building 12588 experts at O(E^2) took 10 s of CPU.
     */
    static final Duration LIMIT = Duration.ofSeconds(5);
    /**
     * Wall-clock time after which a call is stopped as hung (blocked, or computing without end). It only has to
     * exceed what {@link #LIMIT} of CPU may take on a loaded machine: 3.3 s of CPU took 15 s at load 13 on
     * 2 cores, so 5 s take up to ~25-40 s.
     */
    static final Duration WALL_LIMIT = Duration.ofSeconds(60);
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    /** Where the fuzz properties write a failing case, to be committed under fuzz-regressions/. */
    static final Path FAILURES = Path.of("target", "fuzz-failures");

    /** Outcome counts per target, collected when the environment variable FUZZ_STATS is set. */
    static final java.util.Map<String, Integer> STATS = System.getenv("FUZZ_STATS") != null
            ? new java.util.concurrent.ConcurrentSkipListMap<>() : null;

    private Fuzz() {
    }

    /** Prints and clears {@link #STATS} (when collected). */
    static void printStats() {
        if (STATS != null) {
            STATS.forEach((k, v) -> System.out.println("fuzz stats: " + k + " " + v));
            STATS.clear();
        }
    }

    /**
     * Runs {@code body} within {@link #LIMIT} of CPU time (stopping it after {@link #WALL_LIMIT}); an exception
     * that is none of {@code allowed} fails the case.
     */
    static void expectOnly(String what, ThrowingRunnable body, Class<?>... allowed) {
        long start = System.nanoTime();
        long cpuStart = OS.getProcessCpuTime();
        Throwable escaped = assertTimeoutPreemptively(WALL_LIMIT, () -> {
            try {
                body.run();
                return null;
            } catch (Throwable t) {
                return t;
            }
        }, () -> what + ": still running after " + WALL_LIMIT.toSeconds() + " s (hung?), "
                + cpuSeconds(cpuStart) + " s of CPU");
        long cpuNanos = OS.getProcessCpuTime() - cpuStart;
        assertTrue(cpuNanos <= LIMIT.toNanos(), () -> what + ": used " + cpuSeconds(cpuStart) + " s of CPU, more than "
                + LIMIT.toSeconds() + " s (" + (System.nanoTime() - start) / 1_000_000 + " ms wall-clock)");
        if (STATS != null) {
            String key = (what.contains(" [") ? what.substring(0, what.indexOf(" [")) : what.replaceAll(" .*", "")) + " -> " + (escaped == null ? "ok" : escaped.getClass().getSimpleName()
                    + (escaped instanceof SafeTensorsFormatException f ? "." + f.rule() : ""));
            STATS.merge(key, 1, Integer::sum);
            STATS.merge("slowest ms: " + what.replaceAll(" .*", ""), (int) ((System.nanoTime() - start) / 1_000_000), Math::max);
            STATS.merge("most CPU ms: " + what.replaceAll(" .*", ""), (int) (cpuNanos / 1_000_000), Math::max);
        }
        if (escaped == null) {
            return;
        }
        for (Class<?> c : allowed) {
            if (c.isInstance(escaped)) {
                assertTrue(escaped.getMessage() != null && !escaped.getMessage().isBlank(),
                        () -> what + ": " + escaped.getClass().getName() + " without a message");
                return;
            }
        }
        throw new AssertionError(what + ": undocumented " + escaped, escaped);
    }

    private static String cpuSeconds(long cpuStart) {
        return String.format(java.util.Locale.ROOT, "%.1f", (OS.getProcessCpuTime() - cpuStart) / 1e9);
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Saves a failing case so it can be committed as a regression file, and returns its path. */
    static Path save(String target, String name, byte[] content) {
        try {
            Path dir = FAILURES.resolve(target);
            Files.createDirectories(dir);
            Path file = dir.resolve(name);
            Files.write(file, content);
            return file.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------ targets

    /** Opens a safetensors file and reads every tensor as its dtype allows. */
    static void readWeightsFile(Path file) {
        expectOnly("SafeTensorsFile " + file.getFileName(), () -> {
            try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
                for (TensorInfo t : f.tensors().values()) {
                    if (t.dtype().isFloat()) {
                        f.floats(t.name());
                    } else if (t.dtype().isInt()) {
                        f.ints(t.name());
                    } else {
                        f.bytes(t.name());
                    }
                }
            }
        }, SafeTensorsFormatException.class);
    }

    /** Loads a model directory and, when it loads, encodes {@code input} with it. */
    static void loadModel(Path modelDir, EncoderInput input) {
        expectOnly("ModelLoader.load " + modelDir.getFileName(), () -> {
            try (SparseMixerEncoder encoder = ModelLoader.load(modelDir, EncoderOptions.threads(1))) {
                if (input != null) {
                    try {
                        encoder.encode(input);
                    } catch (IllegalArgumentException e) {
                        // the config changed under the fixed input: a documented refusal, not a load failure
                    }
                }
            }
        }, InvalidModelException.class);
    }

    /**
     * Parses config text; when it parses into a model with at most {@code maxParameters} weights, builds it
     * with zero weights and encodes the smallest legal sample batch (the check of this batch against
     * the memory budget may refuse it).
     */
    static void parseAndBuildConfig(String text, long maxParameters) {
        expectOnly("config", () -> {
            SparseMixerConfig config = ConfigJson.parse(text);
            if (config.numLayers() > 64 || parameters(config) > maxParameters || slowDftTables(config)) {
                return;
            }
            try (SparseMixerEncoder encoder = SparseMixerEncoder.create(config, ZERO_WEIGHTS, EncoderOptions.threads(2))) {
                int batch = smallestBatch(config);
                if (batch < 0) {
                    return;
                }
                encoder.checkBatchSize(batch);
                if (FlopCount.forward(config, batch) > 5e8) {
                    return;   // legitimately slow (a big model the heap allows): not a parsing question
                }
                EncoderOutput out = encoder.encode(EncoderInput.sample(config, batch, 1));
                for (float v : out.pooledOutput()) {
                    if (!Float.isFinite(v)) {
                        throw new AssertionError("non-finite pooled output " + v + " from zero weights");
                    }
                }
            }
        }, InvalidModelException.class, IllegalArgumentException.class);
    }

    /** Every weight zero: what {@link #parseAndBuildConfig} builds a parsed config with. */
    static final org.sparsemixer.engine.TensorSource ZERO_WEIGHTS =
            (name, shape) -> new float[Math.toIntExact(ModelLayout.elementCount(shape))];

    /**
     * Builds every config {@code seeds} text that {@link #parseAndBuildConfig} would run, and encodes its smallest
     * batch {@code calls} times, so the engine's code is compiled before the cases are timed: the JIT's CPU time
     * is a cost of the JVM's first calls, not of the case that happens to make them (a 512-token attention model
     * used 3.4 s of CPU as the first such case, 0.2 s once compiled).
     */
    static void warmUpEngine(List<String> seeds, int calls) {
        for (String text : seeds) {
            SparseMixerConfig config = ConfigJson.parse(text);
            int batch = smallestBatch(config);
            if (parameters(config) > 2_000_000 || batch < 0) {
                continue;
            }
            try (SparseMixerEncoder encoder = SparseMixerEncoder.create(config, ZERO_WEIGHTS, EncoderOptions.threads(2))) {
                encoder.warmUp(calls, batch);
            }
        }
    }

    /**
     * Opens a Keras .h5 file and reads every float weight (the encoder's and the others), then converts it
     * with {@code config} into {@code outDir}.
     */
    static void convertKerasH5(Path h5, Path config, Path outDir) {
        expectOnly("KerasH5File " + h5.getFileName(), () -> {
            try (KerasH5File f = KerasH5File.open(h5)) {
                for (KerasH5File.Weight w : f.weights()) {
                    if (w.dtype() != null) {
                        f.floats(w, org.sparsemixer.loader.safetensors.DType.F32);
                    }
                }
            }
            ModelFiles.convertKerasH5(h5, config, outDir, WeightDType.F32, true, null);
        }, InvalidModelException.class);
    }

    /** Reads an inputs file and, when it reads, encodes it with {@code encoder}. */
    static void readInputs(Path file, SparseMixerEncoder encoder) {
        expectOnly("BatchFiles.readInputs " + file.getFileName(), () -> {
            EncoderInput input = BatchFiles.readInputs(file);
            encoder.encode(input);
        }, IllegalArgumentException.class);
    }

    /**
     * DFT tables (spectral mixing without FFT) that fit the heap but take seconds of trigonometry to build:
     * a legitimately slow model, not a parsing question. Tables too large for the heap are not skipped, so the
     * memory budget's refusal is still exercised.
     */
    static boolean slowDftTables(SparseMixerConfig c) {
        long s = c.maxSequenceLength();
        long h = c.hiddenSize();
        boolean dft = c.mixingMechanism() != org.sparsemixer.engine.MixingMechanism.LINEAR && !c.useFft()
                && c.attentionLayers().size() < c.numLayers();
        long entries = s * s + h * h;
        return dft && entries > (1 << 22) && entries < Runtime.getRuntime().maxMemory() / 8;
    }

    /** Weights a config needs; Long.MAX_VALUE when the layout itself would be huge. */
    static long parameters(SparseMixerConfig c) {
        long total = 0;
        for (int[] shape : ModelLayout.expectedTensors(c).values()) {
            total += ModelLayout.elementCount(shape);
        }
        return total;
    }

    /** The smallest batch the config's MoE routing accepts (as run's default), or -1 if none up to 64. */
    static int smallestBatch(SparseMixerConfig c) {
        if (c.moeLayers().isEmpty()) {
            return 1;
        }
        for (int b = 1; b <= 64; b++) {
            if (b >= c.examplesPerGroup() && ((long) b * c.maxSequenceLength()) % c.tokensPerGroup() == 0) {
                return b;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------------ mutators

    private static final String[] NUMBERS = {"0", "-1", "1", "2", "3", "7", "8", "64", "4294967296", "2147483647",
        "2147483648", "-2147483648", "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e308",
        "1e-400", "1.5", "-0", "0.0", "99999999999999999999999999999", "1e999999999", "NaN", "-Infinity"};
    private static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I32", "I64", "I8", "U8", "I16", "U16",
        "BOOL", "F8_E4M3", "F8_E5M2", "F4", "F6_E2M3", "C64", "", "f32", "X"};
    private static final byte[] INTERESTING_BYTES = {0, -1, 1, 0x7f, (byte) 0x80, '"', '{', '}', '[', ']', ',', ':',
        '0', '9', '-', 'e', '\\', ' ', (byte) 0xC3, (byte) 0xFE};
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    /** One to three stacked mutations of a safetensors file. */
    static byte[] mutateSafetensors(byte[] original, Random r) {
        byte[] b = original;
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            b = mutateOnce(b, r);
        }
        return b;
    }

    private static byte[] mutateOnce(byte[] b, Random r) {
        int headerEnd = headerEnd(b);
        switch (r.nextInt(9)) {
            case 0 -> {   // bit flips, mostly in the header
                byte[] out = b.clone();
                int flips = 1 + r.nextInt(8);
                for (int i = 0; i < flips && out.length > 0; i++) {
                    int at = r.nextInt(4) > 0 && headerEnd > 0 ? r.nextInt(headerEnd) : r.nextInt(out.length);
                    out[at] ^= (byte) (1 << r.nextInt(8));
                }
                return out;
            }
            case 1 -> {   // an interesting byte
                if (b.length == 0) {
                    return b;
                }
                byte[] out = b.clone();
                int at = headerEnd > 0 && r.nextBoolean() ? r.nextInt(headerEnd) : r.nextInt(out.length);
                out[at] = INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
                return out;
            }
            case 2 -> {   // truncation
                int cut = headerEnd > 0 && r.nextBoolean() ? r.nextInt(Math.min(b.length, headerEnd + 16) + 1)
                        : r.nextInt(b.length + 1);
                return Arrays.copyOf(b, cut);
            }
            case 3 -> {   // header length field
                if (b.length < 8) {
                    return b;
                }
                long actual = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                long[] choices = {0, 1, 2, 7, actual - 1, actual + 1, actual - 8, actual + 8, b.length, b.length - 8,
                    1L << 31, Long.MAX_VALUE, -1, 100_000_001L, r.nextLong()};
                byte[] out = b.clone();
                ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(choices[r.nextInt(choices.length)]);
                return out;
            }
            case 4 -> {   // a number of the header replaced
                return editHeader(b, header -> replaceRandom(header, NUMBER, NUMBERS[r.nextInt(NUMBERS.length)], r), r);
            }
            case 5 -> {   // a string of the header replaced (dtype, name, key)
                String replacement = r.nextBoolean() ? "\"" + DTYPES[r.nextInt(DTYPES.length)] + "\""
                        : new String[] {"\"\"", "\"__metadata__\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "null",
                            "[]", "{}", "0", "\"\\u0000\"", "\"\\ud800\""}[r.nextInt(11)];
                return editHeader(b, header -> replaceRandom(header, STRING, replacement, r), r);
            }
            case 6 -> {   // structural header edits: delete or duplicate a span, swap brackets
                return editHeader(b, header -> {
                    if (header.length() < 2) {
                        return header;
                    }
                    int from = r.nextInt(header.length());
                    int to = Math.min(header.length(), from + 1 + r.nextInt(40));
                    return switch (r.nextInt(3)) {
                        case 0 -> header.substring(0, from) + header.substring(to);
                        case 1 -> header.substring(0, to) + header.substring(from, to) + header.substring(to);
                        default -> header.substring(0, from) + "[{\"".charAt(r.nextInt(3)) + header.substring(from);
                    };
                }, r);
            }
            case 7 -> {   // bytes inserted or removed in the data
                int at = headerEnd + (b.length > headerEnd ? r.nextInt(b.length - headerEnd + 1) : 0);
                at = Math.min(at, b.length);
                int len = 1 + r.nextInt(16);
                if (r.nextBoolean()) {
                    byte[] extra = new byte[len];
                    r.nextBytes(extra);
                    return concat(Arrays.copyOf(b, at), extra, Arrays.copyOfRange(b, at, b.length));
                }
                return concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(b.length, at + len), b.length));
            }
            default -> {   // data values replaced by NaN, Inf, huge ints
                if (b.length <= headerEnd + 8) {
                    return b;
                }
                byte[] out = b.clone();
                int at = headerEnd + r.nextInt((b.length - headerEnd) / 4) * 4;
                int[] values = {Float.floatToRawIntBits(Float.NaN), Float.floatToRawIntBits(Float.POSITIVE_INFINITY),
                    Float.floatToRawIntBits(Float.NEGATIVE_INFINITY), Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 0x7f800001};
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(Math.min(at, out.length - 4),
                        values[r.nextInt(values.length)]);
                return out;
            }
        }
    }

    /** 8 + header length when the file has a plausible header, else 0. */
    static int headerEnd(byte[] b) {
        if (b.length < 8) {
            return 0;
        }
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n >= 0 && n <= b.length - 8 ? (int) (8 + n) : 0;
    }

    /** Applies {@code edit} to the header text; the length field follows the edit (usually) or not. */
    private static byte[] editHeader(byte[] b, java.util.function.UnaryOperator<String> edit, Random r) {
        int end = headerEnd(b);
        if (end == 0) {
            return b;
        }
        String header = new String(b, 8, end - 8, StandardCharsets.UTF_8);
        byte[] edited = edit.apply(header).getBytes(StandardCharsets.UTF_8);
        long length = r.nextInt(5) > 0 ? edited.length : end - 8;
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length);
        return concat(prefix.array(), edited, Arrays.copyOfRange(b, end, b.length));
    }

    private static String replaceRandom(String text, Pattern pattern, String replacement, Random r) {
        List<int[]> spans = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return text;
        }
        int[] s = spans.get(r.nextInt(spans.size()));
        return text.substring(0, s[0]) + replacement + text.substring(s[1]);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static final String[] CONFIG_KEYS;

    static {
        List<String> keys = new ArrayList<>(ConfigJson.KEYS);
        keys.addAll(ConfigJson.IGNORED_KEYS);
        keys.add("embedding_layer");
        keys.add("unknown_key");
        CONFIG_KEYS = keys.toArray(String[]::new);
    }

    private static final String[] JSON_VALUES = {"0", "1", "2", "3", "4", "8", "16", "64", "100", "1000", "5000", "50000",
        "1000000", "2147483647", "2147483648", "-1", "-2147483648", "1e9", "1e308", "1.5", "0.5", "2.0", "0.0001", "-0.0",
        "NaN", "Infinity", "-Infinity", "null", "true", "false", "\"\"", "\"linear\"", "\"fourier\"", "\"hartley\"",
        "\"gelu_approximate\"", "\"gelu\"", "[]", "[0]", "[1]", "[0, 1]", "[1, 1]", "[-1]", "[2147483647]", "[0.5]",
        "[null]", "[[]]", "{}", "{\"a\": 1}", "[" + "0, ".repeat(50) + "0]"};
    private static final String[] SIZE_KEYS = {"vocab_size", "hidden_size", "num_layers", "num_experts",
        "num_attention_heads", "max_sequence_length", "type_vocab_size", "inner_dim", "embedding_width"};
    private static final String JSON_CHARS = "{}[]\",:0123456789.-+eE tfnul\\\u00e9\u0000";

    /** One to four stacked mutations of config.json text. */
    static String mutateConfig(String original, Random r) {
        String t = original;
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            t = switch (r.nextInt(6)) {
                case 0, 1 -> setKey(t, CONFIG_KEYS[r.nextInt(CONFIG_KEYS.length)], JSON_VALUES[r.nextInt(JSON_VALUES.length)]);
                case 2 -> {   // a size key set to a log-uniform integer in [1, 10^7)
                    String key = SIZE_KEYS[r.nextInt(SIZE_KEYS.length)];
                    yield setKey(t, key, Long.toString((long) Math.pow(10, 7 * r.nextDouble())));
                }
                case 3 -> removeKey(t, CONFIG_KEYS[r.nextInt(CONFIG_KEYS.length)]);
                case 4 -> {
                    if (t.isEmpty()) {
                        yield t;
                    }
                    int at = r.nextInt(t.length());
                    yield r.nextBoolean() ? t.substring(0, at) + t.substring(at + 1)
                            : t.substring(0, at) + JSON_CHARS.charAt(r.nextInt(JSON_CHARS.length())) + t.substring(at);
                }
                default -> t.substring(0, r.nextInt(t.length() + 1));
            };
        }
        return t;
    }

    private static final String[] SHARD_NAMES = {"", ".", "..", "../model.safetensors", "/etc/passwd", "a//b",
        "shard-1.safetensors", "shard-2.safetensors", "config.json", "model.safetensors.index.json", "missing.safetensors",
        "sub/../shard-1.safetensors", "./shard-1.safetensors", "shard-1.safetensors/", "C:\\\\x", "\\u0000", "nul:",
        "x".repeat(300), "transformer/layer_0/output/bias"};

    /** One to three stacked mutations of a model.safetensors.index.json text. */
    static String mutateIndex(String original, Random r) {
        String t = original;
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            t = switch (r.nextInt(5)) {
                case 0, 1 -> replaceRandom(t, STRING, "\"" + SHARD_NAMES[r.nextInt(SHARD_NAMES.length)] + "\"", r);
                case 2 -> replaceRandom(t, STRING, JSON_VALUES[r.nextInt(JSON_VALUES.length)], r);
                case 3 -> {
                    if (t.isEmpty()) {
                        yield t;
                    }
                    int at = r.nextInt(t.length());
                    yield r.nextBoolean() ? t.substring(0, at) + t.substring(at + 1)
                            : t.substring(0, at) + JSON_CHARS.charAt(r.nextInt(JSON_CHARS.length())) + t.substring(at);
                }
                default -> {   // an entry deleted or duplicated
                    List<int[]> spans = new ArrayList<>();
                    Matcher m = Pattern.compile("\"[^\"]*\"\\s*:\\s*\"[^\"]*\",?").matcher(t);
                    while (m.find()) {
                        spans.add(new int[] {m.start(), m.end()});
                    }
                    if (spans.isEmpty()) {
                        yield t;
                    }
                    int[] sp = spans.get(r.nextInt(spans.size()));
                    yield r.nextBoolean() ? t.substring(0, sp[0]) + t.substring(sp[1])
                            : t.substring(0, sp[1]) + t.substring(sp[0], sp[1]) + t.substring(sp[1]);
                }
            };
        }
        return t;
    }

    private static final long[] H5_FIELDS = {0, 1, 2, 7, 8, 255, 256, 65535, 65536, 1L << 31, (1L << 31) - 1, 1L << 32,
        (1L << 32) - 1, Long.MAX_VALUE, -1, -2, 1L << 40};

    /**
     * One to three stacked mutations of an HDF5 file, mostly in its metadata ({@code metadata} lists the offsets
     * of the bytes outside dataset data): bit flips, interesting bytes, little-endian 2/4/8-byte fields set to
     * boundary values (addresses, lengths, sizes, counts), truncation, and spans deleted or duplicated.
     */
    static byte[] mutateH5(byte[] original, int[] metadata, Random r) {
        byte[] b = original;
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            int at = b.length == 0 ? 0 : r.nextInt(8) > 0 && metadata.length > 0 ? Math.min(b.length - 1, metadata[r.nextInt(metadata.length)])
                    : r.nextInt(b.length);
            switch (r.nextInt(6)) {
                case 0 -> {   // bit flips near one place
                    b = b.clone();
                    for (int k = 1 + r.nextInt(4); k > 0 && b.length > 0; k--) {
                        int p = Math.min(b.length - 1, Math.max(0, at + r.nextInt(16) - 8));
                        b[p] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 1 -> {   // an interesting byte
                    if (b.length > 0) {
                        b = b.clone();
                        b[at] = INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
                    }
                }
                case 2 -> {   // a field set to a boundary value
                    int width = new int[] {2, 4, 8}[r.nextInt(3)];
                    if (b.length >= width) {
                        b = b.clone();
                        int p = Math.min(at, b.length - width);
                        long v = r.nextInt(4) == 0 ? b.length + r.nextInt(64) - 32 : H5_FIELDS[r.nextInt(H5_FIELDS.length)];
                        for (int k = 0; k < width; k++) {
                            b[p + k] = (byte) (v >>> (8 * k));
                        }
                    }
                }
                case 3 -> b = Arrays.copyOf(b, r.nextBoolean() ? r.nextInt(b.length + 1) : at);   // truncation
                case 4 -> {   // a span deleted
                    int len = 1 + r.nextInt(64);
                    b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(b.length, at + len), b.length));
                }
                default -> {   // a span duplicated
                    int len = Math.min(b.length - at, 1 + r.nextInt(64));
                    b = concat(Arrays.copyOf(b, at + len), Arrays.copyOfRange(b, at, at + len), Arrays.copyOfRange(b, at + len, b.length));
                }
            }
        }
        return b;
    }

    /** Sets (or adds) a top-level key of a flat JSON object text, textually. */
    static String setKey(String json, String key, String value) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*(\\[[^\\]]*\\]|\"[^\"]*\"|[^,}\\s]+)").matcher(json);
        if (m.find()) {
            return json.substring(0, m.start(1)) + value + json.substring(m.end(1));
        }
        int brace = json.indexOf('{');
        if (brace < 0) {
            return json;
        }
        return json.substring(0, brace + 1) + "\"" + key + "\": " + value + ", " + json.substring(brace + 1);
    }

    private static String removeKey(String json, String key) {
        return json.replaceFirst("\"" + Pattern.quote(key) + "\"\\s*:\\s*(\\[[^\\]]*\\]|\"[^\"]*\"|[^,}\\s]+)\\s*,?", "");
    }

    /** The tensors of a test model, by name. */
    static Map<String, Safetensors.Tensor> tensors(SparseMixerConfig config, long seed) {
        return TestModels.tensors(config, TestModels.weights(seed));
    }
}
