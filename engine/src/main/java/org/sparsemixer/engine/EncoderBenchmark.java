package org.sparsemixer.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/**
 * Times repeated forward passes of one encoder on one batch: latency percentiles, throughput,
 * achieved GFLOP/s (from {@link FlopCount}) and the time per {@link Stage}; optionally with several
 * caller threads sharing the encoder.
 */
public final class EncoderBenchmark {
    /**
     * @param callers        caller threads that shared the encoder
     * @param latenciesNanos one entry per measured call (of every caller), sorted ascending
     * @param stageTimes     summed over the measured calls
     * @param wallNanos      wall-clock time of the measured phase, from its start to the end of the last call
     */
    public record Result(SparseMixerConfig config, int batch, int threads, int callers, long[] latenciesNanos,
                         StageTimes stageTimes, long wallNanos) {
        public double percentileMillis(double p) {
            int index = (int) Math.ceil(p / 100.0 * latenciesNanos.length) - 1;
            return latenciesNanos[Math.max(0, Math.min(latenciesNanos.length - 1, index))] / 1e6;
        }

        public double meanMillis() {
            return Arrays.stream(latenciesNanos).average().orElse(0) / 1e6;
        }

        /**
         * Sequences per second: with one caller, at the median latency (batch / p50); with several, overall
         * (every sequence of every measured call over the wall-clock time of the measured phase).
         */
        public double sequencesPerSecond() {
            return callers == 1 ? batch / (percentileMillis(50) / 1e3) : overallSequencesPerSecond();
        }

        /** Every sequence of every measured call over the wall-clock time of the measured phase. */
        public double overallSequencesPerSecond() {
            return (double) batch * latenciesNanos.length / (Math.max(1, wallNanos) / 1e9);
        }

        public double tokensPerSecond() {
            return sequencesPerSecond() * config.maxSequenceLength();
        }

        /** Matrix-product GFLOP/s at {@link #sequencesPerSecond()}. */
        public double gflops() {
            return FlopCount.forward(config, batch) / batch * sequencesPerSecond() / 1e9;
        }

        /** Average time per call spent in {@code stage}. */
        public double stageMillis(Stage stage) {
            return stageTimes.nanos(stage) / 1e6 / latenciesNanos.length;
        }
    }

    private EncoderBenchmark() {
    }

    /** One caller: {@code warmup} untimed calls, then {@code iterations} timed ones. */
    public static Result run(SparseMixerEncoder encoder, EncoderInput input, int warmup, int iterations) {
        return run(encoder, input, warmup, iterations, 1);
    }

    /**
     * {@code callers} threads share the encoder: each makes {@code warmup} untimed calls, then, all starting
     * together, {@code iterations} timed calls. A failing call fails the benchmark with its exception.
     */
    public static Result run(SparseMixerEncoder encoder, EncoderInput input, int warmup, int iterations, int callers) {
        if (warmup < 0 || iterations < 1 || callers < 1) {
            throw new IllegalArgumentException("need warmup >= 0, iterations >= 1 and callers >= 1, got " + warmup
                    + ", " + iterations + " and " + callers);
        }
        StageTimes times = new StageTimes();
        if (callers == 1) {
            for (int i = 0; i < warmup; i++) {
                encoder.encode(input);
            }
            long[] latencies = new long[iterations];
            long start = System.nanoTime();
            timedCalls(encoder, input, times, latencies);
            long wall = System.nanoTime() - start;
            Arrays.sort(latencies);
            return new Result(encoder.config(), input.batchSize(), encoder.threads(), 1, latencies, times, wall);
        }
        long[][] latencies = new long[callers][iterations];
        CountDownLatch warm = new CountDownLatch(callers);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(callers, r -> {
            Thread t = new Thread(r, "bench-caller");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Long>> done = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                long[] mine = latencies[c];
                done.add(pool.submit(() -> {
                    try {
                        for (int i = 0; i < warmup; i++) {
                            encoder.encode(input);
                        }
                    } finally {
                        warm.countDown();
                    }
                    go.await();
                    timedCalls(encoder, input, times, mine);
                    return System.nanoTime();
                }));
            }
            warm.await();
            long start = System.nanoTime();
            go.countDown();
            long end = start;
            for (Future<Long> f : done) {
                end = Math.max(end, f.get());
            }
            long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
            return new Result(encoder.config(), input.batchSize(), encoder.threads(), callers, all, times, end - start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while benchmarking", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static void timedCalls(SparseMixerEncoder encoder, EncoderInput input, StageTimes times, long[] latencies) {
        for (int i = 0; i < latencies.length; i++) {
            long start = System.nanoTime();
            encoder.encode(input, times);
            latencies[i] = System.nanoTime() - start;
        }
    }
}
