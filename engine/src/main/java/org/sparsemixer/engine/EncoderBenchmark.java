package org.sparsemixer.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
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
     * @param callOrderNanos the same latencies in the order the calls were made (caller after caller)
     * @param warmupNanos    wall-clock time of the warm-up calls (with several callers, the slowest caller's)
     * @param allocatedBytes heap bytes allocated during the measured phase by the counter given to
     *                       {@link #run(SparseMixerEncoder, EncoderInput, int, int, int, LongSupplier)}, or -1
     */
    public record Result(SparseMixerConfig config, int batch, int threads, int callers, long[] latenciesNanos,
                         StageTimes stageTimes, long wallNanos, long[] callOrderNanos, long warmupNanos,
                         long allocatedBytes) {
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

        /**
         * Steady-state latency of a cold process: the median of the last half of the calls in call order
         * (the first calls of a JVM run while C2 is still compiling the kernels).
         */
        public double steadyMillis() {
            int n = callOrderNanos.length;
            long[] tail = Arrays.copyOfRange(callOrderNanos, n / 2, n);
            Arrays.sort(tail);
            return tail[(tail.length - 1) / 2] / 1e6;
        }

        /**
         * The 1-based number of the first call, in call order, whose latency is within {@code tolerance}
         * (0.1 for 10 %) of {@link #steadyMillis()}: how many calls a cold process needs to reach steady speed.
         */
        public int callsToSteady(double tolerance) {
            double limit = steadyMillis() * (1 + tolerance);
            for (int i = 0; i < callOrderNanos.length; i++) {
                if (callOrderNanos[i] / 1e6 <= limit) {
                    return i + 1;
                }
            }
            return callOrderNanos.length;
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
     * {@code callers} threads share the encoder: each makes {@code warmup} untimed calls
     * ({@link SparseMixerEncoder#warmUp} at the input's batch size), then, all starting
     * together, {@code iterations} timed calls. A failing call fails the benchmark with its exception.
     */
    public static Result run(SparseMixerEncoder encoder, EncoderInput input, int warmup, int iterations, int callers) {
        return run(encoder, input, warmup, iterations, callers, () -> -1);
    }

    /**
     * As {@link #run(SparseMixerEncoder, EncoderInput, int, int, int)}, and reads {@code allocatedBytes} (a
     * counter of the heap bytes every thread has allocated, such as
     * {@code com.sun.management.ThreadMXBean.getTotalThreadAllocatedBytes}; -1 when unknown) at the start and
     * end of the measured phase: warm-up calls, run while C2 compiles, allocate far more than compiled code.
     */
    public static Result run(SparseMixerEncoder encoder, EncoderInput input, int warmup, int iterations, int callers,
                             LongSupplier allocatedBytes) {
        if (warmup < 0 || iterations < 1 || callers < 1) {
            throw new IllegalArgumentException("need warmup >= 0, iterations >= 1 and callers >= 1, got " + warmup
                    + ", " + iterations + " and " + callers);
        }
        StageTimes times = new StageTimes();
        if (callers == 1) {
            long warmupNanos = encoder.warmUp(warmup, input.batchSize());
            long[] latencies = new long[iterations];
            long allocatedBefore = allocatedBytes.getAsLong();
            long start = System.nanoTime();
            timedCalls(encoder, input, times, latencies);
            long wall = System.nanoTime() - start;
            long allocated = allocated(allocatedBefore, allocatedBytes.getAsLong());
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            return new Result(encoder.config(), input.batchSize(), encoder.threads(), 1, sorted, times, wall,
                    latencies, warmupNanos, allocated);
        }
        long[][] latencies = new long[callers][iterations];
        long[] warmupNanos = new long[callers];
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
                int caller = c;
                done.add(pool.submit(() -> {
                    try {
                        warmupNanos[caller] = encoder.warmUp(warmup, input.batchSize());
                    } finally {
                        warm.countDown();
                    }
                    go.await();
                    timedCalls(encoder, input, times, mine);
                    return System.nanoTime();
                }));
            }
            warm.await();
            long allocatedBefore = allocatedBytes.getAsLong();
            long start = System.nanoTime();
            go.countDown();
            long end = start;
            for (Future<Long> f : done) {
                end = Math.max(end, f.get());
            }
            long allocated = allocated(allocatedBefore, allocatedBytes.getAsLong());
            long[] inOrder = Arrays.stream(latencies).flatMapToLong(Arrays::stream).toArray();
            long[] all = Arrays.stream(inOrder).sorted().toArray();
            return new Result(encoder.config(), input.batchSize(), encoder.threads(), callers, all, times, end - start,
                    inOrder, Arrays.stream(warmupNanos).max().orElse(0), allocated);
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

    private static long allocated(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }

    private static void timedCalls(SparseMixerEncoder encoder, EncoderInput input, StageTimes times, long[] latencies) {
        for (int i = 0; i < latencies.length; i++) {
            long start = System.nanoTime();
            encoder.encode(input, times);
            latencies[i] = System.nanoTime() - start;
        }
    }
}
