package org.sparsemixer.spark;

import java.io.Serializable;
import java.util.Objects;
import org.sparsemixer.engine.WeightPrecision;

/**
 * How rows are embedded: the model directory (a path every executor can read: shared storage, or shipped
 * with {@code --files}/{@code --archives}), where the inputs come from, the batch size, the compute threads
 * of the one encoder each executor JVM holds, the weight precision, whether {@code sequence_output} is
 * appended as well as {@code pooled_output}, and how many untimed warm-up calls a freshly loaded encoder
 * makes. Immutable and serializable: Spark ships it to the executors.
 *
 * @param threads compute threads of the per-JVM encoder; with the default {@code spark.task.cpus = 1} use 1,
 *                so that the executor's task slots x threads = its cores (each task's own thread encodes)
 */
public record EmbedSettings(
        String modelDir,
        RowInput input,
        int batch,
        int threads,
        WeightPrecision weightPrecision,
        boolean sequenceOutput,
        int warmUpCalls) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The default batch size: large enough to amortize a call, small enough for any model's memory. */
    public static final int DEFAULT_BATCH = 8;

    public EmbedSettings {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(weightPrecision, "weightPrecision");
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (warmUpCalls < 0) {
            throw new IllegalArgumentException("warm-up calls must be >= 0, got " + warmUpCalls);
        }
    }

    /** Id columns input_word_ids / input_mask / input_type_ids, batch 8, 1 thread, F32 weights, pooled output only. */
    public static EmbedSettings idColumns(String modelDir) {
        return new EmbedSettings(modelDir, IdColumns.standard(), DEFAULT_BATCH, 1, WeightPrecision.F32, false, 0);
    }

    public EmbedSettings withInput(RowInput rowInput) {
        return new EmbedSettings(modelDir, rowInput, batch, threads, weightPrecision, sequenceOutput, warmUpCalls);
    }

    /**
     * Inputs from a string column, tokenized and packed with the model directory's tokenizer
     * ({@code tokenizer.model} or {@code vocab.txt} with {@code text_input.json}, docs/model-format.md).
     */
    public EmbedSettings withTextColumn(String column) {
        return withInput(new TextColumn(modelDir, column));
    }

    /** Inputs from two string columns, each row packed as the pair {@code [CLS] text [SEP] pair [SEP]}. */
    public EmbedSettings withTextPairColumns(String column, String pairColumn) {
        return withInput(new TextColumn(modelDir, column, pairColumn));
    }

    public EmbedSettings withBatch(int size) {
        return new EmbedSettings(modelDir, input, size, threads, weightPrecision, sequenceOutput, warmUpCalls);
    }

    public EmbedSettings withThreads(int count) {
        return new EmbedSettings(modelDir, input, batch, count, weightPrecision, sequenceOutput, warmUpCalls);
    }

    public EmbedSettings withWeightPrecision(WeightPrecision precision) {
        return new EmbedSettings(modelDir, input, batch, threads, precision, sequenceOutput, warmUpCalls);
    }

    public EmbedSettings withSequenceOutput(boolean append) {
        return new EmbedSettings(modelDir, input, batch, threads, weightPrecision, append, warmUpCalls);
    }

    public EmbedSettings withWarmUpCalls(int calls) {
        return new EmbedSettings(modelDir, input, batch, threads, weightPrecision, sequenceOutput, calls);
    }
}
