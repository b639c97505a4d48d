package org.sparsemixer.spark;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Counters the executors add to and the driver reads after the job: rows encoded, padding rows added to
 * short last batches, the time spent in the encoder, as wall-clock nanoseconds summed over tasks and as
 * core-nanoseconds (times the encoder's threads), which give the rows/s per executor core, and the
 * embedding function's whole time per partition (reading input rows, encoding, building output rows, and
 * whatever the consumer of its rows does in between, such as writing them).
 */
public record EmbedMetrics(LongAccumulator rows, LongAccumulator paddingRows, LongAccumulator encodeNanos,
                           LongAccumulator coreNanos, LongAccumulator partitionNanos) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** New counters registered with {@code context} (on the driver). */
    public static EmbedMetrics register(SparkContext context) {
        return new EmbedMetrics(context.longAccumulator("sparse-mixer rows"),
                context.longAccumulator("sparse-mixer padding rows"),
                context.longAccumulator("sparse-mixer encode ns"),
                context.longAccumulator("sparse-mixer encode core-ns"),
                context.longAccumulator("sparse-mixer partition ns"));
    }

    /** Rows per second per executor core while encoding: rows / core-seconds spent in the encoder. */
    public double rowsPerCoreSecond() {
        long ns = coreNanos.value();
        return ns == 0 ? 0 : rows.value() * 1e9 / ns;
    }

    /** The share of the partitions' time spent inside the encoder (the rest is Spark and row conversion). */
    public double encoderShare() {
        long ns = partitionNanos.value();
        return ns == 0 ? 0 : (double) encodeNanos.value() / ns;
    }
}
