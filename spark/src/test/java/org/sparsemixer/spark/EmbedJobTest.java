package org.sparsemixer.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.BatchFiles;
import org.sparsemixer.loader.ModelLoader;

/**
 * The spark-embed job end to end on local[2] (one SparkSession for the class): JSON lines and Parquet in and
 * out, compared bit for bit with the direct Java API on the same rows (a golden fixture's examples plus
 * sample rows), row order and extra columns kept, bad rows failing the job or written aside.
 */
class EmbedJobTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSpark() {
        spark = localSpark("EmbedJobTest");
    }

    /** A local[2] session on the loopback interface without a web UI, for one test class. */
    static SparkSession localSpark(String appName) {
        return SparkSession.builder().master("local[2]").appName(appName)
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /** One input row: a key column and its three id arrays. */
    private record Example(String key, int[] ids, int[] mask, int[] types) {
    }

    /** The fixture's examples followed by {@code extra} deterministic sample rows. */
    private static List<Example> examples(Path fixture, int extra) throws IOException {
        EncoderInput cases = BatchFiles.readInputs(fixture.resolve("cases.safetensors"));
        List<Example> rows = new ArrayList<>();
        add(rows, cases);
        if (extra > 0) {
            add(rows, EncoderInput.sample(ModelLoader.readConfig(fixture.resolve("model")), extra, 3));
        }
        return rows;
    }

    private static void add(List<Example> rows, EncoderInput batch) {
        int s = batch.wordLength();
        for (int b = 0; b < batch.batchSize(); b++) {
            rows.add(new Example("r" + rows.size(), Arrays.copyOfRange(batch.wordIds(), b * s, (b + 1) * s),
                    Arrays.copyOfRange(batch.mask(), b * s, (b + 1) * s), Arrays.copyOfRange(batch.typeIds(), b * s, (b + 1) * s)));
        }
    }

    /** The direct API's output for all rows in one call. */
    private static EncoderOutput direct(Path model, List<Example> rows) throws IOException {
        int s = rows.get(0).ids().length;
        int n = rows.size();
        int[] ids = new int[n * s];
        int[] mask = new int[n * s];
        int[] types = new int[n * s];
        for (int b = 0; b < n; b++) {
            System.arraycopy(rows.get(b).ids(), 0, ids, b * s, s);
            System.arraycopy(rows.get(b).mask(), 0, mask, b * s, s);
            System.arraycopy(rows.get(b).types(), 0, types, b * s, s);
        }
        try (SparseMixerEncoder encoder = ModelLoader.load(model, EncoderOptions.threads(1))) {
            return encoder.encode(new EncoderInput(n, s, ids, mask, types, 0, null, null, null));
        }
    }

    /** A private copy of a fixture's model, so that this test's encoder load is the only one at its path. */
    private Path copyModel(Path fixture) throws IOException {
        Path copy = Files.createDirectories(tmp.resolve("model"));
        try (Stream<Path> files = Files.list(fixture.resolve("model"))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    private static void writeJsonLines(Path file, List<Example> rows) throws IOException {
        StringBuilder text = new StringBuilder();
        for (Example row : rows) {
            ObjectNode node = JSON.createObjectNode();
            node.put("key", row.key());
            node.putPOJO("input_word_ids", row.ids());
            node.putPOJO("input_mask", row.mask());
            node.putPOJO("input_type_ids", row.types());
            text.append(JSON.writeValueAsString(node)).append('\n');
        }
        Files.writeString(file, text);
    }

    /** The output's JSON lines, part files in name order. */
    static List<JsonNode> readJsonLines(Path dir) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (Path part : partFiles(dir, ".json")) {
            for (String line : Files.readAllLines(part)) {
                rows.add(JSON.readTree(line));
            }
        }
        return rows;
    }

    static List<Path> partFiles(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("part-") && f.toString().endsWith(suffix))
                    .sorted().toList();
        }
    }

    static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            // From the exact decimal text, so a float the writer printed reads back to the same bits.
            values[i] = Float.parseFloat(array.get(i).decimalValue().toString());
        }
        return values;
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).intValue();
        }
        return values;
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
        }
    }

    record Run(int exit, String out, String err) {
    }

    static Run job(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = EmbedJob.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void jsonLinesJobMatchesTheDirectApiBitForBitInInputOrder() throws IOException {
        Path fixture = FIXTURES.resolve("p01_linear_postnorm_base");
        Path model = copyModel(fixture);
        List<Example> rows = examples(fixture, 9);
        // The first file is the smaller one: Spark's own scan would put the larger file's rows first.
        Path in = Files.createDirectories(tmp.resolve("in"));
        writeJsonLines(in.resolve("a.json"), rows.subList(0, 3));
        writeJsonLines(in.resolve("b.json"), rows.subList(3, rows.size()));
        Path out = tmp.resolve("out");
        int loadsBefore = EncoderHolder.loads();

        Run run = job("--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                "--batch", "3", "--min-partitions", "2");

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("wrote 11 rows"), run.out());
        assertTrue(run.out().contains("rows/s per executor core"), run.out());
        assertEquals(1, EncoderHolder.loads() - loadsBefore, "one encoder load for every task and partition");
        assertTrue(partFiles(out, ".json").size() >= 3, "several partitions, so several tasks shared the encoder");
        EncoderOutput expected = direct(model, rows);
        List<JsonNode> written = readJsonLines(out);
        assertEquals(rows.size(), written.size());
        int h = expected.hiddenSize();
        for (int b = 0; b < rows.size(); b++) {
            JsonNode row = written.get(b);
            assertEquals(rows.get(b).key(), row.get("key").asText(), "row order");
            assertEquals(Arrays.toString(rows.get(b).ids()), Arrays.toString(ints(row.get("input_word_ids"))));
            assertEquals(Arrays.toString(rows.get(b).mask()), Arrays.toString(ints(row.get("input_mask"))));
            assertEquals(Arrays.toString(rows.get(b).types()), Arrays.toString(ints(row.get("input_type_ids"))));
            assertBits(Arrays.copyOfRange(expected.pooledOutput(), b * h, (b + 1) * h), floats(row.get("pooled_output")),
                    "pooled_output of row " + b);
        }
    }

    @Test
    void parquetJobWithSequenceOutputMatchesTheDirectApiOnTwoExamplesPerRoutingGroup() throws IOException {
        Path fixture = FIXTURES.resolve("p05_fast_epg2");
        Path model = fixture.resolve("model");
        List<Example> rows = examples(fixture, 4);
        Path in = tmp.resolve("in.parquet");
        dataFrame(rows).write().parquet(in.toString());   // 2 part files of 4 rows
        Path out = tmp.resolve("out.parquet");

        Run run = job("--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                "--format", "parquet", "--batch", "2", "--sequence-output");

        assertEquals(0, run.exit(), run.err());
        EncoderOutput expected = direct(model, rows);
        List<Row> written = new ArrayList<>();
        for (Path part : partFiles(out, ".parquet")) {
            written.addAll(spark.read().parquet(part.toString()).collectAsList());
        }
        assertEquals(rows.size(), written.size());
        int h = expected.hiddenSize();
        int s = expected.sequenceLength();
        for (int b = 0; b < rows.size(); b++) {
            Row row = written.get(b);
            assertEquals(List.of("key", "input_word_ids", "input_mask", "input_type_ids", "pooled_output", "sequence_output"),
                    Arrays.asList(row.schema().fieldNames()), "input columns kept, outputs appended");
            assertEquals(rows.get(b).key(), row.getString(0), "row order");
            assertEquals(boxed(rows.get(b).ids()), row.getList(1));
            assertBits(Arrays.copyOfRange(expected.pooledOutput(), b * h, (b + 1) * h), unboxed(row.getList(4)),
                    "pooled_output of row " + b);
            List<Object> sequence = row.getList(5);
            assertEquals(s, sequence.size());
            for (int t = 0; t < s; t++) {
                int from = (b * s + t) * h;
                assertBits(Arrays.copyOfRange(expected.sequenceOutput(), from, from + h),
                        unboxed(nested(sequence.get(t))), "sequence_output of row " + b + " at " + t);
            }
        }
    }

    @Test
    void badRowsFailTheJobNamingTheRowOrAreWrittenAsideWithTheirReason() throws IOException {
        Path fixture = FIXTURES.resolve("p01_linear_postnorm_base");
        Path model = fixture.resolve("model");
        List<Example> rows = examples(fixture, 2);
        int[] outOfRange = rows.get(1).ids().clone();
        outOfRange[5] = 100;   // vocab_size = 100
        rows.set(1, new Example("r1", outOfRange, rows.get(1).mask(), rows.get(1).types()));
        rows.set(3, new Example("r3", Arrays.copyOf(rows.get(3).ids(), 15), rows.get(3).mask(), rows.get(3).types()));
        Path in = tmp.resolve("in.json");
        writeJsonLines(in, rows);

        Run failed = job("--model", model.toString(), "--input", in.toString(), "--output", tmp.resolve("out1").toString(),
                "--min-partitions", "1");
        assertEquals(EmbedJob.EXIT_BAD_INPUT, failed.exit(), failed.err());
        String[] lines = failed.err().strip().split("\n");
        assertEquals(1, lines.length, failed.err());
        assertTrue(lines[0].startsWith("error: bad row (row 1 of partition 0"), lines[0]);
        assertTrue(lines[0].contains("input_word_ids[5] = 100 is outside [0, 100)"), lines[0]);

        Path bad = tmp.resolve("bad");
        Path out = tmp.resolve("out2");
        Run skipped = job("--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                "--min-partitions", "1", "--bad-rows", bad.toString());
        assertEquals(0, skipped.exit(), skipped.err());
        assertTrue(skipped.out().contains("2 bad rows written to"), skipped.out());
        List<JsonNode> badRows = readJsonLines(bad);
        assertEquals(List.of("r1", "r3"), badRows.stream().map(r -> r.get("key").asText()).toList());
        assertTrue(badRows.get(0).get("bad_row_reason").asText().contains("row 1 of partition 0: input_word_ids[5] = 100"),
                badRows.get(0).toString());
        assertTrue(badRows.get(1).get("bad_row_reason").asText().contains("input_word_ids has length 15"),
                badRows.get(1).toString());
        List<JsonNode> written = readJsonLines(out);
        assertEquals(List.of("r0", "r2"), written.stream().map(r -> r.get("key").asText()).toList());
        EncoderOutput expected = direct(model, List.of(rows.get(0), rows.get(2)));
        int h = expected.hiddenSize();
        for (int b = 0; b < 2; b++) {
            assertBits(Arrays.copyOfRange(expected.pooledOutput(), b * h, (b + 1) * h),
                    floats(written.get(b).get("pooled_output")), "pooled_output of good row " + b);
        }
    }

    @Test
    void mapPartitionsFunctionPadsAShortLastBatchWithCopiesOfItsLastRow() throws IOException {
        Path fixture = FIXTURES.resolve("p05_fast_epg2");   // two examples per routing group
        Path model = fixture.resolve("model");
        List<Example> rows = examples(fixture, 1);          // 5 rows: batches {0, 1}, {2, 3}, {4, copy of 4}
        Dataset<Row> df = dataFrame(rows).coalesce(1);
        EmbedSettings settings = EmbedSettings.idColumns(model.toString()).withBatch(2);
        StructType out = PartitionEmbedder.outputSchema(df.schema(), settings);

        List<Row> embedded = df.mapPartitions(PartitionEmbedder.of(settings, df.schema()), Encoders.row(out))
                .collectAsList();

        List<Example> padded = new ArrayList<>(rows);
        padded.add(rows.get(4));
        EncoderOutput expected = direct(model, padded);
        assertEquals(rows.size(), embedded.size());
        int h = expected.hiddenSize();
        for (int b = 0; b < rows.size(); b++) {
            assertEquals(rows.get(b).key(), embedded.get(b).getString(0), "row order");
            assertBits(Arrays.copyOfRange(expected.pooledOutput(), b * h, (b + 1) * h), unboxed(embedded.get(b).getList(4)),
                    "pooled_output of row " + b);
        }
        IllegalArgumentException odd = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PartitionEmbedder.of(settings.withBatch(3), df.schema()));
        assertTrue(odd.getMessage().contains("--batch 3 is not a batch size the model accepts"), odd.getMessage());
    }

    /** The rows as a DataFrame (key, then the id columns as array<int>), split over Spark's default parallelism. */
    private static Dataset<Row> dataFrame(List<Example> rows) {
        StructType schema = new StructType().add("key", DataTypes.StringType)
                .add("input_word_ids", DataTypes.createArrayType(DataTypes.IntegerType))
                .add("input_mask", DataTypes.createArrayType(DataTypes.IntegerType))
                .add("input_type_ids", DataTypes.createArrayType(DataTypes.IntegerType));
        List<Row> input = new ArrayList<>();
        for (Example row : rows) {
            input.add(RowFactory.create(row.key(), boxed(row.ids()), boxed(row.mask()), boxed(row.types())));
        }
        return spark.createDataFrame(input, schema);
    }

    private static List<Integer> boxed(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    /** An inner array of a nested array column, which Spark hands out as a Scala sequence. */
    @SuppressWarnings("unchecked")
    private static List<Object> nested(Object value) {
        return scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<Object>) value);
    }

    private static float[] unboxed(List<?> values) {
        float[] floats = new float[values.size()];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = (Float) values.get(i);
        }
        return floats;
    }
}
