package org.sparsemixer.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.BatchFiles;
import org.sparsemixer.loader.DefaultModel;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.ModelTokenizer;
import org.sparsemixer.loader.WeightDType;
import org.sparsemixer.tokenizer.PackedBatch;
import org.sparsemixer.tokenizer.PackedInput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code run}: one inference (SPEC section 5) and a short human summary on stdout. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Encode a batch and print a short summary.",
            "Without --model: the embedded Sparse Mixer Base (vocab " + DefaultModel.VOCAB_SIZE
                    + ", deterministic random weights, seed " + DefaultModel.SEED + ").",
            "Without --inputs: a deterministic sample batch (seed " + RunCommand.SAMPLE_SEED + ").",
            "--text, --text-pair and --texts encode text with the tokenizer of the --model directory."})
final class RunCommand implements Callable<Integer> {
    /** Seed of the generated sample batch used when --inputs is not given. */
    static final long SAMPLE_SEED = 1L;
    private static final int SHOWN_POOLED_VALUES = 5;

    @ParentCommand
    Main parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Model directory with config.json and model.safetensors (default: the embedded Base model).")
    Path model;

    @Option(names = "--inputs", paramLabel = "FILE",
            description = "Safetensors file with input_word_ids, input_mask, input_type_ids"
                    + " (and dense_inputs, dense_mask, dense_type_ids for with_dense_inputs models)"
                    + " (default: a generated sample batch).")
    Path inputs;

    @Option(names = "--text", paramLabel = "TEXT",
            description = "Encode this text (one example), tokenized and packed with the --model directory's tokenizer.")
    String text;

    @Option(names = "--text-pair", paramLabel = "TEXT",
            description = "With --text: the example's second segment ([CLS] text [SEP] pair [SEP]).")
    String textPair;

    @Option(names = "--texts", paramLabel = "FILE.jsonl",
            description = "Encode a batch: one example per line, {\"text\": \"...\"} or {\"texts\": [\"a\", \"b\"]}.")
    Path texts;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Write sequence_output, pooled_output and encoder_outputs (F32) to this safetensors file.")
    Path output;

    @Option(names = "--threads", paramLabel = "N",
            description = "Compute threads (default: the number of available processors, here ${sys:sparse-mixer.cpus}).")
    Integer threads;

    @Option(names = "--batch", paramLabel = "B",
            description = "Batch size of the generated sample batch (default: 1, or the smallest batch the"
                    + " model's MoE routing groups allow; not with --inputs).")
    Integer batch;

