package org.sparsemixer.spark;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/**
 * The {@code mapPartitions} function: reads a partition's rows in order, encodes them in batches of
 * {@link EmbedSettings#batch()} with the executor JVM's shared encoder ({@link EncoderHolder}), and returns
 * each input row with {@code pooled_output} (and optionally {@code sequence_output}) appended, in the same
 * order. Rows are pulled lazily, one batch at a time, so a partition never sits in memory whole. A bad row
 * fails the task with a {@link BadRowException} naming it; filter bad rows first to skip them
 * ({@link SparkEmbedding#withBadRowReasons}).
 *
 * <pre>{@code
 * StructType out = PartitionEmbedder.outputSchema(df.schema(), settings);
 * Dataset<Row> embedded = df.mapPartitions(PartitionEmbedder.of(settings, df.schema()), Encoders.row(out));
 * }</pre>
 */
public final class PartitionEmbedder implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PartitionEmbedder.class);
    /** How often a long partition reports progress in the executor's log. */
    private static final long PROGRESS_NANOS = 30_000_000_000L;

    public static final String POOLED_OUTPUT = EncoderOutput.POOLED_OUTPUT;
    public static final String SEQUENCE_OUTPUT = EncoderOutput.SEQUENCE_OUTPUT;

    private final EmbedSettings settings;
    private final StructType inputSchema;
    private final RowRules rules;
    private final EmbedMetrics metrics;

    private PartitionEmbedder(EmbedSettings settings, StructType inputSchema, RowRules rules, EmbedMetrics metrics) {
        this.settings = settings;
        this.inputSchema = inputSchema;
        this.rules = rules;
        this.metrics = metrics;
    }

    /**
     * A function for rows of {@code inputSchema}; reads the model's config (not its weights) to check the
     * schema and the batch size on the driver.
     *
     * @param metrics counters to add to, or null
     * @throws IllegalArgumentException for a missing or mistyped input column, an output column the input
     *                                  already has, a batch size the model does not accept, or a bad config
     */
    public static PartitionEmbedder of(EmbedSettings settings, StructType inputSchema, EmbedMetrics metrics) {
        ModelCheck model = ModelCheck.read(settings);
        outputSchema(inputSchema, settings);
        return new PartitionEmbedder(settings, inputSchema, model.rules(), metrics);
    }

    public static PartitionEmbedder of(EmbedSettings settings, StructType inputSchema) {
        return of(settings, inputSchema, null);
    }

    /**
     * The input's columns followed by {@code pooled_output array<float>} and, when asked for,
     * {@code sequence_output array<array<float>>} ([S][H]).
     *
     * @throws IllegalArgumentException when the input misses an input column or already has an output column
     */
    public static StructType outputSchema(StructType inputSchema, EmbedSettings settings) {
        settings.input().checkSchema(inputSchema);
        StructType out = appendNew(inputSchema, POOLED_OUTPUT, DataTypes.createArrayType(DataTypes.FloatType, false));
        if (settings.sequenceOutput()) {
            out = appendNew(out, SEQUENCE_OUTPUT, DataTypes.createArrayType(
                    DataTypes.createArrayType(DataTypes.FloatType, false), false));
        }
        return out;
    }

    private static StructType appendNew(StructType schema, String name, org.apache.spark.sql.types.DataType type) {
        if (IdColumns.fieldIndex(schema, name) >= 0) {
            throw new IllegalArgumentException("the input already has a column " + name
                    + "; drop or rename it before embedding");
        }
        return schema.add(name, type, false);
    }

    /** Where a row is, for messages: its partition and its 0-based position there in input order. */
    static String position(long row) {
        TaskContext task = TaskContext.get();
        return "row " + row + " of partition " + (task == null ? "?" : String.valueOf(task.partitionId()));
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Batches(rows);
    }

    /** Pulls one batch of input rows at a time and hands out its output rows. */
    private final class Batches implements Iterator<Row> {
        private final Iterator<Row> input;
        private final RowInput.Reader reader = settings.input().reader(inputSchema, rules);
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private SparseMixerEncoder encoder;
        private long rowsRead;
        private long encodeNanos;
        /** When this partition's encoder was ready (nanoTime, and wall-clock ms for spans across JVMs). */
        private long started;
        private long startedMillis;
        private long lastReport;
        private boolean finished;

        Batches(Iterator<Row> input) {
            this.input = input;
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && input.hasNext()) {
                encodeNextBatch();
            }
            if (ready.isEmpty() && !finished) {
                finished = true;
                if (metrics != null && encoder != null) {
                    metrics.partitionNanos().add(System.nanoTime() - started);
                    metrics.spans().add(new long[] {startedMillis, System.currentTimeMillis()});
                }
                if (rowsRead > 0) {
                    report("done");
                }
            }
            return !ready.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void encodeNextBatch() {
            Row[] rows = new Row[settings.batch()];
            PackedRow[] packed = new PackedRow[settings.batch()];
            int n = 0;
            while (n < rows.length && input.hasNext()) {
                Row row = input.next();
                RowInput.Packed p = reader.pack(row);
                if (p.isBad()) {
                    throw new BadRowException("bad row (" + position(rowsRead) + ", " + settings.input().describe()
                            + "): " + p.badReason());
                }
                rows[n] = row;
                packed[n] = p.row();
                n++;
                rowsRead++;
            }
            if (encoder == null) {
                encoder = EncoderHolder.encoder(settings);
                started = System.nanoTime();
                startedMillis = System.currentTimeMillis();
                lastReport = started;
            }
            int size = RoutingBatches.smallestAtLeast(encoder.config(), n);
            int s = rules.sequenceLength();
            int[] ids = new int[size * s];
            int[] mask = new int[size * s];
            int[] types = new int[size * s];
            for (int b = 0; b < size; b++) {
                PackedRow p = packed[Math.min(b, n - 1)];   // padding rows repeat the last row
                System.arraycopy(p.wordIds(), 0, ids, b * s, s);
                System.arraycopy(p.mask(), 0, mask, b * s, s);
                System.arraycopy(p.typeIds(), 0, types, b * s, s);
            }
            long start = System.nanoTime();
            EncoderOutput out = encoder.encode(new EncoderInput(size, s, ids, mask, types, 0, null, null, null));
            long took = System.nanoTime() - start;
            encodeNanos += took;
            if (metrics != null) {
                metrics.rows().add(n);
                metrics.paddingRows().add(size - n);
                metrics.encodeNanos().add(took);
                metrics.coreNanos().add(took * encoder.threads());
            }
            for (int b = 0; b < n; b++) {
                ready.add(outputRow(rows[b], out, b));
            }
            if (System.nanoTime() - lastReport > PROGRESS_NANOS) {
                report("progress");
            }
        }

        private Row outputRow(Row in, EncoderOutput out, int b) {
            int width = in.size();
            Object[] values = new Object[width + (settings.sequenceOutput() ? 2 : 1)];
            for (int i = 0; i < width; i++) {
                values[i] = in.get(i);
            }
            int h = out.hiddenSize();
            values[width] = Arrays.copyOfRange(out.pooledOutput(), b * h, (b + 1) * h);
            if (settings.sequenceOutput()) {
                int s = out.sequenceLength();
                float[][] sequence = new float[s][];
                for (int t = 0; t < s; t++) {
                    int from = (b * s + t) * h;
                    sequence[t] = Arrays.copyOfRange(out.sequenceOutput(), from, from + h);
                }
                values[width + 1] = sequence;
            }
            return RowFactory.create(values);
        }

        private void report(String what) {
            lastReport = System.nanoTime();
            TaskContext task = TaskContext.get();
            double seconds = encodeNanos / 1e9;
            int threads = encoder == null ? settings.threads() : encoder.threads();
            double share = (double) encodeNanos / Math.max(1, lastReport - started);
            LOG.info("partition {} {}: {} rows, {} s in the encoder ({}% of the partition's time), {} rows/s per core"
                            + " ({} thread(s))", task == null ? "?" : task.partitionId(), what, rowsRead,
                    String.format("%.1f", seconds), String.format("%.1f", 100 * share),
                    String.format("%.2f", seconds == 0 ? 0 : rowsRead / seconds / threads), threads);
        }
    }
}
