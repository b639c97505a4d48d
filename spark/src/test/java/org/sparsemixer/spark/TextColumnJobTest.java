package org.sparsemixer.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsemixer.spark.EmbedJobTest.FIXTURES;
import static org.sparsemixer.spark.EmbedJobTest.JSON;
import static org.sparsemixer.spark.EmbedJobTest.assertBits;
import static org.sparsemixer.spark.EmbedJobTest.floats;
import static org.sparsemixer.spark.EmbedJobTest.job;
import static org.sparsemixer.spark.EmbedJobTest.partFiles;
import static org.sparsemixer.spark.EmbedJobTest.readJsonLines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.ModelTokenizer;
import org.sparsemixer.tokenizer.PackedBatch;

/**
 * The spark-embed job on a text column (and a text pair) on local[2], with the golden fixture model
 * {@code p01_linear_postnorm_base} given a WordPiece tokenizer (the tokenizer module's
 * {@code wp_cased_small.vocab.txt}, 58 entries, within the model's vocab_size of 100): every
 * {@code pooled_output} bit for bit equal to the direct API on the ids {@link ModelTokenizer} packs, null
 * texts as bad rows, and a model without a tokenizer refused before Spark does any work.
 */
class TextColumnJobTest {
    private static final Path VOCAB = FIXTURES.resolve("text/wp_cased_small.vocab.txt");
    private static final List<String> TEXTS = List.of(
            "Hello World!",
            "hello, world.",
            "Straße café Café",
            "中文 가 Ο",
            "",
            "Hellos WorldS [MASK] unknown",
            "Hello world. Hello world. Hello world. Hello world. Hello world.",   // truncated to 16 tokens
            "[ Hello ] , İ ǰ",
            "cafe strasse");

    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSpark() {
        spark = EmbedJobTest.localSpark("TextColumnJobTest");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /** A private copy of the fixture model (so this test's tokenizer load is the only one at its path), with or without a tokenizer. */
    private Path model(String name, boolean withTokenizer) throws IOException {
        Path copy = Files.createDirectories(tmp.resolve(name));
        try (Stream<Path> files = Files.list(FIXTURES.resolve("p01_linear_postnorm_base/model"))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        if (withTokenizer) {
            Files.copy(VOCAB, copy.resolve(ModelTokenizer.WORDPIECE_FILE));
            Files.writeString(copy.resolve(ModelTokenizer.TEXT_CONFIG_FILE), "{\"lower_case\": false}");
        }
        return copy;
    }

    /** JSON lines with a key and the given columns; a null value is written as JSON null. */
    private static void writeJsonLines(Path file, List<String> keys, List<List<String>> values, List<String> columns)
            throws IOException {
        StringBuilder text = new StringBuilder();
        for (int r = 0; r < keys.size(); r++) {
            ObjectNode node = JSON.createObjectNode();
            node.put("key", keys.get(r));
            for (int c = 0; c < columns.size(); c++) {
                node.put(columns.get(c), values.get(r).get(c));
            }
            text.append(JSON.writeValueAsString(node)).append('\n');
        }
        Files.writeString(file, text);
    }

    /** The direct API: the tokenizer's packed batch encoded in one call. */
    private static EncoderOutput direct(Path model, List<List<String>> examples) throws IOException {
        PackedBatch packed = ModelTokenizer.load(model, ModelLoader.readConfig(model)).orElseThrow().packBatch(examples);
        try (SparseMixerEncoder encoder = ModelLoader.load(model, EncoderOptions.threads(1))) {
            return encoder.encode(EncoderInput.of(packed.inputWordIds(), packed.inputMask(), packed.inputTypeIds()));
        }
    }

    private static List<String> keys(int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add("t" + i);
        }
        return keys;
    }

    private static void assertPooled(EncoderOutput expected, List<JsonNode> written, List<String> keys) {
        assertEquals(keys, written.stream().map(r -> r.get("key").asText()).toList(), "rows in input order");
        int h = expected.hiddenSize();
        for (int b = 0; b < keys.size(); b++) {
            assertBits(Arrays.copyOfRange(expected.pooledOutput(), b * h, (b + 1) * h),
                    floats(written.get(b).get("pooled_output")), "pooled_output of row " + keys.get(b));
        }
    }

    @Test
    void textColumnJobMatchesTheDirectApiOnTheTokenizersIds() throws IOException {
        Path model = model("model", true);
        // The packing itself, read off the vocabulary file (line number = id): [CLS] Hello World ! [SEP], padding.
        int[] helloWorld = ModelTokenizer.load(model, ModelLoader.readConfig(model)).orElseThrow()
                .pack(List.of("Hello World!")).inputWordIds();
        assertEquals("[2, 10, 12, 5, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]", Arrays.toString(helloWorld));
        List<String> keys = keys(TEXTS.size());
        List<List<String>> values = TEXTS.stream().map(List::of).toList();
        Path in = Files.createDirectories(tmp.resolve("in"));
        writeJsonLines(in.resolve("a.json"), keys.subList(0, 4), values.subList(0, 4), List.of("text"));
        writeJsonLines(in.resolve("b.json"), keys.subList(4, keys.size()), values.subList(4, values.size()), List.of("text"));
        Path out = tmp.resolve("out");
        int tokenizerLoads = TokenizerHolder.loads();

        EmbedJobTest.Run run = job("--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                "--text-column", "text", "--batch", "3", "--min-partitions", "2");

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("wrote 9 rows"), run.out());
        assertEquals(1, TokenizerHolder.loads() - tokenizerLoads, "one tokenizer load in the JVM (driver and executors)");
        assertTrue(partFiles(out, ".json").size() >= 3, "several partitions shared the tokenizer");
        List<JsonNode> written = readJsonLines(out);
        assertPooled(direct(model, values), written, keys);
        for (int b = 0; b < keys.size(); b++) {
            assertEquals(TEXTS.get(b), written.get(b).get("text").asText(), "the text column is passed through");
            assertEquals(List.of("key", "text", "pooled_output"), iterable(written.get(b).fieldNames()));
        }
    }

    @Test
    void textPairsWithANullTextFailNamingTheRowOrAreWrittenAside() throws IOException {
        Path model = model("model", true);
        List<String> keys = keys(6);
        List<List<String>> values = new ArrayList<>();
        for (int r = 0; r < keys.size(); r++) {
            values.add(Arrays.asList(TEXTS.get(r), TEXTS.get(TEXTS.size() - 1 - r)));
        }
        values.set(1, Arrays.asList("Hello", null));
        values.set(4, Arrays.asList(null, "World"));
        Path in = tmp.resolve("in.json");
        writeJsonLines(in, keys, values, List.of("text", "pair"));

        EmbedJobTest.Run failed = job("--model", model.toString(), "--input", in.toString(),
                "--output", tmp.resolve("out1").toString(), "--text-column", "text", "--text-pair-column", "pair",
                "--min-partitions", "1", "--batch", "2");
        assertEquals(EmbedJob.EXIT_BAD_INPUT, failed.exit(), failed.err());
        String[] lines = failed.err().strip().split("\n");
        assertEquals(1, lines.length, failed.err());
        assertEquals("error: bad row (row 1 of partition 0, text columns text, pair): text column pair is null", lines[0]);

        Path bad = tmp.resolve("bad");
        Path out = tmp.resolve("out2");
        EmbedJobTest.Run skipped = job("--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                "--text-column", "text", "--text-pair-column", "pair", "--min-partitions", "1", "--batch", "2",
                "--bad-rows", bad.toString());
        assertEquals(0, skipped.exit(), skipped.err());
        assertTrue(skipped.out().contains("2 bad rows written to"), skipped.out());
        List<JsonNode> badRows = readJsonLines(bad);
        assertEquals(List.of("t1", "t4"), badRows.stream().map(r -> r.get("key").asText()).toList());
        assertEquals("row 4 of partition 0: text column text is null", badRows.get(1).get("bad_row_reason").asText());
        List<String> good = List.of("t0", "t2", "t3", "t5");
        assertPooled(direct(model, List.of(values.get(0), values.get(2), values.get(3), values.get(5))),
                readJsonLines(out), good);
    }

    @Test
    void aModelWithoutTokenizerOrANonStringColumnIsRefusedBeforeAnyWork() throws IOException {
        Path in = tmp.resolve("in.json");
        Files.writeString(in, "{\"key\": \"t0\", \"text\": \"Hello\", \"ids\": [1, 2]}\n");
        Path out = tmp.resolve("out");

        EmbedJobTest.Run noTokenizer = job("--model", model("bare", false).toString(), "--input", in.toString(),
                "--output", out.toString(), "--text-column", "text");
        assertEquals(EmbedJob.EXIT_BAD_INPUT, noTokenizer.exit(), noTokenizer.err());
        assertEquals(1, noTokenizer.err().strip().split("\n").length, noTokenizer.err());
        assertTrue(noTokenizer.err().startsWith("error: the model directory "), noTokenizer.err());
        assertTrue(noTokenizer.err().contains("has no tokenizer, which text input needs: add tokenizer.model "
                + "(SentencePiece) or vocab.txt with text_input.json (WordPiece)"), noTokenizer.err());

        Path model = model("model", true);
        EmbedJobTest.Run notString = job("--model", model.toString(), "--input", in.toString(),
                "--output", out.toString(), "--text-column", "ids");
        assertEquals(EmbedJob.EXIT_BAD_INPUT, notString.exit(), notString.err());
        assertEquals("error: text column ids has type array<bigint>; a string is needed", notString.err().strip());

        EmbedJobTest.Run missing = job("--model", model.toString(), "--input", in.toString(),
                "--output", out.toString(), "--text-column", "text", "--text-pair-column", "second");
        assertEquals(EmbedJob.EXIT_BAD_INPUT, missing.exit(), missing.err());
        assertTrue(missing.err().startsWith("error: the input has no column second (a string)"), missing.err());

        EmbedJobTest.Run pairAlone = job("--model", model.toString(), "--input", in.toString(),
                "--output", out.toString(), "--text-pair-column", "text");
        assertEquals(EmbedJob.EXIT_BAD_INPUT, pairAlone.exit(), pairAlone.err());
        assertEquals("error: --text-pair-column text needs --text-column", pairAlone.err().strip());
        assertFalse(Files.exists(out), "nothing written");
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
