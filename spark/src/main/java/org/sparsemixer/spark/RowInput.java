package org.sparsemixer.spark;

import java.io.Serializable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * Where the encoder's inputs come from in a row. {@link IdColumns} reads ready-made id columns;
 * {@link TextColumn} tokenizes a text column (or two, for pairs) with the model directory's tokenizer. Implementations are serializable settings: Spark ships
 * them to the executors, where {@link #reader} is called once per partition.
 */
public interface RowInput extends Serializable {
    /** The input column names, for messages and for the job's checks. */
    String describe();

    /**
     * Checks that {@code schema} has the columns this input reads, with usable types.
     *
     * @throws IllegalArgumentException naming the missing or mistyped column
     */
    void checkSchema(StructType schema);

    /**
     * Checks on the driver, before any task, that the model can take this input (a text input loads the
     * model directory's tokenizer here). Nothing to check by default.
     *
     * @throws IllegalArgumentException naming what the model lacks
     */
    default void checkModel(SparseMixerConfig config) {
    }

    /**
     * A reader for the rows of one partition with {@code schema}, packing each row for a model whose
     * rows follow {@code rules}. Expensive resources (a tokenizer) belong in a per-JVM holder, as
     * {@link EncoderHolder} does for the encoder, not in the reader.
     */
    Reader reader(StructType schema, RowRules rules);

    /** Packs one row; not shared between threads. */
    interface Reader {
        /** The packed row, or the reason it cannot be encoded (never thrown: the caller fails or skips). */
        Packed pack(Row row);
    }

    /** Either a packed row or the reason the row cannot be encoded. */
    record Packed(PackedRow row, String badReason) {
        static Packed ok(PackedRow row) {
            return new Packed(row, null);
        }

        static Packed bad(String reason) {
            return new Packed(null, reason);
        }

        public boolean isBad() {
            return badReason != null;
        }
    }
}
