package org.sparsemixer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.sparsemixer.tokenizer.BertPacker;
import org.sparsemixer.tokenizer.PackedInput;
import org.sparsemixer.tokenizer.Tokenizer;
import org.sparsemixer.tokenizer.Tokenizers;
import org.sparsemixer.tokenizer.Truncator;

/**
 * Tokenization speed, one thread, per tokenizer kind (the three text fixtures' tokenizers):
 * <ul>
 *   <li>{@code corpus}: one pass over a mixed-script corpus, the 425 texts of the text fixtures (every
 *       script, CJK, emoji, control and unusual characters, long words, Markdown lines) repeated
 *       {@value #CORPUS_REPEATS} times, each text encoded on its own; MB/s = corpus UTF-8 bytes (printed
 *       at setup) / time per pass;</li>
 *   <li>{@code pack512}: tokenizing and packing one ~512-token input (fixture Markdown lines joined) to
 *       seq_length 512, the work text input adds in front of one encode.</li>
 * </ul>
 * Run from the repository root (the fixture files are read from {@code tokenizer/src/test/resources}):
 * {@code java -jar bench/target/benchmarks.jar TokenizerBench}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class TokenizerBench {
    static final int CORPUS_REPEATS = 4;

    @Param({"wp_uncased", "sp_unigram_nfkc", "sp_bpe_bytefallback"})
    public String tokenizer;

    @Param({"tokenizer/src/test/resources/fixtures/text"})
    public String fixtures;

    private Tokenizer impl;
    private BertPacker packer;
    private List<String> corpus;
    private String input512;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path dir = Path.of(fixtures);
        boolean wordPiece = tokenizer.startsWith("wp_");
        impl = Tokenizers.open(dir.resolve(wordPiece ? tokenizer + ".vocab.txt" : tokenizer + ".model"), wordPiece);
        packer = new BertPacker(impl, 512, Truncator.ROUND_ROBIN);
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        List<String> docLines = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("wp_uncased.jsonl"))) {
            texts.add(json.readTree(line).get("text").textValue());
        }
        for (String line : Files.readAllLines(dir.resolve("packing.jsonl"))) {
            var c = json.readTree(line);
            if (c.get("kind").textValue().startsWith("single_long")) {
                docLines.add(c.get("texts").get(0).textValue());
            }
        }
        corpus = new ArrayList<>();
        for (int r = 0; r < CORPUS_REPEATS; r++) {
            corpus.addAll(texts);
        }
        long bytes = corpus.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
        // The 512-token input: fixture lines joined until the text has 510 tokens ([CLS], [SEP] make 512).
        StringBuilder sb = new StringBuilder();
        for (int i = 0; impl.encode(sb.toString()).size() < 510; i++) {
            sb.append(docLines.get(i % docLines.size())).append(' ');
        }
        input512 = sb.toString();
        System.out.printf("%n%s: corpus %d texts, %d UTF-8 bytes; 512-token input: %d chars, %d tokens%n",
                tokenizer, corpus.size(), bytes, input512.length(), impl.encode(input512).size());
    }

    @Benchmark
    public void corpus(Blackhole bh) {
        for (String text : corpus) {
            bh.consume(impl.encode(text));
        }
    }

    @Benchmark
    public PackedInput pack512() {
        return packer.pack(input512);
    }
}
