package org.sparsemixer.spark;

import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The ready {@code Dataset<Row> -> Dataset<Row>} transforms. Both keep the partitioning and the order of
 * the rows (no shuffle), so writing the result keeps the input order across part files.
 *
 * <pre>{@code
 * EmbedSettings settings = EmbedSettings.idColumns("/shared/models/base").withBatch(8);
 * Dataset<Row> embedded = SparkEmbedding.embed(spark.read().parquet(in), settings);
 * }</pre>
 */
public final class SparkEmbedding {
    /** The column {@link #withBadRowReasons} appends: null for a good row, else why and where. */
    public static final String BAD_ROW_REASON = "bad_row_reason";

    private SparkEmbedding() {
    }

    /** Every input row with {@code pooled_output} (and optionally {@code sequence_output}) appended. */
    public static Dataset<Row> embed(Dataset<Row> input, EmbedSettings settings) {
        return embed(input, settings, null);
    }

    /** As {@link #embed(Dataset, EmbedSettings)}, adding to {@code metrics} (may be null). */
    public static Dataset<Row> embed(Dataset<Row> input, EmbedSettings settings, EmbedMetrics metrics) {
        StructType schema = input.schema();
        StructType out = PartitionEmbedder.outputSchema(schema, settings);
        return input.mapPartitions(PartitionEmbedder.of(settings, schema, metrics), Encoders.row(out));
    }

    /**
     * Every input row with a string column {@value #BAD_ROW_REASON} appended: null when the row can be
     * encoded, otherwise the reason and the row's position. Cheap (no encoder): filter on it to write the bad
     * rows aside and embed the rest. The model's config is read on the driver.
     */
    public static Dataset<Row> withBadRowReasons(Dataset<Row> input, EmbedSettings settings) {
        StructType schema = input.schema();
        settings.input().checkSchema(schema);
        RowRules rules = ModelCheck.read(settings).rules();
        StructType out = schema.add(BAD_ROW_REASON, DataTypes.StringType, true);
        return input.mapPartitions(new ReasonAppender(settings.input(), schema, rules), Encoders.row(out));
    }

    /** Appends each row's bad-row reason (or null), lazily and in order. */
    private record ReasonAppender(RowInput rowInput, StructType schema, RowRules rules)
            implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            RowInput.Reader reader = rowInput.reader(schema, rules);
            return new Iterator<>() {
                private long index;

                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    Row row = rows.next();
                    RowInput.Packed packed = reader.pack(row);
                    Object[] values = new Object[row.size() + 1];
                    for (int i = 0; i < row.size(); i++) {
                        values[i] = row.get(i);
                    }
                    values[row.size()] = packed.isBad()
                            ? PartitionEmbedder.position(index) + ": " + packed.badReason() : null;
                    index++;
                    return RowFactory.create(values);
                }
            };
        }
    }
}
