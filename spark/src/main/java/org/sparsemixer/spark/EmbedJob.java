package org.sparsemixer.spark;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.sparsemixer.engine.WeightPrecision;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The {@code spark-embed} job: reads JSON lines or Parquet, embeds every row with
 * {@link SparkEmbedding#embed} and writes the rows with {@code pooled_output} appended, in input order.
 * Run locally through {@code ./spark-embed}, or on a cluster with {@code spark-submit --class
 * org.sparsemixer.spark.EmbedJob} (docs/spark.md). Exit 0 on success, 2 for bad input (usage, files,
 * model, a bad row), 1 for anything else, each failure as one {@code error:} line on stderr.
 */
@Command(name = "spark-embed", mixinStandardHelpOptions = true, sortOptions = false,
        version = "spark-embed (sparse-mixer-java, Apache Spark 4.2)",
        description = "Embeds the rows of a JSON lines or Parquet input with Sparse Mixer on Apache Spark.")
public final class EmbedJob implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_BAD_INPUT = 2;

    enum Format { json, parquet }

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master, e.g. local[2]; default: the one spark-submit sets, else local[*]")
    String master;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "model directory, readable at this path by the driver and every executor")
    String model;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "input file or directory")
    String input;

    @Option(names = "--output", required = true, paramLabel = "PATH",
            description = "output directory (must not exist); part files in input order")
    String output;

    @Option(names = "--format", paramLabel = "json|parquet", description = "input format and, unless --output-format, output format (default json)")
    Format format = Format.json;

    @Option(names = "--output-format", paramLabel = "json|parquet", description = "output format (default: --format)")
    Format outputFormat;

    @Option(names = "--text-column", paramLabel = "NAME",
            description = "read text from this string column instead of the id columns, tokenized with the model directory's tokenizer")
    String textColumn;

    @Option(names = "--text-pair-column", paramLabel = "NAME",
            description = "with --text-column: the second text of each example ([CLS] text [SEP] pair [SEP])")
    String textPairColumn;

    @Option(names = "--batch", paramLabel = "B", description = "rows per encoder call within a partition (default 8)")
    int batch = EmbedSettings.DEFAULT_BATCH;

    @Option(names = "--threads", paramLabel = "T",
            description = "compute threads of each executor's encoder (default: spark.task.cpus, so task slots x threads = cores)")
    Integer threads;

    @Option(names = "--bad-rows", paramLabel = "DIR",
            description = "write rows that cannot be encoded here (JSON lines, with bad_row_reason) and skip them; default: fail the job naming the row")
    String badRows;

    @Option(names = "--sequence-output", description = "also append sequence_output (array<array<float>>, [S][H])")
    boolean sequenceOutput;

    @Option(names = "--weights-dtype", paramLabel = "f32|bf16|f16", description = "weights in memory (default f32)")
    String weightsDtype = "f32";

    @Option(names = "--warmup", paramLabel = "N", description = "untimed warm-up calls when an executor loads the encoder (default 0)")
    int warmUp;

    @Option(names = "--min-partitions", paramLabel = "N",
            description = "split each input file into at least N partitions (default: Spark's default parallelism)")
    Integer minPartitions;

    @Option(names = "--verbose", description = "stack trace after an error")
    boolean verbose;

    private PrintStream out = System.out;

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs one invocation without exiting the JVM; uses the active SparkSession if there is one. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        EmbedJob job = new EmbedJob();
        job.out = out;
        CommandLine cli = new CommandLine(job).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((ParameterException e, String[] a) -> {
            err.println("error: " + JobErrors.oneLine(e.getMessage()) + " (see --help)");
            return EXIT_BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            err.println("error: " + JobErrors.message(e));
            if (job.verbose) {
                e.printStackTrace(err);
            }
            return JobErrors.isBadInput(e) ? EXIT_BAD_INPUT : EXIT_ERROR;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        EmbedSettings settings = settings(1);   // checked before Spark starts: a usage error needs no cluster
        ModelCheck.read(settings);
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession.Builder builder = SparkSession.builder().appName("spark-embed");
        String chosen = master != null ? master : System.getProperty("spark.master", "local[*]");
        builder.master(chosen);
        if (chosen.startsWith("local")) {
            // One JVM: keep the driver on the loopback interface and skip the web UI.
            builder.config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.ui.enabled", "false");
        }
        SparkSession spark = builder.getOrCreate();
        try {
            return run(spark);
        } finally {
            if (ownSession) {
                spark.stop();
            }
        }
    }

    private EmbedSettings settings(int defaultThreads) {
        EmbedSettings settings = EmbedSettings.idColumns(model)
                .withBatch(batch)
                .withThreads(threads == null ? defaultThreads : threads)
                .withWeightPrecision(precision(weightsDtype))
                .withSequenceOutput(sequenceOutput)
                .withWarmUpCalls(warmUp);
        if (textPairColumn != null && textColumn == null) {
            throw new IllegalArgumentException("--text-pair-column " + textPairColumn + " needs --text-column");
        }
        if (textColumn == null) {
            return settings;
        }
        return textPairColumn == null ? settings.withTextColumn(textColumn)
                : settings.withTextPairColumns(textColumn, textPairColumn);
    }

    private static WeightPrecision precision(String dtype) {
        return switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32" -> WeightPrecision.F32;
            case "bf16" -> WeightPrecision.BF16;
            case "f16" -> WeightPrecision.F16;
            default -> throw new IllegalArgumentException("--weights-dtype " + dtype + ": use f32, bf16 or f16");
        };
    }

    private int run(SparkSession spark) throws Exception {
        long start = System.nanoTime();
        int taskCpus = spark.sparkContext().conf().getInt("spark.task.cpus", 1);
        EmbedSettings settings = settings(taskCpus);
        int partitions = minPartitions != null ? minPartitions : spark.sparkContext().defaultParallelism();
        if (partitions < 1) {
            throw new IllegalArgumentException("--min-partitions must be >= 1, got " + partitions);
        }
        for (String target : badRows == null ? new String[] {output} : new String[] {output, badRows}) {
            // Refused before any work, not after the bad rows (or half the job) are written.
            Path path = new Path(target);
            if (path.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(path)) {
                throw new FileAlreadyExistsException(target, null,
                        "the output already exists; give a new directory");
            }
        }
        Dataset<Row> rows = OrderedInput.read(spark, format.name(), input, partitions);
        EmbedMetrics metrics = EmbedMetrics.register(spark.sparkContext());
        long badCount = 0;
        if (badRows != null) {
            Dataset<Row> checked = SparkEmbedding.withBadRowReasons(rows, settings);
            Dataset<Row> bad = checked.filter(functions.col(SparkEmbedding.BAD_ROW_REASON).isNotNull());
            bad.write().json(badRows);
            badCount = spark.read().schema(checked.schema()).json(badRows).count();
            rows = checked.filter(functions.col(SparkEmbedding.BAD_ROW_REASON).isNull())
                    .drop(SparkEmbedding.BAD_ROW_REASON);
        }
        Format to = outputFormat == null ? format : outputFormat;
        SparkEmbedding.embed(rows, settings, metrics).write().format(to.name()).save(output);

        double seconds = (System.nanoTime() - start) / 1e9;
        long encoded = metrics.rows().value();
        out.printf(Locale.ROOT, "spark-embed: wrote %d rows to %s (%s, part files in input order) in %.1f s, %.2f rows/s"
                + " after Spark's start-up%n", encoded, output, to, seconds, encoded / seconds);
        out.printf(Locale.ROOT, "spark-embed: encoder: %.2f rows/s per executor core (%d rows in %.1f core-s, batch %d, "
                        + "%d thread(s) per encoder, %d padding rows); %.1f%% of the partitions' time in the encoder%n",
                metrics.rowsPerCoreSecond(), encoded, metrics.coreNanos().value() / 1e9, settings.batch(),
                settings.threads(), metrics.paddingRows().value(), 100 * metrics.encoderShare());
        out.printf(Locale.ROOT, "spark-embed: %.2f rows/s once the encoder was loaded (from the first task with a "
                + "loaded, warmed-up encoder to the last partition's end)%n", metrics.rowsPerSecondOnceLoaded());
        if (badRows != null) {
            out.printf(Locale.ROOT, "spark-embed: %d bad rows written to %s and skipped%n", badCount, badRows);
        }
        return EXIT_OK;
    }
}
