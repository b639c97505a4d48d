package org.sparsemixer.spark;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the job's input so that partition order is input order: a directory's data files sorted by name
 * (hidden and {@code _}-files such as {@code _SUCCESS} skipped), each read on its own and the results
 * unioned in that order. Spark's file scan on its own packs splits of several files sorted by size, which
 * would reorder rows across files. Each file is split into at least {@code minPartitions} partitions
 * (by byte ranges, whole lines for JSON) so that small inputs still use every task slot.
 */
final class OrderedInput {
    private OrderedInput() {
    }

    static Dataset<Row> read(SparkSession spark, String format, String location, int minPartitions) throws IOException {
        // Per file: split size = max(openCost, bytes / minPartitionNum); a zero open cost lets small files split too.
        spark.conf().set("spark.sql.files.minPartitionNum", String.valueOf(minPartitions));
        spark.conf().set("spark.sql.files.openCostInBytes", "0");
        List<String> files = dataFiles(spark, location);
        StructType schema = spark.read().format(format).load(files.toArray(String[]::new)).schema();
        if (schema.isEmpty()) {
            throw new IllegalArgumentException(location + ": the input has no columns (empty " + format + " input?)");
        }
        Dataset<Row> all = null;
        for (String file : files) {
            Dataset<Row> one = spark.read().format(format).schema(schema).load(file);
            all = all == null ? one : all.union(one);
        }
        return all;
    }

    private static List<String> dataFiles(SparkSession spark, String location) throws IOException {
        Path path = new Path(location);
        FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (!fs.exists(path)) {
            throw new NoSuchFileException(location, null, "input not found");
        }
        FileStatus status = fs.getFileStatus(path);
        if (!status.isDirectory()) {
            return List.of(status.getPath().toString());
        }
        List<String> files = new ArrayList<>();
        Arrays.stream(fs.listStatus(path))
                .filter(f -> f.isFile() && !f.getPath().getName().startsWith("_") && !f.getPath().getName().startsWith("."))
                .sorted(Comparator.comparing(f -> f.getPath().getName()))
                .forEach(f -> files.add(f.getPath().toString()));
        if (files.isEmpty()) {
            throw new IllegalArgumentException(location + ": the input directory holds no data files");
        }
        return files;
    }
}
