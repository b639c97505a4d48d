package org.sparsemixer.spark;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * Counters the executors add to and the driver reads after the job: rows encoded, padding rows added to
 * short last batches, the time spent in the encoder, as wall-clock nanoseconds summed over tasks and as
 * core-nanoseconds (times the encoder's threads), which give the rows/s per executor core, and the
 * embedding function's time per partition once its encoder is loaded (reading input rows, encoding,
 * building output rows, and whatever the consumer of its rows does in between, such as writing them), and
 * each partition's span in wall-clock milliseconds from that moment to its end.
 */
public record EmbedMetrics(LongAccumulator rows, LongAccumulator paddingRows, LongAccumulator encodeNanos,
                           LongAccumulator coreNanos, LongAccumulator partitionNanos,
                           CollectionAccumulator<long[]> spans) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** New counters registered with {@code context} (on the driver). */
    public static EmbedMetrics register(SparkContext context) {
        return new EmbedMetrics(context.longAccumulator("sparse-mixer rows"),
                context.longAccumulator("sparse-mixer padding rows"),
                context.longAccumulator("sparse-mixer encode ns"),
                context.longAccumulator("sparse-mixer encode core-ns"),
                context.longAccumulator("sparse-mixer partition ns"),
                context.collectionAccumulator("sparse-mixer partition spans"));
    }

    /** Rows per second per executor core while encoding: rows / core-seconds spent in the encoder. */
    public double rowsPerCoreSecond() {
        long ns = coreNanos.value();
        return ns == 0 ? 0 : rows.value() * 1e9 / ns;
    }

    /**
     * Rows per second of wall-clock time from the first moment a task had a loaded encoder to the end of the
     * last partition: the job's throughput after Spark's start-up, the model's load and the warm-up calls.
     */
    public double rowsPerSecondOnceLoaded() {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (long[] span : spans.value()) {
            first = Math.min(first, span[0]);
            last = Math.max(last, span[1]);
        }
        return last <= first ? 0 : rows.value() * 1e3 / (last - first);
    }

    /** The share of the partitions' time spent inside the encoder (the rest is Spark and row conversion). */
    public double encoderShare() {
        long ns = partitionNanos.value();
        return ns == 0 ? 0 : (double) encodeNanos.value() / ns;
    }
}