    @Mixin
    WeightOptions weights;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "0",
            description = "Warm-up calls before the real one (SparseMixerEncoder.warmUp at its batch size), so that"
                    + " the reported latency is near steady state; their time is reported (default: ${DEFAULT-VALUE}).")
    int warmup;

    static {
        System.setProperty("sparse-mixer.cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        // --verbose is inherited: it may be given before or after "run".
        boolean verbose = (parent != null && parent.verbose)
                || spec.commandLine().getParseResult().hasMatchedOption("--verbose");

        int threadCount = Arguments.threads(threads);
        if (batch != null && inputs != null) {
            throw new IllegalArgumentException("--batch sets the size of the generated sample batch;"
                    + " it cannot be combined with --inputs " + inputs);
        }
        if (batch != null) {
            Arguments.atLeast("--batch", batch, 1);
        }
        checkTextOptions();
        Arguments.atLeast("--warmup", warmup, 0);
        // Fail on a missing path before spending seconds on building a model.
        Arguments.modelDirectory(model);
        Arguments.regularFile("--inputs", inputs);
        Arguments.regularFile("--texts", texts);
        // Tokenize before loading the weights: a bad text or tokenizer fails fast.
        EncoderInput textInput = textInput();
        if (output != null && Files.isDirectory(output)) {
            throw new IllegalArgumentException("--output " + output + " is a directory");
        }
        Path outputDir = output == null ? null : output.toAbsolutePath().getParent();
        if (outputDir != null && !Files.isDirectory(outputDir)) {
            throw new IllegalArgumentException("--output " + output + ": directory " + outputDir + " does not exist");
        }
        EncoderOptions options = EncoderOptions.threads(threadCount).withWeightPrecision(weights.precision());

        long loadStart = System.nanoTime();
        try (SparseMixerEncoder encoder = model == null
                ? DefaultModel.create(options)
                : ModelLoader.load(model, options, weights.loadOptions())) {
            long loadNanos = System.nanoTime() - loadStart;
            SparseMixerConfig config = encoder.config();

            EncoderInput input;
            if (textInput != null) {
                Arguments.batchFits(encoder, textInput.batchSize());
                input = textInput;
            } else if (inputs == null) {
                int size = batch != null ? batch : defaultBatch(config);
                Arguments.batchFits(encoder, size);
                input = EncoderInput.sample(config, size, SAMPLE_SEED);
            } else {
                input = BatchFiles.readInputs(inputs);
            }

            long warmupNanos = encoder.warmUp(warmup, input.batchSize());
            long encodeStart = System.nanoTime();
            EncoderOutput result = encoder.encode(input);
            long encodeNanos = System.nanoTime() - encodeStart;
            double firstResultMillis = ProcessClock.millisSinceStart();

            if (output != null) {
                BatchFiles.writeOutputs(output, result);
            }
            printSummary(out, config, input, result, threadCount, loadNanos, warmupNanos, encodeNanos, verbose,
                    encoder.weightBytes());
            out.printf(Locale.ROOT, "start-up:    result %.0f ms after the process started (JVM and launcher start-up,"
                    + " load, warm-up and the call)%n", firstResultMillis);
            out.flush();
        }
        return Main.EXIT_OK;
    }

    private void checkTextOptions() {
        String textOption = text != null ? "--text" : texts != null ? "--texts" : null;
        if (textPair != null && text == null) {
            throw new IllegalArgumentException("--text-pair needs --text (the first segment)");
        }
        if (text != null && texts != null) {
            throw new IllegalArgumentException("--text and --texts " + texts + " cannot be combined: give one example"
                    + " with --text or a batch with --texts");
        }
        if (textOption == null) {
            return;
        }
        if (inputs != null) {
            throw new IllegalArgumentException(textOption + " and --inputs " + inputs + " cannot be combined");
        }
        if (batch != null) {
            throw new IllegalArgumentException("--batch sets the size of the generated sample batch; it cannot be"
                    + " combined with " + textOption);
        }
        if (model == null) {
            throw new IllegalArgumentException(textOption + " needs --model DIR with a tokenizer (tokenizer.model or"
                    + " vocab.txt); the embedded default model has none");
        }
    }

    /** The packed batch of --text/--texts, or null when the input is not text. */
    private EncoderInput textInput() throws java.io.IOException {
        if (text == null && texts == null) {
            return null;
        }
        SparseMixerConfig config = ModelLoader.readConfig(model);
        ModelTokenizer tokenizer = ModelTokenizer.load(model, config).orElseThrow(() -> new IllegalArgumentException(
                "--model " + model + " has no tokenizer: add " + ModelTokenizer.SENTENCEPIECE_FILE + " or "
                        + ModelTokenizer.WORDPIECE_FILE + " (see docs/model-format.md)"));
        List<PackedInput> rows = new ArrayList<>();
        if (text != null) {
            rows.add(tokenizer.pack(textPair == null ? List.of(text) : List.of(text, textPair)));
        } else {
            String source = "--texts " + texts;
            try (InputStream in = Files.newInputStream(texts)) {
                TextJsonl.forEach(in, source, line -> {
                    try {
                        rows.add(tokenizer.pack(line.texts()));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(source + " line " + line.number() + ": " + e.getMessage(), e);
                    }
                });
            }
            if (rows.isEmpty()) {
                throw new IllegalArgumentException(source + " holds no texts");
            }
        }
        PackedBatch packed = PackedBatch.of(rows);
        return EncoderInput.of(packed.inputWordIds(), packed.inputMask(), packed.inputTypeIds());
    }

    /**
     * 1, or for a model whose MoE routing groups span several examples the smallest batch they allow
     * (SPEC section 3: B >= examples_per_group and B * S a multiple of T = floor(S * examples_per_group)).
     */
    static int defaultBatch(SparseMixerConfig c) {
        if (c.moeLayers().isEmpty()) {
            return 1;
        }
        long tokensPerGroup = c.tokensPerGroup();
        for (int b = 1; b <= 4096; b++) {
            if (b >= c.examplesPerGroup() && ((long) b * c.maxSequenceLength()) % tokensPerGroup == 0) {
                return b;
            }
        }
        return 1; // no small batch fits: let the encoder explain why
    }

    private void printSummary(PrintWriter out, SparseMixerConfig c, EncoderInput input, EncoderOutput result,
                              int threadCount, long loadNanos, long warmupNanos, long encodeNanos, boolean verbose,
                              long weightBytes) {
        String modelText = model == null
                ? "embedded Sparse Mixer Base (random weights, seed " + DefaultModel.SEED + ")"
                : model.toString();
        String inputText = text != null ? "--text" + (textPair != null ? " and --text-pair" : "")
                : texts != null ? texts.toString()
                : inputs == null ? "sample batch (seed " + SAMPLE_SEED + ")"
                : inputs.toString();
        double latencyMs = encodeNanos / 1e6;
        double seqPerSecond = input.batchSize() / Math.max(encodeNanos / 1e9, 1e-9);

        out.printf(Locale.ROOT, "model:       %s%n", modelText);
        if (weights.dtype != WeightDType.F32 || verbose) {
            out.printf(Locale.ROOT, "weights:     %s in memory, %.1f MB%s%n", weights.dtype.cliName(), weightBytes / 1e6,
                    weights.dtype == WeightDType.F32 ? "" : " (rounded to nearest even)");
        }
        out.printf(Locale.ROOT, "config:      %d layers, hidden %d, seq len %d, %d experts (MoE layers %s), "
                        + "mixing %s, attention layers %s, %s%n",
                c.numLayers(), c.hiddenSize(), c.maxSequenceLength(), c.numExperts(), c.moeLayers(),
                c.mixingMechanism().configName(), c.attentionLayers(), c.normFirst() ? "pre-norm" : "post-norm");
        if (verbose) {
            out.printf(Locale.ROOT, "             vocab %d, type vocab %d, heads %d, inner dim %d, embedding width %d, "
                            + "examples/group %s, eval capacity factor %s (capacity %d of %d tokens), use_fft %s, "
                            + "dense inputs %s%n",
                    c.vocabSize(), c.typeVocabSize(), c.numAttentionHeads(), c.innerDim(), c.embeddingWidth(),
                    c.examplesPerGroup(), c.evalCapacityFactor(), c.expertCapacity(), c.tokensPerGroup(),
                    c.useFft(), c.withDenseInputs());
        }
        out.printf(Locale.ROOT, "inputs:      %s: batch %d, %d word tokens%s%n", inputText, input.batchSize(),
                input.wordLength(), input.denseLength() > 0 ? " + " + input.denseLength() + " dense tokens" : "");
        out.printf(Locale.ROOT, "threads:     %d%n", threadCount);
        out.printf(Locale.ROOT, "load time:   %.1f ms%n", loadNanos / 1e6);
        if (warmup > 0) {
            out.printf(Locale.ROOT, "warm-up:     %d calls (SparseMixerEncoder.warmUp), %.1f ms%n", warmup, warmupNanos / 1e6);
            out.printf(Locale.ROOT, "latency:     %.1f ms (one encode call, batch %d, after the warm-up)%n",
                    latencyMs, input.batchSize());
        } else {
            out.printf(Locale.ROOT, "latency:     %.1f ms (one encode call, batch %d; a first call includes JIT warm-up,"
                    + " see --warmup, and bench for steady state)%n", latencyMs, input.batchSize());
        }
        out.printf(Locale.ROOT, "throughput:  %.2f sequences/s%n", seqPerSecond);
        StringBuilder pooled = new StringBuilder();
        int shown = Math.min(SHOWN_POOLED_VALUES, result.hiddenSize());
        for (int h = 0; h < shown; h++) {
            pooled.append(h == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.6f", result.pooledOutput(0, h)));
        }
        if (shown < result.hiddenSize()) {
            pooled.append(", ...");
        }
        out.printf(Locale.ROOT, "pooled[0]:   [%s]%n", pooled);
        out.printf(Locale.ROOT, "output:      %s%n", output == null ? "not written (no --output)" : output.toString());
        out.flush();
    }
}
